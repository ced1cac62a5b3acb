"""Keeping the index in step with the archive, and searching it as a user.

The index follows the event log (操作日志): every change to a record is an event, and the index's
checkpoint is the sequence number of the last event it has absorbed. :meth:`SearchService.sync`
re-indexes whatever the events since then touched, one batch of events per hold of the lock.

Nobody's request waits for indexing done for others. A change only signals the background indexer
(:meth:`SearchService.after_change`), a daemon thread that catches up batch by batch and steps
aside between batches for searches waiting on the lock. A search first catches up a bounded amount
itself (one batch — so a document is findable by the next search, and writes made by another
process, the CLI beside the server, are never missed) and then answers. An indexing failure loses
nothing: the events stay, and the indexer's next pass, the next search or ``anjuan index rebuild``
catches up. :meth:`SearchService.wait_idle` waits for the index to reach the last event (tests, the
demo, a clean shutdown).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from anjuan.indexing.api import IndexDoc, Progress, SearchBackend, SearchRequest, SearchResult, Visibility
from anjuan.indexing.errors import IndexingError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import events
from ..access import Principal, case_clause, document_clause, require
from ..kernel import Kernel
from ..limits import check_limit
from ..models import Attachment, Case, Document, Event, case_officers
from .records import RecordBuilder
from .views import IndexStatus

__all__ = ["SearchService"]

log = logging.getLogger(__name__)

#: events read (and records written) per batch, i.e. per hold of the lock
_SYNC_BATCH = 2000
#: batches a search (or a status report) catches up itself before answering: a change just made
#: is in the first one; a larger backlog is the background indexer's
_ANSWER_BATCHES = 1
#: how long the background indexer waits for the index's writer lock (another process's rebuild)
#: per batch; it holds our lock meanwhile, so searches may wait that long behind it
_INDEXER_WAIT = 2.0
#: after a failed pass the indexer tries again after this long, doubling up to the maximum; the
#: changes in between do not wake it (each retry holds the lock up to _INDEXER_WAIT)
_RETRY_FIRST = 1.0
_RETRY_MAX = 60.0
#: between batches the indexer steps aside while searches wait for the lock, for at most this long
_STEP_ASIDE_MAX = 1.0
#: close(): how long the indexer may go on catching up, then how long to wait for it to stop
_CLOSE_DRAIN = 5.0
_CLOSE_JOIN = 5.0
#: wait_idle() looks at the checkpoint at least this often (another process may advance it)
_IDLE_POLL = 0.5


class SearchService:
    def __init__(self, kernel: Kernel, backend: SearchBackend | None = None) -> None:
        self.kernel = kernel
        self._backend = backend
        self._lock = threading.RLock()  # sync → rebuild → backend all take it
        # The background indexer (started by the first after_change): _wake is set by changes,
        # _kick by callers that want a failing indexer to retry now (wait_idle, close).
        self._wake = threading.Event()
        self._kick = threading.Event()
        self._stop = threading.Event()  # the running indexer's own (each thread gets a new one)
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._failing = False  # the indexer's last pass failed; it is waiting to retry
        # Guards _waiting (callers that want _lock now, for the indexer to step aside for) and is
        # notified after every batch, by whichever thread ran it (wait_idle waits on it).
        self._cond = threading.Condition()
        self._waiting = 0

    @property
    def path(self) -> Path:
        return self.kernel.settings.data_dir / "index"

    @property
    def backend(self) -> SearchBackend:
        """Opened on first use, so commands that never search never pay for it."""
        opened = self._backend
        if opened is not None:  # without the lock: the indexer may hold it for a whole batch
            return opened
        with self._lock:
            if self._backend is None:
                from anjuan.indexing.whoosh_backend import WhooshBackend

                catalogue = self.kernel.rules.catalogue
                words = [f.name for f in catalogue.forms] + [a for f in catalogue.forms for a in f.aliases]
                self._backend = WhooshBackend(self.path, extra_words=words, workers=self.kernel.settings.index_workers)
            return self._backend

    def close(self) -> None:
        """Stop the background indexer and close the index. Bounded: the indexer gets a moment to
        catch up (so a clean shutdown leaves the index current), then is asked to stop after its
        current batch; whatever is left stays in the event log for the next sync."""
        if self._indexer_alive() and not self._failing:  # a failing one would only fail again
            try:
                if not self.wait_idle(_CLOSE_DRAIN):
                    log.info("search index behind the event log at shutdown; the next sync catches up")
            except Exception as exc:  # best effort: closing must not fail (the database may be gone)
                log.warning("search index not caught up at shutdown: %s", exc)
        with self._starting:
            thread, self._thread = self._thread, None
            self._stop.set()
        self._wake.set()
        self._kick.set()
        if thread is not None:
            thread.join(_CLOSE_JOIN)
            if thread.is_alive():
                log.warning("search indexer did not stop within %.0f s", _CLOSE_JOIN)
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    # -- keeping up ----------------------------------------------------------------------------

    def _last_seq(self, session: Any) -> int:
        return int(session.scalar(select(func.max(Event.seq))) or 0)

    def sync(self, *, wait: float | None = None, max_batches: int | None = None) -> int:
        """Index what changed since the checkpoint, at most ``max_batches`` batches of events (all
        of them by default); returns the number of records touched. An index of another schema
        version is rebuilt first. ``wait`` bounds the wait for the writer lock (a rebuild in
        another process holds it for minutes). Runs in the caller's thread."""
        touched = 0
        done = 0
        with self._foreground():
            while max_batches is None or done < max_batches:
                step = self._sync_batch(wait)
                if step is None:
                    break
                touched += step
                done += 1
        return touched

    def _sync_batch(self, wait: float | None) -> int | None:
        """One batch under the lock: the records touched by up to ``_SYNC_BATCH`` events (0 after a
        schema rebuild), or None when the index had already absorbed every event."""
        backend = self.backend
        try:
            with self._lock:
                if not backend.current():
                    log.warning("search index schema changed: rebuilding from the archive")
                    self._rebuild_locked(Principal.system("search"), None)
                    return 0  # the events since the rebuild's cursor are the next batch's
                cursor = int(backend.checkpoint() or 0)
                with self.kernel.db.read() as s:
                    rows = s.execute(
                        select(Event.seq, Event.entity, Event.entity_id)
                        .where(Event.seq > cursor, Event.entity.in_(("document", "case")))
                        .order_by(Event.seq)
                        .limit(_SYNC_BATCH)
                    ).all()
                    last = rows[-1][0] if rows else self._last_seq(s)
                    if last <= cursor:
                        return None
                    builder = RecordBuilder(self.kernel, s)
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
                return len(records) + len(gone)
        finally:
            with self._cond:  # after releasing the lock: wait_idle may be waiting for this batch
                self._cond.notify_all()

    @contextmanager
    def _foreground(self) -> Iterator[None]:
        """A caller that wants the lock now (a search, a rebuild): the indexer steps aside for it
        between batches, until it is done."""
        with self._cond:
            self._waiting += 1
        try:
            yield
        finally:
            with self._cond:
                self._waiting -= 1
                self._cond.notify_all()

    def after_change(self) -> None:
        """Called by the archive after a change commits: signal the background indexer and return.

        The change is never indexed in the caller's thread (under load that meant indexing every
        other request's changes too, for as long as they kept coming), and never fails the change:
        it is in the event log, which the indexer, or the next search, catches up from. With
        ``index_on_change`` off (a one-shot command) no indexer is started: the next search, in
        whichever process, catches up first."""
        if not self.kernel.settings.index_on_change:
            return
        self._start_indexer()
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the index has absorbed every event committed before this call; False if
        ``timeout`` seconds pass first (or the index cannot be written now). With the background
        indexer running this only waits for it (and asks a failing one to retry now); otherwise
        (``index_on_change`` off, or no change yet in this process) the caller catches up itself,
        a batch at a time, until done or out of time — overrunning by at most one batch."""
        deadline = time.monotonic() + timeout
        with self.kernel.db.read() as s:
            target = self._last_seq(s)
        if self._indexer_alive():
            self._wake.set()
            self._kick.set()
            with self._cond:
                while not self._caught_up(target):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._indexer_alive():
                        return False
                    self._cond.wait(min(remaining, _IDLE_POLL))
            return True
        while not self._caught_up(target):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                self.sync(wait=remaining, max_batches=1)
            except IndexingError as exc:
                log.warning("search index could not catch up: %s", exc)
                return False
        return True

    def _caught_up(self, seq: int) -> bool:
        backend = self.backend
        return backend.current() and int(backend.checkpoint() or 0) >= seq

    # -- the background indexer ----------------------------------------------------------------

    def _indexer_alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _start_indexer(self) -> None:
        if self._indexer_alive():
            return
        with self._starting:
            if self._indexer_alive():  # (a forked child inherits a thread object that is not running)
                return
            self._stop = stop = threading.Event()
            self._failing = False
            self._thread = threading.Thread(target=self._run, args=(stop,), name="anjuan-indexer", daemon=True)
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        """The indexer's loop: a pass per signal; after a failure, retry later (with back-off)."""
        retry: float | None = None
        while True:
            if retry is None:
                self._wake.wait()
            else:
                self._kick.wait(retry)
            if stop.is_set():
                return
            self._wake.clear()  # before reading the events: a change committed after this wakes us again
            self._kick.clear()
            try:
                self._catch_up(stop)
            except Exception as exc:  # the events stay: the next pass, or the next search, catches up
                retry = _RETRY_FIRST if retry is None else min(2 * retry, _RETRY_MAX)
                self._failing = True
                if isinstance(exc, IndexingError):
                    log.warning("search index not updated (retrying in %.0f s): %s", retry, exc)
                else:
                    log.exception("search indexer failed (retrying in %.0f s)", retry)
            else:
                retry = None
                self._failing = False

    def _catch_up(self, stop: threading.Event) -> None:
        while not stop.is_set() and self._sync_batch(_INDEXER_WAIT) is not None:
            # A released lock is not handed to the threads waiting for it: this one would take it
            # straight back, and a search would wait out the whole backlog. So let them go first.
            with self._cond:
                self._cond.wait_for(lambda: not self._waiting or stop.is_set(), timeout=_STEP_ASIDE_MAX)

    def rebuild(self, *, actor: Principal, progress: Progress | None = None) -> int:
        require(actor, "manage_registry")
        with self._foreground(), self._lock:
            return self._rebuild_locked(actor, progress)

    def _rebuild_locked(self, actor: Principal, progress: Progress | None) -> int:
        with self.kernel.db.read() as s:
            cursor = self._last_seq(s)  # events after this are replayed by the next sync
            builder = RecordBuilder(self.kernel, s)
            total = builder.count()
            keys = list(builder.all_keys())

            def records() -> Iterator[IndexDoc]:
                for key in keys:
                    record = builder.build(key)
                    if record is not None:
                        yield record

            written = self.backend.rebuild(records(), total=total, progress=progress, checkpoint=str(cursor))
        with self.kernel.db.write() as s:
            events.record(s, actor=actor.name, entity="archive", entity_id=0, action="index_rebuilt", records=written)
        return written

    def status(self, *, actor: Principal) -> IndexStatus:
        """How the index compares with the archive: counts, checkpoint, records missing or stale.
        Catches up first, as a search does, so records still queued for the indexer are not
        reported missing. A caller with a limited scope sees the records of its scope only."""
        require(actor, "audit")
        self._catch_up_to_answer()
        backend = self.backend
        stats = backend.stats()
        with self.kernel.db.read() as s:
            expected = set(RecordBuilder(self.kernel, s).all_keys())
            last = self._last_seq(s)
            scope = None if actor.everywhere else self._keys_in_scope(s, actor)
        present = backend.keys() if backend.current() else set()
        records = stats.documents
        if scope is not None:
            # Every key the caller's organisations own, whatever its state; a stale key whose row
            # is gone cannot be placed in any county and counts for the whole view only.
            expected &= scope
            present &= scope
            records = len(present)
        whole = scope is None
        return IndexStatus(
            records=records,
            schema_version=stats.schema_version,
            current=backend.current(),
            location=self._shown_location(stats.location),
            checkpoint=int(backend.checkpoint() or 0) if whole else None,
            last_event=last if whole else None,
            missing=tuple(sorted(expected - present)[:50]),
            missing_count=len(expected - present),
            stale=tuple(sorted(present - expected)[:50]),
            stale_count=len(present - expected),
            scope="all" if whole else "orgs",
        )

    @staticmethod
    def _keys_in_scope(s: Session, actor: Principal) -> set[str]:
        """The index keys of records in the caller's scope (any state: stale ones too)."""
        cases = select(Case.id).where(case_clause(actor))
        keys = {f"doc:{i}" for i in s.scalars(select(Document.id).where(document_clause(actor)))}
        keys |= {f"att:{i}" for i in s.scalars(select(Attachment.id).where(Attachment.case_id.in_(cases)))}
        keys |= {f"cf:{i}" for i in s.scalars(cases)}
        return keys

    def _shown_location(self, location: str) -> str:
        """The index directory relative to the data directory: an answer names no absolute path
        (it would tell an outsider the server's layout and user names)."""
        path = Path(location)
        if not path.is_absolute():
            return location  # "memory", or already relative
        try:
            return str(path.resolve().relative_to(self.kernel.settings.data_dir.resolve()))
        except ValueError:
            return path.name  # outside the data directory: its own name only

    # -- searching -----------------------------------------------------------------------------

    def visibility(self, actor: Principal) -> Visibility:
        """The user's role scope (archive/access.py) as the index's visibility filter."""
        if actor.orgs is None:
            return Visibility.all()
        if actor.wide:
            return Visibility(org_ids=actor.orgs)
        with self.kernel.db.read() as s:
            team = select(case_officers.c.case_id).where(case_officers.c.officer_id == (actor.officer_id or -1))
            cases = s.scalars(
                select(Case.id).where(
                    Case.org_id.in_(actor.orgs), or_(Case.created_by == actor.name, Case.id.in_(team))
                )
            ).all()
            return Visibility(case_ids=frozenset(cases), creators=frozenset({actor.name}))

    def search(self, *, actor: Principal, request: SearchRequest) -> SearchResult:
        # Checked before anything is analysed: analysis and highlighting are linear, but a query
        # longer than anyone types only buys work (413 query_too_long, naming the setting).
        for name, text in (("query", request.query), ("party", request.party), ("handler", request.handler)):
            check_limit(
                self.kernel.settings,
                "search_query_max_chars",
                len(text),
                code="query_too_long",
                what_zh="查询语句" if name == "query" else "查询条件",
                what_en="search query" if name == "query" else f"search filter {name}",
                unit="characters",
                field=name,
            )
        self._catch_up_to_answer()
        return self.backend.search(dataclasses.replace(request, visibility=self.visibility(actor)))

    def _catch_up_to_answer(self) -> None:
        """Before answering: absorb what changed since the checkpoint, a bounded amount (the
        changes of the last moments are in the first batch; a larger backlog is the background
        indexer's, or the next search's)."""
        try:
            # wait=0.0: never make a user wait for another process's writer (a rebuild)
            self.sync(wait=0.0, max_batches=_ANSWER_BATCHES)
        except IndexingError as exc:  # a stale answer beats no answer; say so in the log
            log.warning("search index could not catch up before answering: %s", exc)
