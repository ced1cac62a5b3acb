"""归档信息包: a filed case exported as a BagIt bag, checked (四性检测) the way a receiving archive
checks it — by the bagit tool itself and by ``verify_package`` — with planted defects each caught by
its item, and received into a second, fresh archive."""

from __future__ import annotations

import io
import re
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
            archive.packaging.export(actor=archivist, case_id=case, out_dir=root / "early")
        assert err.value.code == "not_filed"
        # Evidence received without a date (the API allows it): its 日期 falls back to the day it came in.
        photo = archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="other", title="现场照片（未注明日期）", data=_jpeg()
        )
        archive.casefiles.close(actor=bureau.handler, case_id=case)
        archive.casefiles.file(actor=archivist, case_id=case)
        result = archive.packaging.export(actor=archivist, case_id=case, out_dir=root / "bag")
        yield {
            "archive": archive,
            "bag": root / "bag",
            "result": result,
            "root": root,
            "bureau": bureau,
            "case_id": case,
            "archivist": archivist,
            "photo": photo,
        }
    db.dispose()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


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
    assert bag.info["External-Identifier"] == filed["result"].file_no
    # The bagit tool, as an outside validator, in its own process.
    tool = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(bag_dir)], capture_output=True, text=True, check=False
    )
    assert tool.returncode == 0, tool.stderr
    report = filed["archive"].packaging.verify(bag_dir)
    assert report.ok, report.to_dict()
    results = {i.code: i.result for i in report.items}
    assert results["YJ-4-2"] == "manual" and results["YJ-4-1"] == "manual"  # never claimed
    assert all(r in ("pass", "info", "manual") for r in results.values()), results
    data = bag_dir / "data"
    assert (data / "case.xml").exists() and (data / "volume" / "casefile.pdf").exists()
    documents = sorted((data / "documents").glob("*.pdf"))
    archive = filed["archive"]
    issued = {d.pdf_sha256 for d in archive.documents.list(actor=filed["bureau"].admin)}
    import hashlib

    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in documents} <= issued  # byte-identical
    assert len(documents) == len(
        [d for d in archive.documents.list(actor=filed["bureau"].admin) if d.status == "issued"]
    )
    xml = (data / "case.xml").read_text("utf-8")
    assert "归档号" in xml and "filed" in xml and filed["result"].file_no in xml


def test_planted_defects_are_each_caught_by_their_item(filed: dict[str, Any]) -> None:
    archive = filed["archive"]
    # A flipped byte in a sealed document: the manifest and the signature both notice.
    flipped = _copy(filed, "flipped")
    target = next((flipped / "data" / "documents").glob("0001-*.pdf"))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert {"YJ-1-14", "YJ-1-9"} <= _failing(archive.packaging.verify(flipped))

    # A document file removed: the counts no longer agree.
    removed = _copy(filed, "removed")
    next((removed / "data" / "documents").glob("0002-*.pdf")).unlink()
    assert "YJ-2-1" in _failing(archive.packaging.verify(removed))

    # Malformed metadata XML.
    broken = _copy(filed, "broken-xml")
    meta = next((broken / "data" / "documents").glob("0001-*.xml"))
    meta.write_text(meta.read_text("utf-8")[:-40], "utf-8")
    assert "YJ-3-1" in _failing(archive.packaging.verify(broken))

    # JavaScript added to a PDF and the manifests regenerated: only the security check can tell.
    scripted = _copy(filed, "scripted")
    target = next((scripted / "data" / "documents").glob("0002-*.pdf"))
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.save(target)
    _refresh(scripted, target)
    failing = _failing(archive.packaging.verify(scripted))
    assert "YJ-4-3" in failing and "YJ-1-14" not in failing

    # 页数 in the metadata changed (and the manifests regenerated): the page count item fails.
    pages = _copy(filed, "pages")
    meta = next((pages / "data" / "documents").glob("0003-*.xml"))
    text = meta.read_text("utf-8")
    import re

    meta.write_text(re.sub(r'(<pages label="页数">)(\d+)', lambda m: f"{m[1]}{int(m[2]) + 5}", text), "utf-8")
    _refresh(pages, meta)
    failing = _failing(archive.packaging.verify(pages))
    assert "YJ-2-7" in failing and "YJ-1-14" not in failing

    # An extra, unlisted file in the payload.
    extra = _copy(filed, "extra")
    (extra / "data" / "documents" / "9999-smuggled.pdf").write_bytes(b"%PDF-1.4\n")
    bagit.Bag(str(extra)).save(manifests=True)
    assert "YJ-2-1" in _failing(archive.packaging.verify(extra))


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
        result = receiver.packaging.import_(actor=admin, path=filed["bag"])
        assert result.file_no == filed["result"].file_no and not result.repeat
        for rel, digest in result.files:
            assert receiver.kernel.blobs.get(digest) == (filed["bag"] / rel).read_bytes()
        assert receiver.packaging.import_(actor=admin, path=filed["bag"]).repeat
        tampered = tmp_path / "tampered"
        shutil.copytree(filed["bag"], tampered)
        next((tampered / "data" / "documents").glob("0001-*.pdf")).write_bytes(b"%PDF-1.4 not the original")
        with pytest.raises(Conflict) as err:
            receiver.packaging.import_(actor=admin, path=tampered)
        assert err.value.code == "package_failed_checks" and "YJ-1-14" in err.value.details["failing"]


