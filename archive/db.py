"""Engine and sessions for SQLite (embedded default) and PostgreSQL (multi-user production).

SQLite runs in WAL mode so readers never wait for the writer. Write transactions on SQLite start
with ``BEGIN IMMEDIATE``: a deferred transaction that reads first and writes later can meet another
one doing the same and fail at once with "database is locked" (SQLite cannot wait out that
deadlock); taking the write lock up front turns it into an orderly queue behind ``busy_timeout``.

**Lock order (PostgreSQL).** Every write transaction appends to the hash-chained event log, so
every one of them locks the single ``audit_head`` row sooner or later. Taken late, that lock
deadlocks with whatever the transaction locked before it: a one-call issue locked ``audit_head``
(its draft's event) and then the number counter, a saved draft's issue the counter and then
``audit_head`` — opposite orders, 56 of 100 requests failed with 10 clients. So :meth:`Database.write`
takes ``audit_head`` FIRST, before the transaction touches anything else; after it, case rows,
number counters and document rows are locked by one transaction at a time, in any order, and no
cycle can form. This is SQLite's ``BEGIN IMMEDIATE`` for PostgreSQL: writers queue, readers never
wait (MVCC), and a write transaction holds the queue only for its few milliseconds — rendering and
sealing run outside transactions (archive/documents/lifecycle.py).

**Faults.** Driver errors that mean "not now" rather than "wrong" — a refused or dropped
connection, a lock not granted in time, a deadlock or serialisation failure, a read-only or full
disk under SQLite — become :mod:`.errors` 503s with a code and ``Retry-After``;
:meth:`Database.run_write` retries the ones a second attempt can cure before anyone sees them.
Each outage is noted once (:mod:`.health`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, Text, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from . import bounds
from .errors import (
    ArchiveError,
    DatabaseBusy,
    DatabaseUnavailable,
    FieldError,
    ServiceUnavailable,
    StorageUnavailable,
    ValidationFailed,
)
from .health import Outages

__all__ = ["Base", "Database", "bad_value", "translate", "translate_failure"]

log = logging.getLogger("anjuan.db")

T = TypeVar("T")

#: PostgreSQL SQLSTATEs a second attempt of the whole transaction can cure
_RETRYABLE = {"40P01": "deadlock", "40001": "serialisation failure"}
#: how often run_write tries a transaction that keeps meeting those
WRITE_ATTEMPTS = 4


class Base(DeclarativeBase):
    pass


def _sqlite_setup(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("anjuan_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def translate_failure(exc: BaseException) -> ArchiveError | None:
    """What the client should hear about an exception nobody handled: :func:`translate`'s 503 for a
    driver error that means "not now", :func:`bad_value`'s 422 for a value the database or date
    arithmetic cannot hold, None for a bug (left to propagate as a 500)."""
    if isinstance(exc, DBAPIError) and (fault := translate(exc)) is not None:
        return fault
    return bad_value(exc)


#: SQLSTATEs of values the database cannot hold: numeric out of range, NUL in text, bad encoding,
#: datetime out of range
_BAD_VALUE_STATES = ("22003", "22P05", "22021", "22008")


def bad_value(exc: BaseException) -> ValidationFailed | None:
    """A safety net behind the checks where values enter (:mod:`.bounds`): an id past 64 bits that
    reached the driver (sqlite3 raises OverflowError, PostgreSQL numeric out of range), a date whose
    arithmetic left the calendar, a NUL that reached psycopg — the caller's value, so a 422 with a
    code rather than a 500. None for anything else."""
    if isinstance(exc, OverflowError):
        return _out_of_range(str(exc))
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or ""
    message = str(orig) if orig is not None else str(exc)
    if "NUL" in message and "cannot contain" in message:  # psycopg refuses before sending
        return bounds.refuse_control_character("")
    if isinstance(orig, OverflowError) or state in _BAD_VALUE_STATES:
        return _out_of_range(message.splitlines()[0][:200] if message else "")
    return None


def _out_of_range(reason: str) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                "",
                "取值",
                "value",
                f"超出允许范围（编号不超过{bounds.MAX_ID}，日期在{bounds.EARLIEST_DATE}至{bounds.LATEST_DATE}之间）",
                f"out of range (ids up to {bounds.MAX_ID}, dates from {bounds.EARLIEST_DATE} to {bounds.LATEST_DATE})",
                {"reason": reason},
            )
        ],
        code="value_out_of_range",
    )


def translate(exc: DBAPIError) -> ServiceUnavailable | None:
    """The 503 a driver error stands for, or None when it is a bug or bad data (left to propagate)."""
    orig = exc.orig
    message = str(orig) if orig is not None else str(exc)
    lowered = message.lower()
    state = getattr(orig, "sqlstate", None) or ""
    details = {"reason": message.splitlines()[0][:200] if message else ""}
    if state in _RETRYABLE:
        return DatabaseBusy(
            "数据库并发冲突，请稍后重试",
            f"database {_RETRYABLE[state]}; try again",
            code="database_conflict",
            details={**details, "sqlstate": state},
        )
    if state == "55P03" or "database is locked" in lowered or "database table is locked" in lowered:
        return DatabaseBusy(
            "数据库繁忙，请稍后重试", "the database is locked by another writer; try again", details=details
        )
    if state == "25006" or "readonly database" in lowered or "read-only file system" in lowered:
        return StorageUnavailable(
            "数据存储为只读，暂时不能保存", "the database's storage is read-only", details=details
        )
    if "database or disk is full" in lowered or state == "53100":
        return StorageUnavailable(
            "存储空间已满，暂时不能保存", "the database's disk is full", code="storage_full", details=details
        )
    sqlite_name = getattr(orig, "sqlite_errorname", None)  # SQLITE_BUSY, SQLITE_IOERR_…, SQLITE_ERROR
    if sqlite_name is not None:
        unavailable = sqlite_name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOTADB"))
    else:  # PostgreSQL: connection exceptions, shutdowns, too many clients; psycopg's own (no state)
        unavailable = (
            state.startswith("08")
            or state in ("57P01", "57P02", "57P03", "53300")
            or (orig is not None and type(orig).__name__ in ("OperationalError", "InterfaceError") and not state)
        )
    if exc.connection_invalidated or unavailable:
        return DatabaseUnavailable(
            "数据库暂时不可用，请稍后重试", "the database is unavailable; try again", details=details
        )
    return None


def _refuse_bad_text(session: Session, _context: Any, _instances: Any) -> None:
    """The last check before anything is written: no text of a new or changed row — column or
    JSON value — holds a control character (PostgreSQL refuses NUL with a driver error, SQLite
    would store it), and no text column holds more than its declared length (PostgreSQL refuses
    it with a driver error, SQLite would store it) or, undeclared, :data:`bounds.TEXT_MAX_CHARS`.
    The services check the fields they take at the door with the field's own name; this names the
    column, for whatever path reached it without such a check."""
    for row in (*session.new, *session.dirty):
        table = getattr(row, "__tablename__", type(row).__name__)
        for attr in inspect(row).mapper.column_attrs:
            value = getattr(row, attr.key, None)
            if isinstance(value, str | dict | list) and (
                where := bounds.control_character_at(value, f"{table}.{attr.key}")
            ):
                raise bounds.refuse_control_character(where)
            if isinstance(value, str):
                column_type = attr.columns[0].type
                limit = getattr(column_type, "length", None) or (
                    bounds.TEXT_MAX_CHARS if isinstance(column_type, Text) else None
                )
                if limit is not None and len(value) > limit:
                    raise bounds.too_long(f"{table}.{attr.key}", limit, len(value))


class Database:
    """Owns the engine; hands out read sessions and write units of work."""

    def __init__(
        self, url: str, *, echo: bool = False, outages: Outages | None = None, busy_timeout: float = 30.0
    ) -> None:
        """``busy_timeout``: how long a writer waits for SQLite's write lock before the request
        answers 503 ``database_locked`` (PostgreSQL writers queue on ``audit_head`` instead)."""
        self.url = url
        self.outages = outages or Outages()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine = create_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _sqlite_setup(self.engine, busy_timeout)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(anjuan_write=True), expire_on_commit=False)
        event.listen(self._write, "before_flush", _refuse_bad_text)

    def _failed(self, exc: DBAPIError) -> Exception:
        fault = translate(exc)
        if fault is None:
            return exc
        if fault.code != "database_conflict":  # a lost race is not an outage
            # A read-only or full disk under SQLite is the database's outage (the blob store,
            # perhaps on another disk, reports its own as "storage").
            self.outages.failed("database", fault.code, fault.details.get("reason", ""))
        return fault

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._read() as session:
                yield session
        except DBAPIError as exc:
            fault = self._failed(exc)
            if fault is exc:
                raise
            raise fault from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On PostgreSQL it starts by locking ``audit_head`` (see the module docstring: one lock
        order for every writer)."""
        try:
            with self._write() as session, session.begin():
                if not self.is_sqlite:
                    self._queue(session)
                yield session
        except DBAPIError as exc:
            fault = self._failed(exc)
            if fault is exc:
                raise
            raise fault from exc
        self.outages.ok("database")

    @staticmethod
    def _queue(session: Session) -> None:
        # The row exists from the first event on; a new database creates it (ON CONFLICT: two
        # first writers cannot both insert it), then every writer waits here for its turn.
        if session.execute(text("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")).first() is None:
            session.execute(
                text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :genesis) ON CONFLICT (id) DO NOTHING"),
                {"genesis": "0" * 64},
            )
            session.execute(text("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"))

    def run_write(self, work: Callable[[Session], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        """``work`` in one write transaction, run again (from the start, in a new transaction) when
        the database reports a deadlock or serialisation failure, up to ``attempts`` times; only
        the last failure reaches the caller. ``work`` must do nothing outside the session."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return work(session)
            except DatabaseBusy as exc:
                if exc.code != "database_conflict" or attempt == attempts:
                    raise
                log.info("transaction retried after %s (attempt %d)", exc.details.get("sqlstate"), attempt)
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # jitter: the two losers do not meet again
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
