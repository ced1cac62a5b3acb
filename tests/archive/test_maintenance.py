"""日常维护: orphan blobs and dead LibreOffice directories are found, kept in a dry run, removed with
apply — and nothing a record, the operation log, a live pool or a running conversion uses is touched."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from anjuan.archive import events, maintenance
from anjuan.archive.access import Principal
from anjuan.archive.db import Base
from anjuan.archive.errors import Forbidden, ValidationFailed
from anjuan.archive.models import Event
from anjuan.archive.service import Archive
from sqlalchemy import String, select

from tests.fixtures.archive import Bureau, issue_scenario
from tests.fixtures.cli import run_anjuan

OLD = time.time() - 2 * 24 * 3600  # older than either grace period


def _age(*paths: Path) -> None:
    """Set ``paths`` and everything below them to OLD (deepest first, so no directory is touched after)."""
    for path in paths:
        below = sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True) if path.is_dir() else []
        for p in [*below, path]:
            os.utime(p, (OLD, OLD), follow_symlinks=False)


def _blob_files(archive: Archive) -> list[Path]:
    return [p for p in archive.kernel.blobs.root.rglob("*") if p.is_file()]  # type: ignore[attr-defined]


def test_every_digest_column_is_classified() -> None:
    """A new String(64) or *sha256 column must be named in BLOB_COLUMNS (it names a stored file) or in
    NOT_BLOB_COLUMNS (it does not): otherwise the files it names would be taken for orphans."""
    import anjuan.archive.service  # noqa: F401 — every module with models is imported

    found = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if (isinstance(column.type, String) and column.type.length == 64) or column.name.endswith("sha256")
    }
    blob_columns = maintenance.blob_column_names()
    unclassified = found - blob_columns - set(maintenance.NOT_BLOB_COLUMNS)
    assert not unclassified, f"classify these columns in archive/maintenance.py: {sorted(unclassified)}"
    assert blob_columns <= found
    assert not blob_columns & set(maintenance.NOT_BLOB_COLUMNS)


@pytest.mark.both_databases
def test_orphan_blobs_dry_run_then_apply(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    issued = issue_scenario(archive, bureau, 0, until="inspection_plan")["inspection_plan"]
    # What a failed last step of issuing leaves: files stored, no row names them.
    orphan = archive.kernel.blobs.put(b"%PDF-1.7 sealed, but the database write failed")
    fresh = archive.kernel.blobs.put(b"%PDF-1.7 an issue still in flight")
    # A received package's files are named only by its event (packaging/importer.py).
    received = archive.kernel.blobs.put(b"a file of a received package")
    with archive.kernel.db.write() as s:
        events.record(
            s,
            actor="admin",
            entity="package",
            entity_id=0,
            action="package_received",
            files=[{"path": "data/x.pdf", "sha256": received}],
        )
    store = archive.kernel.blobs.root  # type: ignore[attr-defined]
    stray = store / orphan[:2] / orphan[2:4] / ".tmp-crashed"
    stray.write_bytes(b"half a file")
    _age(store)
    fresh_path = archive.kernel.blobs.path(fresh)  # type: ignore[attr-defined]
    os.utime(fresh_path)  # written just now
    temp = tmp_path / "tmp"
    temp.mkdir()
    before = sorted(_blob_files(archive))

    report = archive.upkeep.maintenance(actor=bureau.admin, temp_dir=temp)
    assert not report.applied
    assert [o.sha256 for o in report.blobs] == [orphan]
    assert [o.path for o in report.temp_files] == [stray]
    assert report.to_dict()["orphan_blobs"]["bytes"] == len(b"%PDF-1.7 sealed, but the database write failed")
    assert sorted(_blob_files(archive)) == before  # a dry run removes nothing …
    with archive.kernel.db.read() as s:  # … and records nothing
        assert s.scalar(select(Event).where(Event.action == "maintenance")) is None

    report = archive.upkeep.maintenance(actor=bureau.admin, apply=True, temp_dir=temp)
    assert report.applied and [o.sha256 for o in report.blobs] == [orphan] and not report.failed
    assert not archive.kernel.blobs.exists(orphan) and not stray.exists()
    assert archive.kernel.blobs.exists(fresh) and archive.kernel.blobs.exists(received)
    assert set(_blob_files(archive)) == set(before) - {archive.kernel.blobs.path(orphan), stray}  # type: ignore[attr-defined]
    # Every file a record names still reads back with its digest.
    assert issued.pdf_sha256 and archive.kernel.blobs.get(issued.pdf_sha256)
    fixity = archive.upkeep.fixity(actor=bureau.admin)
    assert fixity.ok and fixity.checked >= 3
    with archive.kernel.db.read() as s:
        for column in maintenance.BLOB_COLUMNS:
            for digest in s.scalars(select(column).where(column.is_not(None))):
                if column.key != "sha256" or column.class_.__tablename__ != "document_revisions":
                    archive.kernel.blobs.get(digest)  # revisions past 0 are prefixes of the PDF, never stored
        (event,) = s.scalars(select(Event).where(Event.action == "maintenance")).all()
    assert event.entity == "archive" and event.actor == bureau.admin.name
    assert event.data["orphan_blobs"] == 1 and event.data["removed_blobs"] == [orphan]
    assert event.data["temp_files"] == 1

    # The next run finds nothing more (the removed digest in the log is no reference to keep).
    again = archive.upkeep.maintenance(actor=bureau.admin, apply=True, temp_dir=temp)
    assert not again.orphans


def test_who_may_run_maintenance(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        archive.upkeep.maintenance(actor=bureau.handler, temp_dir=tmp_path)
    county_admin = bureau.people["bureau_admin"]
    assert not archive.upkeep.maintenance(actor=county_admin, temp_dir=tmp_path).applied  # may look …
    with pytest.raises(Forbidden):  # … but the store belongs to every bureau of the installation
        archive.upkeep.maintenance(actor=county_admin, apply=True, temp_dir=tmp_path)
    with pytest.raises(ValidationFailed) as err:
        archive.upkeep.maintenance(actor=bureau.admin, blob_grace=dt.timedelta(minutes=5), temp_dir=tmp_path)
    assert err.value.code == "grace_too_short"


def _profile_dir(temp: Path, name: str) -> Path:
    """A pool's working directory as UnoPool leaves it: profile-N dirs, their .lock files, jobs-…"""
    base = temp / name
    (base / "profile-0" / "user").mkdir(parents=True)
    (base / "profile-0" / "user" / "registrymodifications.xcu").write_text("<items/>")
    (base / "jobs-abc").mkdir()
    (base / "profile-0.lock").touch()
    return base


