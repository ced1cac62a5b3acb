"""Outages of what the archive depends on (database, blob storage, LibreOffice), noted once each.

During an outage every request fails the same way; logging each failure would bury the one line
an operator needs. :class:`Outages` remembers which dependency is down: the first failure logs a
warning, later ones only count, and the first success after it logs the end and hands the whole
outage (start, end, failures) to a recorder — the archive writes it to the event log then, as one
entry, because while the database itself is down nothing could be written there.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Outage", "Outages"]

log = logging.getLogger("anjuan.health")

#: what the archive depends on, with the name an operator reads
DEPENDENCIES = {"database": "数据库", "storage": "文件存储", "converter": "文书转换服务（LibreOffice）"}


@dataclass(frozen=True)
class Outage:
    dependency: str  # database | storage | converter
    code: str  # the error code requests got (database_unavailable, storage_read_only …)
    started: dt.datetime
    ended: dt.datetime
    failures: int
    message: str  # the first failure, in English, for the operator

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


@dataclass
class _Open:
    code: str
    started: dt.datetime
    failures: int
    message: str


class Outages:
    """Thread-safe: requests in many threads report to one tracker."""

    def __init__(self, recorder: Callable[[Outage], None] | None = None) -> None:
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()
        self.recorder = recorder

    def failed(self, dependency: str, code: str, message: str) -> None:
        with self._lock:
            current = self._open.get(dependency)
            if current is not None:
                current.failures += 1
                return
            self._open[dependency] = _Open(code, dt.datetime.now(dt.UTC), 1, message)
        log.warning("%s unavailable (%s): %s", dependency, code, message)

    def ok(self, dependency: str) -> None:
        if dependency not in self._open:  # the usual case: no lock taken
            return
        with self._lock:
            current = self._open.pop(dependency, None)
        if current is None:
            return
        outage = Outage(
            dependency, current.code, current.started, dt.datetime.now(dt.UTC), current.failures, current.message
        )
        log.warning("%s available again after %.1f s (%d failed requests)", dependency, outage.seconds, outage.failures)
        if self.recorder is not None:
            try:
                self.recorder(outage)
            except Exception as exc:  # the log line above stands; never fail the request that recovered
                log.warning("outage of %s not recorded in the event log: %s", dependency, exc)

    def current(self) -> dict[str, str]:
        """Dependencies down right now → the error code their requests get."""
        with self._lock:
            return {name: o.code for name, o in self._open.items()}