def _receiver_archivist(archive: Archive) -> Any:
    bureau = make_bureau(archive)
    return add_user(archive, bureau.admin, "receiver", org_id=bureau.city_id, roles=["archivist"])


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), "utf-8")


def test_the_bag_declares_bagit_1_0_and_its_tag_manifest_still_holds(filed: dict[str, Any]) -> None:
    bag_dir = filed["bag"]
    assert (bag_dir / "bagit.txt").read_text("utf-8") == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    bag = bagit.Bag(str(bag_dir))
    assert bag.version_info == (1, 0)
    bag.validate()  # the tag manifest was recomputed over the rewritten bagit.txt
    import hashlib

    tags = dict(reversed(line.split(None, 1)) for line in (bag_dir / "tagmanifest-sha256.txt").read_text().splitlines())
    assert set(tags) == {"bagit.txt", "bag-info.txt", "manifest-sha256.txt"}
    assert tags["bagit.txt"] == hashlib.sha256((bag_dir / "bagit.txt").read_bytes()).hexdigest()


def test_a_reference_that_leaves_data_is_never_followed(filed: dict[str, Any]) -> None:
    """A document moved out of the bag, its reference pointed at it (relative with .., or absolute)
    and the manifests regenerated: the checker must not follow the path, so the item cannot pass."""
    archive = filed["archive"]
    for name, absolute in (("escape-relative", False), ("escape-absolute", True)):
        bag_dir = _copy(filed, name)
        inside = next((bag_dir / "data" / "documents").glob("0002-*.pdf"))
        outside = filed["root"] / f"{name}-{inside.name}"
        inside.rename(outside)
        ref = str(outside) if absolute else f"../../{outside.name}"
        _edit(bag_dir / "data" / "case.xml", f'file="documents/{inside.name}"', f'file="{ref}"')
        bagit.Bag(str(bag_dir)).save(manifests=True)
        report = archive.packaging.verify(bag_dir)
        assert not report.ok
        assert {"YJ-4-4", "YJ-2-1"} <= _failing(report), report.to_dict()
        assert any(ref in d for d in report.item("YJ-4-4").details)
        assert "YJ-1-9" not in _failing(report)  # the outside file was never read

    # The classic probes, in an item's reference and in an attachment's rendition: refused, never read.
    probe = _copy(filed, "escape-passwd")
    _edit(probe / "data" / "case.xml", 'file="documents/0003-inquiry_notice.pdf"', 'file="../../../../etc/passwd"')
    photo = next((probe / "data" / "attachments").glob("*.xml"))
    _edit(photo, 'rendition file="attachments/', 'rendition file="/etc/hostname" was="')
    bagit.Bag(str(probe)).save(manifests=True)
    report = archive.packaging.verify(probe)
    assert "YJ-4-4" in _failing(report) and not report.ok
    details = report.item("YJ-4-4").details
    assert any("../../../../etc/passwd" in d for d in details) and any("/etc/hostname" in d for d in details)
    assert "YJ-1-9" not in _failing(report)