def test_stale_converter_directories(
    archive: Archive, bureau: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    dead = _profile_dir(temp, "anjuan-convert-dead")
    live = _profile_dir(temp, "anjuan-convert-live")
    cold_dead = temp / "anjuan-cold-dead"
    (cold_dead / "profile").mkdir(parents=True)
    cold_busy = temp / "anjuan-cold-busy"  # a conversion at work in it (its cwd)
    cold_busy.mkdir()
    young = temp / "anjuan-cold-young"
    young.mkdir()
    unrelated = temp / "something-else"
    unrelated.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (temp / "anjuan-convert-link").symlink_to(elsewhere)  # never followed
    lock = open(live / "profile-0.lock", "rb")  # noqa: SIM115 — held like a live pool holds it
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    worker = subprocess.Popen(["sleep", "60"], cwd=cold_busy)
    try:
        _age(dead, live, cold_dead, cold_busy, unrelated, elsewhere)
        stale = maintenance.find_stale_profiles(temp)
        assert [p.path.name for p in stale] == ["anjuan-cold-dead", "anjuan-convert-dead"]
        assert {p.kind for p in stale} == {"cold", "convert"}
        with monkeypatch.context() as m:  # the flock alone keeps a live pool's directory (no /proc needed)
            m.setattr(maintenance, "_used_by_processes", lambda dirs: set())
            names = [p.path.name for p in maintenance.find_stale_profiles(temp)]
            assert names == ["anjuan-cold-busy", "anjuan-cold-dead", "anjuan-convert-dead"]

        report = archive.upkeep.maintenance(actor=bureau.admin, temp_dir=temp)
        assert [p.path for p in report.profiles] == [cold_dead, dead] and report.profiles_in_use == 3
        assert dead.exists() and cold_dead.exists()  # dry run

        report = archive.upkeep.maintenance(actor=bureau.admin, apply=True, temp_dir=temp)
        assert [p.path for p in report.profiles] == [cold_dead, dead] and not report.failed
        assert not dead.exists() and not cold_dead.exists()
        assert live.exists() and cold_busy.exists() and young.exists() and unrelated.exists() and elsewhere.exists()
    finally:
        worker.kill()
        worker.wait()
        lock.close()
    # The pool and the conversion are gone: their directories go on the next run.
    report = archive.upkeep.maintenance(actor=bureau.admin, apply=True, temp_dir=temp)
    assert sorted(p.path.name for p in report.profiles) == ["anjuan-cold-busy", "anjuan-convert-live"]
    with archive.kernel.db.read() as s:
        runs = s.scalars(select(Event).where(Event.action == "maintenance").order_by(Event.id)).all()
    assert [r.data["stale_profiles"] for r in runs] == [2, 2]


def test_maintenance_command_is_a_dry_run_unless_told(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(tmp_path / "var"),
        "ANJUAN_PKI_PASSPHRASE": "cli test passphrase",
        "ANJUAN_PASSWORD_LOG2_N": "10",
        "ANJUAN_PASSWORD": "cli test password",
        "ANJUAN_ADMIN_PASSWORD": "cli test password",
        "ANJUAN_USER": "admin",
    }
    for name in ("ANJUAN_DATABASE_URL", "ANJUAN_TOKEN"):
        env.pop(name, None)
    temp = tmp_path / "tmp"
    temp.mkdir()

    def anjuan(*args: str) -> subprocess.CompletedProcess[str]:
        result = run_anjuan(args, env=env, cwd=tmp_path, in_process=True)
        assert result.returncode == 0, result.stderr
        return result

    anjuan("init", "--admin", "admin")
    blob = tmp_path / "var" / "blobs" / "ab" / "cd" / ("abcd" + "0" * 60)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"x" * 1536)
    dead = _profile_dir(temp, "anjuan-convert-dead")
    _age(blob, dead)
    out = anjuan("maintenance", "--temp-dir", str(temp)).stdout
    assert "孤立文件 orphan blobs: 1 (1.5 KB)" in out and "abcd0000" in out
    assert "残留转换目录 stale converter directories: 1" in out and str(dead) in out
    assert "试运行，未删除 dry run, nothing removed; add --apply" in out
    assert blob.exists()
    data = json.loads(anjuan("maintenance", "--apply", "--json", "--temp-dir", str(temp)).stdout)
    assert data["applied"] and data["orphan_blobs"]["count"] == 1 and not blob.exists()
    assert data["stale_profiles"]["count"] == 1 and not dead.exists()


def test_a_blob_named_after_the_scan_is_kept(archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan runs outside the write lock; whatever names an orphan between the scan and the
    removal (here: a package received meanwhile) is seen by the re-check under the lock."""
    admin = Principal.system("admin")
    digest = archive.kernel.blobs.put(b"orphan, then named")
    _age(archive.kernel.blobs.root)  # type: ignore[attr-defined]
    remove_profiles = maintenance._remove_profiles

    def name_it_meanwhile(profiles: Any) -> Any:
        with archive.kernel.db.write() as s:
            events.record(s, actor="t", entity="package", entity_id=0, action="package_received", manifest=digest)
        return remove_profiles(profiles)

    monkeypatch.setattr(maintenance, "_remove_profiles", name_it_meanwhile)
    report = archive.upkeep.maintenance(actor=admin, apply=True, temp_dir=tmp_path)
    assert not report.blobs and archive.kernel.blobs.exists(digest)
    with archive.kernel.db.read() as s:
        refs = maintenance.referenced_digests(s)
        assert digest in refs.digests
        # The re-check reads only the log after the mark: the log is append-only.
        assert not maintenance.referenced_digests(s, among=[digest], after_event=refs.last_event_id).digests
