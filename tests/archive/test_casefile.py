"""卷宗: the assembled volume as archivists and outside tools see it — order, 目录, page stamps,
outline, seals (pyHanko and poppler) — and closing, filing and the freeze that follows."""

from __future__ import annotations

import io
import itertools
import subprocess
from pathlib import Path

import pikepdf
import pytest
from anjuan.archive.errors import ArchiveError, Conflict, NotFound
from anjuan.archive.models import Event
from anjuan.archive.service import Archive
from anjuan.templates.volume import check_volume
from PIL import Image
from sqlalchemy import select

from tests.fixtures.archive import Bureau, add_user, issue_scenario, pdf_text
from tests.fixtures.pdfsig import PdfSig


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 140, 160)).save(out, format="JPEG")
    return out.getvalue()


def _penalty_case(archive: Archive, bureau: Bureau) -> int:
    return issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id


@pytest.mark.libreoffice
def test_volume_order_pages_outline_and_seal(archive: Archive, bureau: Bureau, tmp_path: Path, pdfsig: PdfSig) -> None:
    case = _penalty_case(archive, bureau)
    archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="photo", title="现场照片（调节池）", data=_photo(), date=None
    )
    # Built by an archivist (a login without an officer, with a 姓名); the 检查人 typed as a colleague's
    # login name: the 备考表 prints both as people's names.
    archivist = add_user(
        archive, bureau.admin, "wanghong", org_id=bureau.org_id, roles=["archivist"], display_name="王红"
    )
    row = archive.casefiles.build(actor=archivist, case_id=case, checker=bureau.people["赵敏"].name)
    pdf = archive.casefiles.pdf(actor=bureau.handler, case_id=case)
    titles = [e["title"] for e in row.entries]
    # The result first, then 立案, evidence, 告知, 审理, 送达, 结案 (order.yaml, domain.md §2.1).
    assert titles[0] == "行政处罚决定书（单位）" and titles[1] == "立案审批表"
    assert titles[-1] == "结案审批表"
    assert titles.index("询问笔录") < titles.index("案件调查报告") < titles.index("行政处罚告知书")
    assert titles.index("行政处罚告知书") < titles.index("案件处理呈批表")
    assert "现场照片（调节池）" in titles and titles.index("现场照片（调节池）") < titles.index("案件调查报告")
    # Continuous page numbers: each entry starts where the previous one ended.
    starts = [(e["start"], e["end"], e["pages"]) for e in row.entries]
    assert starts[0][0] == 1
    for (start, end, pages), (next_start, _, _) in itertools.pairwise(starts):
        assert end == start + pages - 1 and next_start == end + 1
    assert row.content_pages == starts[-1][1] and row.pages == row.content_pages + 3  # cover, 目录, 备考表
    with pikepdf.open(io.BytesIO(pdf)) as volume:
        assert len(volume.pages) == row.pages
        with volume.open_outline() as outline:
            labels = [item.title for item in outline.root]
        assert labels[0] == "案卷首页" and labels[1] == "卷内目录" and labels[-1] == "卷内备考表"
        assert len(labels) == len(row.entries) + 3
        assert "/AcroForm" in volume.Root  # the volume's own seal, and only that one
    text = pdf_text(pdf, tmp_path)
    assert "卷内目录" in text and "卷内备考表" in text and "案卷首页" in text.replace(" ", "")
    assert "（晋临）应急罚〔2026〕1号" in text
    notes = text.split("卷内备考表")[-1]
    assert "立卷人王红" in notes and "检查人赵敏" in notes
    assert "wanghong" not in text and bureau.people["赵敏"].name not in text
    # Its 目录 reads back and agrees with the page stamps and where each document starts.
    check = check_volume(pdf)
    assert check.ok, check.findings
    assert [e.start for e in check.toc] == [e["start"] for e in row.entries]
    # One seal over the whole volume, valid for pyHanko and for poppler; every document keeps its own.
    report = archive.keys.verify(pdf)
    assert report.ok and report.document.form == "case_file"
    (tmp_path / "v.pdf").write_bytes(pdf)
    (entry,) = pdfsig(tmp_path / "v.pdf")
    assert entry.signature_valid and entry.total_document_signed
    for doc in archive.documents.list(actor=bureau.handler, case_id=case):
        assert archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=doc.id, kind="pdf")).ok
    info = subprocess.run(["qpdf", "--check", str(tmp_path / "v.pdf")], capture_output=True, text=True)
    assert info.returncode == 0, info.stdout + info.stderr
    fonts = subprocess.run(["pdffonts", str(tmp_path / "v.pdf")], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # every font embedded


def test_attachments_are_checked(archive: Archive, bureau: Bureau) -> None:
    case = _inspection_case(archive, bureau)
    with pytest.raises(ArchiveError) as err:
        archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="photo", title="x", data=b"not an image"
        )
    assert err.value.code == "bad_attachment"
    encrypted = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(encrypted, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(ArchiveError) as err:
        archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="evidence", title="扫描件", data=encrypted.getvalue()
        )
    assert err.value.code == "bad_attachment" and "加密" in err.value.message_zh
    with pytest.raises(ArchiveError) as err:
        archive.casefiles.add_attachment(actor=bureau.handler, case_id=case, kind="selfie", title="x", data=_photo())
    assert err.value.code == "validation_failed"
    row = archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="photo", title="照片", data=_photo()
    )
    assert row.pages == 1 and row.media_type == "image/jpeg"
    stranger = add_user(archive, bureau.admin, "stranger", org_id=bureau.city_id, roles=["reviewer"])
    with pytest.raises(ArchiveError):  # a reviewer does not add evidence
        archive.casefiles.add_attachment(actor=stranger, case_id=case, kind="photo", title="照片", data=_photo())


