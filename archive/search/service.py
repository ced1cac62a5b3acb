"""Keeping the index in step with the archive, and searching it as a user.

The index follows the event log (操作日志): every change to a record is an event, and the index's
checkpoint is the sequence number of the last event it has absorbed. :meth:`SearchService.sync`
re-indexes whatever the events since then touched. It runs right after each change (so a document
is findable as soon as it is issued) and before each search (so writes made by another process —
the CLI beside the server — are never missed). An indexing failure therefore loses nothing: the
events stay, and the next sync or ``anjuan index rebuild`` catches up.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anjuan.indexing.api import IndexDoc, Progress, SearchBackend, SearchRequest, SearchResult, Visibility
from anjuan.indexing.errors import IndexingError
from sqlalchemy import func, or_, select

from .. import events
from ..access import Principal, require
from ..models import Case, Event, case_officers
from .records import RecordBuilder

if TYPE_CHECKING:
    from ..service import Archive

__all__ = ["SearchService"]

log = logging.getLogger(__name__)

_SYNC_BATCH = 2000
#: how long a change waits to index itself before leaving it to the next sync
_AFTER_CHANGE_WAIT = 2.0


class SearchService:
    def __init__(self, archive: Archive, backend: SearchBackend | None = None) -> None:
        self.archive = archive
        self._backend = backend
        self._lock = threading.RLock()  # sync → rebuild → backend all take it

    @property
    def path(self) -> Path:
        return self.archive.settings.data_dir / "index"

    @property
    def backend(self) -> SearchBackend:
        """Opened on first use, so commands that never search never pay for it."""
        with self._lock:
            if self._backend is None:
                from anjuan.indexing.whoosh_backend import WhooshBackend

                catalogue = self.archive.catalogue
                words = [f.name for f in catalogue.forms] + [a for f in catalogue.forms for a in f.aliases]
                self._backend = WhooshBackend(self.path, extra_words=words, workers=self.archive.settings.index_workers)
            return self._backend

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    # -- keeping up ----------------------------------------------------------------------------

    def _last_seq(self, session: Any) -> int:
        return int(session.scalar(select(func.max(Event.seq))) or 0)

    def sync(self, *, wait: float | None = None) -> int:
        """Index what changed since the checkpoint; returns the number of records touched.
        An index of another schema version is rebuilt first. ``wait`` bounds the wait for the
        writer lock (a rebuild in another process holds it for minutes)."""
        backend = self.backend
        with self._lock:
            if not backend.current():
                log.warning("search index schema changed: rebuilding from the archive")
                self._rebuild_locked(Principal.system("search"), None)
                return 0
            touched = 0
            while True:
                cursor = int(backend.checkpoint() or 0)
                with self.archive.db.read() as s:
                    rows = s.execute(
                        select(Event.seq, Event.entity, Event.entity_id)
                        .where(Event.seq > cursor, Event.entity.in_(("document", "case")))
                        .order_by(Event.seq)
                        .limit(_SYNC_BATCH)
                    ).all()
                    last = rows[-1][0] if rows else self._last_seq(s)
                    if last <= cursor:
                        return touched
                    builder = RecordBuilder(self.archive, s)
                    keys: dict[str, None] = {}
                    for _seq, entity, entity_id in rows:
                        if entity == "document":
                            keys[f"doc:{entity_id}"] = None
                        elif entity_id:
                            keys.update(dict.fromkeys(builder.keys_for_case(entity_id)))
                    records: list[IndexDoc] = []
                    gone: list[str] = []
                    for key in keys:
                        record = builder.build(key)
                        if record is None:
                            gone.append(key)
                        else:
                            records.append(record)
                if gone:
                    backend.delete(gone, wait=wait)
                backend.index(records, checkpoint=str(last), wait=wait)
                touched += len(records) + len(gone)
                # Loop until no event is left: changes committed meanwhile by other threads (which
                # left their indexing to this one, see after_change) are picked up in this pass.

    def after_change(self) -> None:
        """Called by the archive after a change commits: index now, never fail the change.

        If another thread is already syncing, its loop picks this change up (one commit for many
        documents), so concurrent issuers do not queue behind each other's indexing. With
        ``index_on_change`` off (a one-shot command) nothing is done: the next search, in whichever
        process, catches up from the event log first."""
        if not self.archive.settings.index_on_change:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self.sync(wait=_AFTER_CHANGE_WAIT)
        except Exception as exc:  # the change is committed; the next sync picks it up
            log.warning("search index not updated (will catch up): %s", exc)
        finally:
            self._lock.release()

    def rebuild(self, *, actor: Principal, progress: Progress | None = None) -> int:
        require(actor, "manage_registry")
        with self._lock:
            return self._rebuild_locked(actor, progress)

    def _rebuild_locked(self, actor: Principal, progress: Progress | None) -> int:
        with self.archive.db.read() as s:
            cursor = self._last_seq(s)  # events after this are replayed by the next sync
            builder = RecordBuilder(self.archive, s)
            total = builder.count()
            keys = list(builder.all_keys())

            def records() -> Iterator[IndexDoc]:
                for key in keys:
                    record = builder.build(key)
                    if record is not None:
                        yield record

            written = self.backend.rebuild(records(), total=total, progress=progress, checkpoint=str(cursor))
        with self.archive.db.write() as s:
            events.record(s, actor=actor.name, entity="archive", entity_id=0, action="index_rebuilt", records=written)
        return written

    def status(self, *, actor: Principal) -> dict[str, Any]:
        """How the index compares with the archive: counts, checkpoint, records missing or stale."""
        require(actor, "audit")
        backend = self.backend
        stats = backend.stats()
        with self.archive.db.read() as s:
            expected = set(RecordBuilder(self.archive, s).all_keys())
            last = self._last_seq(s)
        present = backend.keys() if backend.current() else set()
        return {
            "records": stats.documents,
            "schema_version": stats.schema_version,
            "current": backend.current(),
            "location": stats.location,
            "checkpoint": int(backend.checkpoint() or 0),
            "last_event": last,
            "missing": sorted(expected - present)[:50],
            "missing_count": len(expected - present),
            "stale": sorted(present - expected)[:50],
            "stale_count": len(present - expected),
        }

    # -- searching -----------------------------------------------------------------------------

    def visibility(self, actor: Principal) -> Visibility:
        """The user's role scope (archive/access.py) as the index's visibility filter."""
        if actor.orgs is None:
            return Visibility.all()
        if actor.wide:
            return Visibility(org_ids=actor.orgs)
        with self.archive.db.read() as s:
            team = select(case_officers.c.case_id).where(case_officers.c.officer_id == (actor.officer_id or -1))
            cases = s.scalars(
                select(Case.id).where(
                    Case.org_id.in_(actor.orgs), or_(Case.created_by == actor.name, Case.id.in_(team))
                )
            ).all()
            return Visibility(case_ids=frozenset(cases), creators=frozenset({actor.name}))

    def search(self, *, actor: Principal, request: SearchRequest) -> SearchResult:
        try:
            self.sync(wait=0.0)  # never make a search wait for another writer (a rebuild)
        except IndexingError as exc:  # a stale answer beats no answer; say so in the log
            log.warning("search index could not catch up before searching: %s", exc)
        return self.backend.search(dataclasses.replace(request, visibility=self.visibility(actor)))
