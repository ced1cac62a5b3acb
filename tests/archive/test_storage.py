"""Storage: migrations, counters under concurrency, the append-only event log, the blob store."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from anjuan.archive import events
from anjuan.archive.blobs import FileBlobStore, MemoryBlobStore, sha256_hex
from anjuan.archive.db import Database
from anjuan.archive.errors import Conflict, NotFound
from anjuan.archive.identifiers import credit_code_problem
from anjuan.archive.models import Event, Organisation
from anjuan.archive.numbering import next_value, set_start
from anjuan.archive.registry import create_org
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import DBAPIError


def _org(db: Database) -> int:
    with db.write() as s:
        return create_org(s, actor="t", name="临汾市尧都区应急管理局", area="晋临", code="应急", level="county").id


def test_migration_creates_every_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {
        "organisations",
        "officers",
        "parties",
        "cases",
        "documents",
        "number_counters",
        "events",
        "blobs",
        "alembic_version",
    } <= tables


def test_counter_values_are_distinct_and_consecutive_under_concurrency(database: Database) -> None:
    org_id = _org(database)
    barrier = threading.Barrier(10)

    def take(_: int) -> int:
        if _ < 10:
            barrier.wait()  # make the first ten collide for real
        with database.write() as s:
            return next_value(s, org_id=org_id, year=2023, counter="M1")

    with ThreadPoolExecutor(max_workers=10) as pool:
        values = list(pool.map(take, range(60)))
    assert sorted(values) == list(range(1, 61))


def test_rolled_back_number_is_given_back(database: Database) -> None:
    org_id = _org(database)
    with pytest.raises(RuntimeError), database.write() as s:
        assert next_value(s, org_id=org_id, year=2023, counter="M6") == 1
        raise RuntimeError("render failed")
    with database.write() as s:
        assert next_value(s, org_id=org_id, year=2023, counter="M6") == 1


def test_counters_are_per_organisation_year_and_family(database: Database) -> None:
    org_id = _org(database)
    with database.write() as s:
        other = create_org(s, actor="t", name="临汾市应急管理局", area="晋临", code="应急", level="city").id
    with database.write() as s:
        assert [next_value(s, org_id=org_id, year=2023, counter="M1") for _ in range(3)] == [1, 2, 3]
        assert next_value(s, org_id=org_id, year=2024, counter="M1") == 1
        assert next_value(s, org_id=org_id, year=2023, counter="M6") == 1
        assert next_value(s, org_id=other, year=2023, counter="M1") == 1


def test_start_value_moves_only_forward(database: Database) -> None:
    org_id = _org(database)
    with database.write() as s:
        set_start(s, org_id=org_id, year=2023, counter="M1", start=100)
        assert next_value(s, org_id=org_id, year=2023, counter="M1") == 100
    with pytest.raises(Conflict) as err, database.write() as s:
        set_start(s, org_id=org_id, year=2023, counter="M1", start=50)
    assert err.value.code == "counter_backwards"


def test_event_log_refuses_update_and_delete(database: Database) -> None:
    org_id = _org(database)
    with database.read() as s:
        event = s.scalars(select(Event).where(Event.entity_id == org_id)).one()
        assert event.action == "created" and event.entity == "organisation"
    with pytest.raises(DBAPIError), database.write() as s:
        s.execute(update(Event).values(actor="someone else"))
    with pytest.raises(DBAPIError), database.write() as s:
        s.execute(text("DELETE FROM events"))
    with database.write() as s:
        events.record(s, actor="t", entity="organisation", entity_id=org_id, action="renamed")
    with database.read() as s:
        assert s.scalar(select(Organisation.name)) == "临汾市尧都区应急管理局"
        assert [e.action for e in s.scalars(select(Event).order_by(Event.id))] == ["created", "renamed"]


def test_sqlite_runs_in_wal_mode(sqlite_database: Database) -> None:
    with sqlite_database.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_file_blob_store_is_content_addressed_and_never_rewritten(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    digest = store.put(b"%PDF-1.7 hello")
    assert digest == sha256_hex(b"%PDF-1.7 hello")
    path = store.path(digest)
    assert path.name == digest and path.parent.parent.name == digest[:2]
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # read-only file (root may still write)
    assert not (path.stat().st_mode & 0o222)
    before = path.stat()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns - 10**12))  # stored a while ago
    assert store.put(b"%PDF-1.7 hello") == digest  # same content: no rewrite …
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mode) == (before.st_ino, before.st_size, before.st_mode)
    # … but the file is marked as wanted again, so maintenance never removes it as an orphan
    assert after.st_mtime_ns > before.st_mtime_ns - 10**12
    assert store.get(digest) == b"%PDF-1.7 hello"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_file_blob_store_detects_corruption_and_missing(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    digest = store.put(b"original")
    path = store.path(digest)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(NotFound) as err:
        store.get(digest)
    assert err.value.code == "blob_corrupt"
    with pytest.raises(NotFound):
        store.get("0" * 64)
    with pytest.raises(NotFound):
        store.get("../etc/passwd")


def test_blob_stores_agree_on_concurrent_writers(tmp_path: Path) -> None:
    for store in (FileBlobStore(tmp_path), MemoryBlobStore()):
        with ThreadPoolExecutor(max_workers=8) as pool:
            digests = set(pool.map(lambda _, s=store: s.put(b"same bytes"), range(32)))
        assert len(digests) == 1 and store.get(digests.pop()) == b"same bytes"


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("9144030071526726XG", True),
        ("91330100716105852F", True),
        ("９１３３０１００７１６１０５８５２Ｆ", True),  # full-width input is normalised
        ("91330100716105852G", False),  # wrong check character
        ("9133010071610585", False),  # too short
        ("91330100716105852I", False),  # I is not in the alphabet
    ],
)
def test_credit_code_check_digit(code: str, ok: bool) -> None:
    assert (credit_code_problem(code) is None) is ok


def test_driver_errors_that_mean_not_now_become_503s_and_bugs_stay_bugs(tmp_path: Path) -> None:
    """What the two drivers really raise, classified: refused connection, held lock, read-only disk."""
    import sqlite3

    from anjuan.archive.db import translate
    from anjuan.archive.errors import DatabaseBusy, DatabaseUnavailable, StorageUnavailable
    from sqlalchemy import create_engine

    def error_of(action: Callable[[], object]) -> DBAPIError:
        with pytest.raises(DBAPIError) as caught:
            action()
        return caught.value

    refused = create_engine("postgresql+psycopg://anjuan:x@127.0.0.1:9/none")
    assert isinstance(translate(error_of(refused.connect)), DatabaseUnavailable)

    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    impatient = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    with impatient.connect() as conn:
        busy = translate(error_of(lambda: conn.exec_driver_sql("INSERT INTO t VALUES (1)")))
    assert isinstance(busy, DatabaseBusy) and busy.code == "database_locked"
    holder.execute("ROLLBACK")
    holder.close()

    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with read_only.connect() as conn:
        fault = translate(error_of(lambda: conn.exec_driver_sql("INSERT INTO t VALUES (1)")))
    assert isinstance(fault, StorageUnavailable) and fault.code == "storage_read_only"

    with impatient.connect() as conn:  # a typo in SQL is a bug: it is not dressed up as an outage
        assert translate(error_of(lambda: conn.exec_driver_sql("SELEC 1"))) is None
    impatient.dispose()
    read_only.dispose()
    refused.dispose()