def test_a_pdf_stripped_of_its_signatures_fails_authenticity(filed: dict[str, Any]) -> None:
    stripped = _copy(filed, "stripped")
    target = next((stripped / "data" / "documents").glob("0001-*.pdf"))
    assert 'field="seal-organ"' in target.with_suffix(".xml").read_text("utf-8")  # the metadata lists it
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            if "/Annots" in page.obj:
                page.obj.Annots = pikepdf.Array([a for a in page.obj.Annots if a.get("/FT") != pikepdf.Name.Sig])
        del pdf.Root["/AcroForm"]
        pdf.save(target)
    _refresh(stripped, target)  # digest, size and manifests made consistent: only YJ-1-1 can tell
    report = filed["archive"].packaging.verify(stripped)
    failing = _failing(report)
    assert "YJ-1-1" in failing and not report.ok, report.to_dict()
    assert not failing & {"YJ-1-9", "YJ-1-14"}
    assert any("seal-organ" in d and target.name in d for d in report.item("YJ-1-1").details)


@pytest.mark.parametrize(
    ("where", "old", "new", "code"),
    [
        ("case.xml", '<items label="件数">13</items>', '<items label="件数">十三</items>', "YJ-2-1"),
        ("case.xml", 'item_no="2"', 'item_no="二"', "YJ-2-6"),
        (
            "documents/0001-penalty_decision_org.xml",
            '<pages label="页数">2</pages>',
            '<pages label="页数">两</pages>',
            "YJ-2-7",
        ),
    ],
)
def test_a_non_numeric_count_fails_its_item_instead_of_crashing(
    filed: dict[str, Any], where: str, old: str, new: str, code: str
) -> None:
    bag_dir = _copy(filed, f"non-numeric-{code}")
    _edit(bag_dir / "data" / where, old, new)
    bagit.Bag(str(bag_dir)).save(manifests=True)
    report = filed["archive"].packaging.verify(bag_dir)  # no ValueError
    assert code in _failing(report) and not report.ok, report.to_dict()
    value = new.split(">")[1].split("<")[0] if ">" in new else new.split('"')[1]
    assert any("整数" in d and value in d for d in report.item(code).details), report.item(code).details


def test_undated_items_take_the_date_they_were_received_or_issued(filed: dict[str, Any]) -> None:
    import datetime as dt

    from anjuan.archive.clock import CHINA
    from anjuan.archive.models import Document
    from sqlalchemy import select, update

    def beijing(moment: dt.datetime) -> str:
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(CHINA).date().isoformat()

    archive = filed["archive"]
    # The attachment was added without a date (fixture): the exported package passed YJ-2-4 and imports.
    photo = next((filed["bag"] / "data" / "attachments").glob("*.xml"))
    assert f'<date label="日期">{beijing(filed["photo"].created_at)}</date>' in photo.read_text("utf-8")
    # A document without 文书日期: 日期 is the day it was issued.
    with archive.kernel.db.write() as s:
        doc = s.scalars(
            select(Document).where(Document.case_id == filed["case_id"], Document.form_id == "penalty_decision_org")
        ).one()
        doc_id, doc_date, issued = doc.id, doc.doc_date, doc.issued_at
        s.execute(update(Document).where(Document.id == doc_id).values(doc_date=None))
    try:
        out = filed["root"] / "undated-document"
        archive.packaging.export(actor=filed["archivist"], case_id=filed["case_id"], out_dir=out)
    finally:
        with archive.kernel.db.write() as s:
            s.execute(update(Document).where(Document.id == doc_id).values(doc_date=doc_date))
    meta = next((out / "data" / "documents").glob("0001-*.xml")).read_text("utf-8")
    assert f'<date label="日期">{beijing(issued)}</date>' in meta
    report = archive.packaging.verify(out)
    assert report.ok and report.item("YJ-2-4").result == "pass", report.to_dict()


