"""Evidence cannot carry active content into a sealed volume: each kind is removed from a scanned PDF
on upload (recorded, the original kept), a clean scan passes unchanged, the sealed volume has none
(checked on its final bytes, by plain inspection independent of the detector), and a volume that
somehow still has some is not sealed. ``casefile check`` and the 四性检测 name what they find."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf
import pytest
from anjuan.archive.errors import Conflict
from anjuan.archive.models import Attachment, CaseFile, Event
from anjuan.archive.packaging.fourness import _pdf_problems
from anjuan.archive.service import Archive
from anjuan.templates.volume import check_volume, evidence_pdf
from sqlalchemy import func, select

from tests.fixtures.archive import Bureau, add_user, issue_scenario
from tests.hostile.pdfs import ACTIVE_KINDS, active_pdf, active_traces, internal_links_pdf, plain_pdf


@pytest.mark.parametrize("kind", ACTIVE_KINDS)
def test_each_kind_of_active_content_is_removed_from_a_scan(kind: str) -> None:
    received = active_pdf(kind)
    assert active_traces(received), "the hostile file must carry what it claims"
    made = evidence_pdf(received)
    assert made.removed, kind
    assert active_traces(made.pdf) == []
    assert made.pages == 2
    with pikepdf.open(io.BytesIO(made.pdf)) as pdf:
        assert len(pdf.pages) == 2  # the evidence itself is all there
        assert str(pdf.docinfo["/AnjuanOriginalSHA256"]) == hashlib.sha256(received).hexdigest()
        assert "removed active content" in str(pdf.docinfo["/AnjuanSanitised"])


def test_clean_scans_pass_unchanged() -> None:
    for received in (plain_pdf(3), internal_links_pdf()):
        made = evidence_pdf(received)
        assert made.pdf == received and made.removed == ()
    with pikepdf.open(io.BytesIO(evidence_pdf(internal_links_pdf()).pdf)) as pdf:
        links = pdf.pages[0].obj.Annots
        assert len(links) == 2 and "/Dest" in links[0] and pikepdf.Name.GoTo == links[1].A.S


def test_the_checks_name_active_content_where_it_is() -> None:
    for kind in ACTIVE_KINDS:
        security, _fonts = _pdf_problems(pikepdf.open(io.BytesIO(active_pdf(kind))))
        assert security, kind
    found = [f for f in check_volume(active_pdf("page_aa")).findings if f.code == "active_content"]
    assert found and found[0].physical_page == 1
    assert not [f for f in check_volume(plain_pdf(2)).findings if f.code == "active_content"]


def _events(archive: Archive, action: str) -> list[Event]:
    with archive.kernel.db.read() as s:
        rows = s.scalars(select(Event).where(Event.action == action).order_by(Event.id))
        return [row for row in rows]


@pytest.mark.libreoffice
def test_the_sealed_volume_carries_no_active_content(archive: Archive, bureau: Bureau) -> None:
    case = issue_scenario(archive, bureau, 0)["inspection_plan"].case_id
    received = {kind: active_pdf(kind) for kind in ACTIVE_KINDS}
    for kind, data in received.items():
        archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="evidence", title=f"扫描件 {kind}", data=data
        )
    control = plain_pdf(1, text="control")
    row = archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="evidence", title="扫描件 clean", data=control
    )
    assert row.sha256 == row.pdf_sha256 == hashlib.sha256(control).hexdigest()  # kept as received

    added = {e.data["title"]: e.data for e in _events(archive, "attachment_added")}
    for kind, data in received.items():
        record = added[f"扫描件 {kind}"]
        assert record["sanitised"], kind  # the log says what was removed …
        assert record["sha256"] == hashlib.sha256(data).hexdigest()  # … and which file was received
        assert archive.kernel.blobs.get(record["sha256"]) == data  # the original is kept as evidence
        assert record["pdf_sha256"] != record["sha256"]
    assert "sanitised" not in added["扫描件 clean"]

    archive.casefiles.build(actor=bureau.handler, case_id=case)
    volume = archive.casefiles.pdf(actor=bureau.handler, case_id=case)
    assert active_traces(volume) == []
    assert archive.keys.verify(volume).ok
    assert not [f for f in archive.casefiles.check(volume).findings if f.code == "active_content"]


@pytest.mark.libreoffice
def test_a_volume_with_active_content_is_not_sealed(archive: Archive, bureau: Bureau) -> None:
    """Evidence stored before cleaning existed (or by a path nobody foresaw): the assembled volume is
    checked before it is sealed, and refused with the list."""
    case = issue_scenario(archive, bureau, 0)["inspection_plan"].case_id
    row = archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="evidence", title="旧扫描件", data=plain_pdf(1)
    )
    old = archive.kernel.blobs.put(active_pdf("page_aa"))
    with archive.kernel.db.write() as s:
        s.get(Attachment, row.id).pdf_sha256 = old  # as an upload before this release stored it
    before = len(_events(archive, "casefile_built"))
    with pytest.raises(Conflict) as err:
        archive.casefiles.build(actor=bureau.handler, case_id=case)
    assert err.value.code == "volume_active_content"
    assert "不予签章" in err.value.message_zh and any("/AA" in f for f in err.value.details["findings"])
    with archive.kernel.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseFile).where(CaseFile.case_id == case)) == 0
    assert len(_events(archive, "casefile_built")) == before


@pytest.mark.libreoffice
def test_the_archival_package_carries_the_clean_scan(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    """A filed case's package passes 安全性 (YJ-4-3): a sanitised scan goes in as its clean rendition,
    and its metadata keeps the SHA-256 of the file as received and what was removed."""
    case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
    received = active_pdf("file_attachment_annotation")
    archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="other", title="当事人提交材料", data=received
    )
    archivist = add_user(archive, bureau.admin, "arch", org_id=bureau.org_id, roles=["archivist"])
    archive.casefiles.close(actor=bureau.handler, case_id=case)
    archive.casefiles.file(actor=archivist, case_id=case)
    archive.packaging.export(actor=archivist, case_id=case, out_dir=tmp_path / "bag")
    report = archive.packaging.verify(tmp_path / "bag")
    assert report.item("YJ-4-3").result == "pass", report.item("YJ-4-3").details
    # Only YJ-3-5 fails: the test scan is drawn with an unembedded Helvetica (a real scan is images).
    assert {i.code for i in report.items if i.result == "fail"} <= {"YJ-3-5"}
    (scan,) = [p for p in (tmp_path / "bag" / "data" / "attachments").glob("*.pdf")]
    assert active_traces(scan.read_bytes()) == []
    history = scan.with_suffix(".xml").read_text("utf-8")
    assert f'original_sha256="{hashlib.sha256(received).hexdigest()}"' in history and "<removed>" in history