def _inspection_case(archive: Archive, bureau: Bureau) -> int:
    return issue_scenario(archive, bureau, 0)["inspection_plan"].case_id


@pytest.mark.both_databases
def test_closing_filing_and_the_freeze(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    docs = issue_scenario(archive, bureau, 1, until="service_receipt")
    case = docs["penalty_decision_org"].case_id
    with pytest.raises(Conflict) as err:  # no 结案审批表 yet
        archive.casefiles.close(actor=bureau.handler, case_id=case)
    assert err.value.code == "closing_approval_required"
    with pytest.raises(Conflict) as err:
        archive.casefiles.file(
            actor=add_user(archive, bureau.admin, "arch", org_id=bureau.org_id, roles=["archivist"]), case_id=case
        )
    assert err.value.code == "not_closed"
    issue_scenario_rest(archive, bureau, case)
    closed = archive.casefiles.close(actor=bureau.handler, case_id=case)
    assert closed.status == "closed" and closed.closed_on is not None
    archivist = archive.accounts.principal("arch")
    with pytest.raises(ArchiveError):  # the handler does not file
        archive.casefiles.file(actor=bureau.handler, case_id=case)
    filed = archive.casefiles.file(actor=archivist, case_id=case, checker="赵敏")
    assert filed.archive_no == f"{closed.closed_on.year}0001" and filed.retention == "永久"
    assert filed.file_no.endswith("-Y-0001") and filed.filed_at is not None
    volume = archive.casefiles.pdf(actor=archivist, case_id=case)
    text = pdf_text(volume, tmp_path)
    assert filed.archive_no in text and "永久" in text  # the cover of the filed volume
    # Frozen (处罚办法 第六十五条): every change is refused with 409 and the refusal is logged.
    decision = docs["penalty_decision_org"]
    attempts = [
        lambda: archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="photo", title="补", data=_photo()
        ),
        lambda: archive.changes.request_change(actor=bureau.handler, doc_id=decision.id, kind="void", reason="x"),
        lambda: archive.documents.create_draft(actor=bureau.handler, case_id=case, form_key="询问通知书", fields={}),
        lambda: archive.casefiles.build(actor=bureau.handler, case_id=case),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as err:
            attempt()
        assert err.value.code == "case_filed"
    with archive.kernel.db.read() as s:
        refused = s.scalars(select(Event).where(Event.action == "change_refused", Event.entity_id == case)).all()
    assert len(refused) == len(attempts) and {e.data["attempted"] for e in refused} >= {
        "add_attachment",
        "create_draft",
    }
    # Outside the scope the case does not exist — filed or not.
    other = archive.registry.create_org(
        actor=bureau.admin, name="临汾市洪洞县应急管理局", area="晋临", code="应急", level="county"
    )
    outsider = add_user(archive, bureau.admin, "outsider", org_id=other.id, roles=["archivist"])
    with pytest.raises(NotFound):
        archive.casefiles.add_attachment(actor=outsider, case_id=case, kind="photo", title="x", data=_photo())


def issue_scenario_rest(archive: Archive, bureau: Bureau, case: int) -> None:
    """The penalty scenario's 结案审批表 (the last step), issued on the case already under way."""
    import datetime as dt
    import json

    from anjuan.archive.demo import load_scenario

    step = next(s for s in load_scenario()["cases"][1]["documents"] if s["form"] == "case_closing_approval")
    bureau.issue(
        archive,
        case_id=case,
        form_key=step["form"],
        fields=json.loads(json.dumps(step.get("fields", {}), default=str)),
        doc_date=dt.date.fromisoformat(str(step["date"])),
    )


def test_fixity_finds_a_changed_and_a_missing_file(archive: Archive, bureau: Bureau) -> None:
    case = _inspection_case(archive, bureau)
    report = archive.upkeep.fixity(actor=bureau.admin)
    assert report.ok and report.checked >= 5 and report.bytes > 0
    doc = archive.documents.list(actor=bureau.handler, case_id=case)[0]
    store = archive.kernel.blobs
    path = store.path(doc.pdf_sha256)  # type: ignore[attr-defined]
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    store.path(doc.docx_sha256).unlink()  # type: ignore[attr-defined]
    report = archive.upkeep.fixity(actor=bureau.admin)
    assert not report.ok
    assert [c["ref"] for c in report.corrupt] == [f"document:{doc.id}:pdf"]
    assert [m["ref"] for m in report.missing] == [f"document:{doc.id}:docx"]
    with archive.kernel.db.read() as s:
        runs = s.scalars(select(Event).where(Event.action == "fixity_checked").order_by(Event.id)).all()
    assert [r.data["ok"] for r in runs] == [True, False]
    with pytest.raises(ArchiveError):  # a handler does not run fixity checks
        archive.upkeep.fixity(actor=bureau.handler)


@pytest.mark.libreoffice
def test_the_archive_checks_a_volume_against_its_own_records(archive: Archive, bureau: Bureau) -> None:
    """Where the archive is at hand, ``casefile check`` verifies the seal with the archive's roots and
    compares every page with the archive's copy of its document: a page without a 文号 of its own,
    swapped in from another case's volume, shows nothing a text check could catch — the record does."""
    case = _penalty_case(archive, bureau)
    row = archive.casefiles.build(actor=bureau.handler, case_id=case, checker="赵敏")
    pdf = archive.casefiles.pdf(actor=bureau.handler, case_id=case)
    clean = archive.casefiles.check(pdf)
    assert clean.ok, clean.findings
    assert clean.sealed is True and clean.rendered

    other_case = issue_scenario(archive, bureau, 0)["rectification_order"].case_id
    archive.casefiles.build(actor=bureau.handler, case_id=other_case, checker="赵敏")
    other = archive.casefiles.pdf(actor=bureau.handler, case_id=other_case)
    decision = row.entries[0]
    assert decision["pages"] >= 2, "the decision has a second page to swap"
    second = decision["physical_start"]  # 0-based index of the decision's second page
    with pikepdf.open(io.BytesIO(pdf)) as volume, pikepdf.open(io.BytesIO(other)) as foreign:
        volume.pages[second] = foreign.pages[3]
        out = io.BytesIO()
        volume.save(out)
    report = archive.casefiles.check(out.getvalue())
    codes = {f.code for f in report.findings}
    assert {"page_not_as_archived", "seal_invalid"} <= codes  # rewritten: the seal no longer holds
    (swapped,) = [f for f in report.findings if f.code == "page_not_as_archived"]
    assert (swapped.physical_page, swapped.page, swapped.entry) == (second + 1, decision["start"] + 1, 1)
    assert "存档" in swapped.message_zh