def test_a_dtd_in_the_metadata_is_refused_never_expanded(
    filed: dict[str, Any], sqlite_database: Database, converter_pool: Converter, tmp_path: Path
) -> None:
    from anjuan.archive.packaging import fourness, importer

    declarations = {
        "internal": '<!DOCTYPE case_file [<!ENTITY t "注入的题名">]>',
        "external": '<!DOCTYPE case_file [<!ENTITY t SYSTEM "file:///etc/hostname">]>',
        "laughs": '<!DOCTYPE case_file [<!ENTITY a "lol"><!ENTITY t "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    }
    for name, doctype in declarations.items():
        bag_dir = _copy(filed, f"dtd-{name}")
        case_xml = bag_dir / "data" / "case.xml"
        _edit(case_xml, "?>\n", f"?>\n{doctype}\n")
        text = case_xml.read_text("utf-8")
        case_xml.write_text(re.sub(r'(<title label="题名">)[^<]*', r"\1&t;", text, count=1), "utf-8")
        bagit.Bag(str(bag_dir)).save(manifests=True)
        report = filed["archive"].packaging.verify(bag_dir)
        assert "YJ-3-1" in _failing(report) and not report.ok, report.to_dict()
        assert any("case.xml" in d and "DTD" in d for d in report.item("YJ-3-1").details)
        with pytest.raises(fourness.MetadataError, match="DTD"):
            fourness.parse_metadata(case_xml)
    assert fourness.parse_metadata(filed["bag"] / "data" / "case.xml").tag.endswith("case_file")
    assert importer.parse_metadata is fourness.parse_metadata  # one parser for the checker and the importer
    for receiver in make_archive(sqlite_database, converter_pool, tmp_path):
        with pytest.raises(Conflict) as err:
            receiver.packaging.import_(actor=_receiver_archivist(receiver), path=filed["root"] / "dtd-internal")
        assert err.value.code == "package_failed_checks" and "YJ-3-1" in err.value.details["failing"]


def test_the_web_export_downloads_as_a_valid_zip(filed: dict[str, Any], tmp_path: Path) -> None:
    """归档信息包 in the browser: the archivist exports, opens the package page and downloads its ZIP
    (the page's route used to catch the .zip URL first: the download always answered 404)."""
    import zipfile

    from anjuan.api.app import create_app
    from fastapi.testclient import TestClient

    from tests.fixtures.archive import PASSWORD

    case = filed["case_id"]
    with TestClient(create_app(archive=filed["archive"]), follow_redirects=False) as client:
        csrf = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
        assert csrf
        login = {"username": "arch", "password": PASSWORD, "next": "/web/", "csrf": csrf.group(1)}
        assert client.post("/web/login", data=login).status_code == 303
        token = re.search(r'name="csrf" value="(\w+)"', client.get("/web/").text)
        assert token
        started = client.post(f"/web/cases/{case}/package", data={"csrf": token.group(1)})
        assert started.status_code == 303
        job = client.app.state.jobs.wait(int(started.headers["location"].rsplit("/", 1)[1]), 120)  # type: ignore[attr-defined]
        assert job.state == "done", job.error_zh
        page = client.get(job.result_url)
        assert page.status_code == 200
        link = re.search(r'href="([^"]+\.zip)"', page.text)
        assert link, page.text
        download = client.get(link.group(1))
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
        assert zf.testzip() is None
        zf.extractall(tmp_path)
    (bag,) = tmp_path.iterdir()
    bagit.Bag(str(bag)).validate()  # the bag as exported, whole
    assert (bag / "data" / "volume" / "casefile.pdf").is_file()
