"""The event log is a hash chain: intact after real work, and any edit, removal or truncation is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from anjuan.archive import events
from anjuan.archive.audit import verify_chain
from anjuan.archive.db import Database
from anjuan.archive.migrate import upgrade
from anjuan.archive.models import Event
from anjuan.archive.registry import create_officer, create_org
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError


def _work(db: Database) -> None:
    with db.write() as s:
        org = create_org(s, actor="t", name="临汾市尧都区应急管理局", area="晋临", code="应急", level="county")
        for i in range(4):
            create_officer(s, actor="t", org_id=org.id, name=f"人员{i}", cert_no=f"1410022019003{i}")
    with db.write() as s:
        events.record(s, actor="张伟", entity="organisation", entity_id=org.id, action="renamed", note="名称变更")


def _drop_guards(db: Database) -> None:
    """What a database administrator could do: switch off the append-only triggers."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
            conn.exec_driver_sql("DROP TRIGGER events_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")


def test_chain_is_intact_after_work(database: Database) -> None:
    _work(database)
    with database.read() as s:
        report = verify_chain(s)
        assert report.ok and report.entries == 6
        seqs = s.scalars(select(Event.seq).order_by(Event.id)).all()
    assert seqs == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("attack", "broken_seq"),
    [
        ("UPDATE events SET actor = '李四' WHERE seq = 3", 3),
        ('UPDATE events SET data = \'{"note": "x"}\' WHERE seq = 6', 6),
        ("DELETE FROM events WHERE seq = 2", 2),
        ("DELETE FROM events WHERE seq = 6", 6),
    ],
)
def test_tampering_names_the_first_broken_entry(database: Database, attack: str, broken_seq: int) -> None:
    _work(database)
    _drop_guards(database)
    with database.engine.begin() as conn:
        conn.execute(text(attack))
    with database.read() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_broken_seq == broken_seq
    assert report.reason_zh and report.reason_en


def test_migration_chains_entries_written_before_the_chain(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0002")
    with db.engine.begin() as conn:
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO events (at, actor, entity, entity_id, action, data) "
                    "VALUES (:at, 'old', 'case', :eid, 'created', '{}')"
                ),
                {"at": f"2025-01-0{i + 1} 08:00:00.000000", "eid": i},
            )
    upgrade(db)
    with db.write() as s:
        events.record(s, actor="new", entity="case", entity_id=9, action="created")
    with db.read() as s:
        report = verify_chain(s)
    assert report.ok and report.entries == 4
    with pytest.raises(DBAPIError), db.write() as s:  # the triggers are back after the backfill
        s.execute(text("UPDATE events SET actor = 'x'"))
    db.dispose()
