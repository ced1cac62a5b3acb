"""归档信息包: a filed case exported as a BagIt bag, checked (四性检测) the way a receiving archive
checks it — by the bagit tool itself and by ``verify_package`` — with planted defects each caught by
its item, and received into a second, fresh archive."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit
import pikepdf
import pytest
from anjuan.archive.db import Database
from anjuan.archive.errors import Conflict
from anjuan.archive.migrate import upgrade
from anjuan.archive.service import Archive
from anjuan.templates.convert import Converter

from tests.fixtures.archive import add_user, issue_scenario, make_archive, make_bureau


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory, converter_pool: Converter) -> Iterator[dict[str, Any]]:
    """One filed penalty case for the module (issuing a whole case takes seconds), and its bag."""
    root = tmp_path_factory.mktemp("packaging")
    db = Database(f"sqlite:///{root / 'a.db'}")
    upgrade(db)
    for archive in make_archive(db, converter_pool, root):
        bureau = make_bureau(archive)
        case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
        archivist = add_user(archive, bureau.admin, "arch", org_id=bureau.org_id, roles=["archivist"])
        with pytest.raises(Conflict) as err:
            archive.export_package(actor=archivist, case_id=case, out_dir=root / "early")
        assert err.value.code == "not_filed"
        archive.casefiles.close(actor=bureau.handler, case_id=case)
        archive.casefiles.file(actor=archivist, case_id=case)
        result = archive.export_package(actor=archivist, case_id=case, out_dir=root / "bag")
        yield {"archive": archive, "bag": root / "bag", "result": result, "root": root, "bureau": bureau}
    db.dispose()


def _copy(filed: dict[str, Any], name: str) -> Path:
    target = filed["root"] / name
    shutil.copytree(filed["bag"], target)
    return target


def _failing(report: Any) -> set[str]:
    return {i.code for i in report.items if i.result == "fail"}


def test_the_exported_bag_is_valid_and_passes_every_automatic_check(filed: dict[str, Any]) -> None:
    bag_dir = filed["bag"]
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.info["External-Identifier"] == filed["result"]["file_no"]
    # The bagit tool, as an outside validator, in its own process.
    tool = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(bag_dir)], capture_output=True, text=True, check=False
    )
    assert tool.returncode == 0, tool.stderr
    report = filed["archive"].verify_package(bag_dir)
    assert report.ok, report.to_dict()
    results = {i.code: i.result for i in report.items}
    assert results["YJ-4-2"] == "manual" and results["YJ-4-1"] == "manual"  # never claimed
    assert all(r in ("pass", "info", "manual") for r in results.values()), results
    data = bag_dir / "data"
    assert (data / "case.xml").exists() and (data / "volume" / "casefile.pdf").exists()
    documents = sorted((data / "documents").glob("*.pdf"))
    archive = filed["archive"]
    issued = {d.pdf_sha256 for d in archive.documents(actor=filed["bureau"].admin)}
    import hashlib

    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in documents} <= issued  # byte-identical
    assert len(documents) == len([d for d in archive.documents(actor=filed["bureau"].admin) if d.status == "issued"])
    xml = (data / "case.xml").read_text("utf-8")
    assert "归档号" in xml and "filed" in xml and filed["result"]["file_no"] in xml


def test_planted_defects_are_each_caught_by_their_item(filed: dict[str, Any]) -> None:
    archive = filed["archive"]
    # A flipped byte in a sealed document: the manifest and the signature both notice.
    flipped = _copy(filed, "flipped")
    target = next((flipped / "data" / "documents").glob("0001-*.pdf"))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert {"YJ-1-14", "YJ-1-9"} <= _failing(archive.verify_package(flipped))

    # A document file removed: the counts no longer agree.
    removed = _copy(filed, "removed")
    next((removed / "data" / "documents").glob("0002-*.pdf")).unlink()
    assert "YJ-2-1" in _failing(archive.verify_package(removed))

    # Malformed metadata XML.
    broken = _copy(filed, "broken-xml")
    meta = next((broken / "data" / "documents").glob("0001-*.xml"))
    meta.write_text(meta.read_text("utf-8")[:-40], "utf-8")
    assert "YJ-3-1" in _failing(archive.verify_package(broken))

    # JavaScript added to a PDF and the manifests regenerated: only the security check can tell.
    scripted = _copy(filed, "scripted")
    target = next((scripted / "data" / "documents").glob("0002-*.pdf"))
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.save(target)
    _refresh(scripted, target)
    failing = _failing(archive.verify_package(scripted))
    assert "YJ-4-3" in failing and "YJ-1-14" not in failing

    # 页数 in the metadata changed (and the manifests regenerated): the page count item fails.
    pages = _copy(filed, "pages")
    meta = next((pages / "data" / "documents").glob("0003-*.xml"))
    text = meta.read_text("utf-8")
    import re

    meta.write_text(re.sub(r'(<pages label="页数">)(\d+)', lambda m: f"{m[1]}{int(m[2]) + 5}", text), "utf-8")
    _refresh(pages, meta)
    failing = _failing(archive.verify_package(pages))
    assert "YJ-2-7" in failing and "YJ-1-14" not in failing

    # An extra, unlisted file in the payload.
    extra = _copy(filed, "extra")
    (extra / "data" / "documents" / "9999-smuggled.pdf").write_bytes(b"%PDF-1.4\n")
    bagit.Bag(str(extra)).save(manifests=True)
    assert "YJ-2-1" in _failing(archive.verify_package(extra))


def _refresh(bag_dir: Path, changed: Path) -> None:
    """Regenerate the manifests (a careful forger would), and keep the metadata's digest honest
    where the changed file is content — so only the check under test can catch it."""
    import hashlib

    if changed.suffix == ".pdf":
        meta = changed.with_suffix(".xml")
        text = meta.read_text("utf-8")
        import re

        data = changed.read_bytes()
        text = re.sub(r'(<sha256 label="数字摘要">)[0-9a-f]+', lambda m: m[1] + hashlib.sha256(data).hexdigest(), text)
        text = re.sub(r'(<size label="计算机文件大小">)\d+', lambda m: m[1] + str(len(data)), text)
        meta.write_text(text, "utf-8")
    bagit.Bag(str(bag_dir)).save(manifests=True)


def test_another_archive_receives_the_package(
    filed: dict[str, Any], sqlite_database: Database, converter_pool: Converter, tmp_path: Path
) -> None:
    for receiver in make_archive(sqlite_database, converter_pool, tmp_path):
        admin = _receiver_archivist(receiver)
        # The receiver trusts the sender's root (as an imported trust anchor would); here it shares none,
        # so signatures are intact but untrusted: a warning, not a refusal.
        result = receiver.import_package(actor=admin, path=filed["bag"])
        assert result.file_no == filed["result"]["file_no"] and not result.repeat
        for rel, digest in result.files:
            assert receiver.blobs.get(digest) == (filed["bag"] / rel).read_bytes()
        assert receiver.import_package(actor=admin, path=filed["bag"]).repeat
        tampered = tmp_path / "tampered"
        shutil.copytree(filed["bag"], tampered)
        next((tampered / "data" / "documents").glob("0001-*.pdf")).write_bytes(b"%PDF-1.4 not the original")
        with pytest.raises(Conflict) as err:
            receiver.import_package(actor=admin, path=tampered)
        assert err.value.code == "package_failed_checks" and "YJ-1-14" in err.value.details["failing"]


def _receiver_archivist(archive: Archive) -> Any:
    bureau = make_bureau(archive)
    return add_user(archive, bureau.admin, "receiver", org_id=bureau.city_id, roles=["archivist"])
