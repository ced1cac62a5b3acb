"""案卷评查 on real case files with planted defects: each must be caught by the right item, with the
document and its page in the volume — and a clean case must not be marked down for them."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from anjuan.archive.db import Database
from anjuan.archive.demo import load_scenario
from anjuan.archive.models import CaseFile, Document
from anjuan.archive.review import ReviewFinding, ReviewReport
from anjuan.archive.service import Archive
from anjuan.templates.convert import Converter
from anjuan.templates.volume import build_volume
from sqlalchemy import select

from tests.fixtures.archive import Bureau, issue_scenario, make_archive, make_bureau

pytestmark = pytest.mark.libreoffice

CLEAN_ITEMS = (
    "two_officers",
    "case_filed",
    "notified_before_decision",
    "major_case_review",
    "authority",
    "fine_range",
    "officer_certificates",
    "required_documents",
    "hearing_notice",
    "defence_and_hearing_period",
    "hearing_procedure",
    "procedure_order",
    "numbers",
    "signatures",
    "remedy_clause",
    "toc_pages",
    "volume_order",
)


def _items(report: ReviewReport) -> dict[str, list[ReviewFinding]]:
    out: dict[str, list[ReviewFinding]] = {}
    for finding in report.findings:
        out.setdefault(finding.item, []).append(finding)
    return out


def _store_volume(archive: Archive, case_id: int, pdf: bytes, entries: list[dict[str, Any]]) -> None:
    """A volume as it came to the reviewer (made elsewhere, or altered since): the latest version."""
    digest = archive.kernel.blobs.put(pdf)
    with archive.kernel.db.write() as s:
        version = len(s.scalars(select(CaseFile.id).where(CaseFile.case_id == case_id)).all()) + 1
        s.add(
            CaseFile(
                case_id=case_id,
                version=version,
                sha256=digest,
                pages=len(pikepdf.open(io.BytesIO(pdf)).pages),
                content_pages=0,
                entries=entries,
                built_by="planted",
            )
        )


def test_a_clean_case_scores_well_and_planted_defects_are_found(archive: Archive, bureau: Bureau) -> None:
    case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
    reviewer = bureau.people["赵敏"]
    unassembled = archive.reviews.review(actor=reviewer, case_id=case)
    assert "toc_pages" in _items(unassembled) and unassembled.casefile is None  # no volume yet: 立卷归档 loses points
    row = archive.casefiles.build(actor=bureau.handler, case_id=case, checker="赵敏")
    report = archive.reviews.review(actor=reviewer, case_id=case)
    found = _items(report)
    assert not set(found) & set(CLEAN_ITEMS), report.findings
    # An open case, its manual items unscored: no points for them, and nothing final.
    assert report.veto == () and not report.closed and not report.final, report.findings
    assert report.rating.endswith("（初评，未结案）") and len(report.pending_items) == 4
    assert {c.id for c in report.categories} >= {"basic", "subject", "procedure", "filing"}
    assert report.casefile is not None and report.casefile.version == row.version
    docs = {d.form_id: d for d in archive.documents.list(actor=bureau.handler, case_id=case)}

    # 1. A page taken out of the volume: the 目录's 页号 no longer match and the stamps skip.
    volume = archive.casefiles.pdf(actor=bureau.handler, case_id=case)
    with pikepdf.open(io.BytesIO(volume)) as pdf:
        removed = row.entries[2]["physical_start"] - 1  # first page of the third document
        del pdf.pages[removed]
        out = io.BytesIO()
        pdf.save(out)
    _store_volume(archive, case, out.getvalue(), row.entries)
    found = _items(archive.reviews.review(actor=reviewer, case_id=case))
    assert "toc_pages" in found and any(f.page for f in found["toc_pages"])
    assert "signatures" in found  # the altered volume's seal no longer verifies

    # 2. Documents in the wrong order (立案审批表 before the decision is fine; the decision last is not).
    order = [*row.entries[1:], row.entries[0]]
    entries_by_key = {e["key"]: e for e in row.entries}
    from anjuan.templates.volume import CoverInfo, NotesInfo, VolumeEntry

    swapped = build_volume(
        [
            VolumeEntry(
                title=e["title"],
                number=e["number"],
                responsible="临汾市尧都区应急管理局",
                date=None,
                pdf=archive.documents.file(actor=bureau.handler, doc_id=int(e["key"].split(":")[1]), kind="pdf"),
                key=e["key"],
            )
            for e in order
            if e["key"].startswith("document:")
        ],
        CoverInfo("临汾市尧都区应急管理局", "案", "", "", None, None, "", "", "", "永久", 0, 0),
        NotesInfo("", "", "", dt.date(2026, 11, 23)),
        archive.kernel.converter,
    )
    _store_volume(archive, case, swapped.pdf, [entries_by_key[e.key] | {"start": e.start} for e in swapped.entries])
    found = _items(archive.reviews.review(actor=reviewer, case_id=case))
    assert "volume_order" in found, found.keys()
    assert any("行政处罚决定书" in f.message_zh for f in found["volume_order"])

    # 3. A broken signature: the stored copy of the 告知书 no longer matches what was sealed.
    notice = docs["penalty_notice"]
    data = bytearray(archive.documents.file(actor=bureau.handler, doc_id=notice.id, kind="pdf"))
    data[len(data) // 2] ^= 0x01
    with archive.kernel.db.write() as s:
        s.get(Document, notice.id).pdf_sha256 = archive.kernel.blobs.put(bytes(data))
    # 4. A duplicated number (the 勘验笔录 carrying the 询问通知书's) and a malformed one.
    inquiry, survey, report_doc = docs["inquiry_notice"], docs["survey_record"], docs["investigation_report"]
    with archive.kernel.db.write() as s:
        s.get(Document, survey.id).number = inquiry.number
        s.get(Document, report_doc.id).number = "（晋临）应急终报〔2026〕号"
    report = archive.reviews.review(actor=reviewer, case_id=case)
    found = _items(report)
    broken = [f for f in found["signatures"] if f.document_id == notice.id]
    in_volume = {e.key: e.start for e in swapped.entries}  # the latest volume is the swapped one
    assert broken and broken[0].number == notice.number and broken[0].page == in_volume[f"document:{notice.id}"]
    assert {f.document_id for f in found["numbers"]} >= {survey.id, report_doc.id}
    assert any("重复" in f.message_zh for f in found["numbers"])
    assert report.score < 100


def test_a_back_filled_case_missing_its_notice_is_vetoed(
    sqlite_database: Database, converter_pool: Converter, tmp_path: Path
) -> None:
    """Issued with the gates off (back-filling an old case): no 告知书, the decision two days after
    the 听证告知书 — the review replays the procedure and finds both, with the decision's page."""
    for archive in make_archive(sqlite_database, converter_pool, tmp_path, enforce_gates=False):
        bureau = make_bureau(archive)
        spec = load_scenario()["cases"][1]
        case = archive.registry.create_case(
            actor=bureau.handler,
            org_id=bureau.org_id,
            kind="penalty",
            party_id=bureau.party_id,
            officer_ids=bureau.officer_ids,
        ).id
        refs: dict[str, int] = {}
        for step in spec["documents"]:
            if step.get("expect_refused") or step["form"] in ("penalty_notice", "statement_defence_record"):
                continue
            date = dt.date.fromisoformat(str(step["date"]))
            if step["form"] in ("case_handling_approval", "penalty_decision_org", "service_receipt"):
                date = dt.date(2026, 10, 30)  # two days after the 听证告知书 of 10-28: the 5-day window is open
            doc = bureau.issue(
                archive,
                case_id=case,
                form_key=step["form"],
                fields=json.loads(json.dumps(step.get("fields", {}), default=str)),
                parent_id=refs.get(step["parent"]) if step.get("parent") else None,
                doc_date=date,
            )
            refs[step.get("ref", step["form"])] = doc.id
        row = archive.casefiles.build(actor=bureau.handler, case_id=case)
        report = archive.reviews.review(actor=bureau.people["赵敏"], case_id=case)
        found = _items(report)
        # The 听证告知书 告知s too (gates: notified), so no 告知书 is no veto here; the decision two
        # days after it is — one defect, one finding, on the decision (not on the 呈批表 as well).
        assert "notified_before_decision" not in found and "required_documents" not in found
        decision = refs["decision"]
        page = next(e["start"] for e in row.entries if e["key"] == f"document:{decision}")
        late = found["defence_and_hearing_period"]
        assert len(late) == 1 and late[0].document_id == decision and late[0].page == page and late[0].number
        assert report.score < 90 and not report.final


def test_the_city_issues_a_numbered_sealed_guidance_opinion(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    from anjuan.archive.errors import Forbidden

    from tests.fixtures.archive import add_user, pdf_text

    case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
    archive.casefiles.build(actor=bureau.handler, case_id=case)
    with pytest.raises(Forbidden):  # a bureau does not send guidance to itself
        archive.reviews.guidance(actor=bureau.people["赵敏"], case_id=case, reply_by=dt.date(2026, 12, 31))
    city = add_user(archive, bureau.admin, "city-reviewer", org_id=bureau.city_id, roles=["reviewer"])
    first = archive.reviews.guidance(actor=city, case_id=case, reply_by=dt.date(2026, 12, 31), contact="周静")
    second = archive.reviews.guidance(actor=city, case_id=case, reply_by=dt.date(2026, 12, 31))
    assert first.number == "（晋临）应急指导〔2026〕1号" and second.number == "（晋临）应急指导〔2026〕2号"
    pdf = archive.reviews.guidance_pdf(actor=city, guidance_id=first.id)
    report = archive.keys.verify(pdf)
    assert report.ok and report.document.form == "guidance_opinion"
    assert report.document.organisation == "临汾市应急管理局"
    text = pdf_text(pdf, tmp_path)
    assert "安全生产执法指导意见书" in text and first.number in text and "临汾市尧都区应急管理局" in text
    assert "2026年12月31日前报告我局" in text
    for finding in first.review["findings"]:
        assert finding["message_zh"].replace(" ", "")[:10] in text
    # The reviewed bureau can read the opinion about its case; another county cannot.
    assert archive.reviews.guidance_pdf(actor=bureau.handler, guidance_id=first.id) == pdf
    # 固化信息巡检 re-reads the opinion's files too: a lost PDF is named.
    archive.kernel.blobs.path(first.pdf_sha256).unlink()  # type: ignore[attr-defined]
    missing = archive.upkeep.fixity(actor=bureau.admin).missing
    assert {"sha256": first.pdf_sha256, "ref": f"guidance:{first.id}:pdf"} in missing


def _order_findings(titles: list[str]) -> list[str]:
    """``volume_order`` over a 目录 of ``titles`` (页号 1, 2, 3 …), with the packaged catalogue and order."""
    from types import SimpleNamespace
    from typing import cast

    from anjuan.archive.casefile import load_order
    from anjuan.archive.catalogue.loader import load_catalogue
    from anjuan.archive.review.checks import CHECKS, ReviewInput
    from anjuan.templates.volume.check import TocEntry

    categories = load_order().categories("", "general")
    position = {item: i for i, c in enumerate(categories) for item in c.items}
    toc = tuple(TocEntry(i, t, None, "", None, i, None, "", 2) for i, t in enumerate(titles, start=1))
    data = SimpleNamespace(
        volume_check=SimpleNamespace(toc=toc),
        catalogue=load_catalogue(),
        category_of=lambda form_id: position.get(form_id, len(categories)),
    )
    return [p.message_zh for p in CHECKS["volume_order"](cast(ReviewInput, data))]


def test_receipts_beside_the_documents_they_prove_are_in_order() -> None:
    """order.yaml: a 送达回执 follows the document it proves. Several receipts, each beside its
    document (the decision's first, in the 处理决定 category), must not make the later documents
    look out of order; a document really out of place still is."""
    clean = [
        "行政处罚决定书（单位）（晋临）应急罚〔2026〕1号",
        "文书送达回执",
        "立案审批表",
        "询问通知书",
        "文书送达回执",
        "询问笔录",
        "行政处罚告知书",
        "文书送达回执",
        "文书送达回执",
        "结案审批表",
    ]
    assert _order_findings(clean) == []
    late = [*clean[:2], *clean[3:], "立案审批表"]  # 立案 after 结案: still caught
    (problem,) = _order_findings(late)
    assert "立案审批表" in problem
    # A receipt with nothing before it is not beside anything: it is judged by its own category.
    assert _order_findings(["文书送达回执", "立案审批表"]) != []


def test_a_clean_volume_with_its_receipt_beside_the_decision_loses_no_points(archive: Archive, bureau: Bureau) -> None:
    """The 送达回执 proving the decision filed right after it (order.yaml: a receipt with a parent
    follows the document it proves): the volume as built is clean — no order finding for the
    documents after it, no page finding."""
    docs = issue_scenario(archive, bureau, 1)
    case = docs["penalty_decision_org"].case_id
    with archive.kernel.db.write() as s:
        s.get(Document, docs["service_receipt"].id).parent_id = docs["penalty_decision_org"].id
    row = archive.casefiles.build(actor=bureau.handler, case_id=case, checker="赵敏")
    assert [e["title"] for e in row.entries][:2] == ["行政处罚决定书（单位）", "文书送达回执"]
    found = _items(archive.reviews.review(actor=bureau.people["赵敏"], case_id=case))
    assert "volume_order" not in found and "toc_pages" not in found, found


def test_a_closed_file_scores_the_same_a_year_later_and_manual_items_make_it_final(
    archive: Archive, bureau: Bureau
) -> None:
    """A closed case is judged as of its 结案 date: the same score, findings and deadlines whatever
    the day of the review. Its manual items give nothing until a reviewer scores them; then final."""
    from anjuan.archive.clock import CHINA, FixedClock
    from anjuan.archive.errors import Forbidden, ValidationFailed

    case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
    archive.casefiles.build(actor=bureau.handler, case_id=case)
    archive.casefiles.close(actor=bureau.handler, case_id=case)
    reviewer = bureau.people["赵敏"]
    now = archive.reviews.review(actor=reviewer, case_id=case)
    assert now.closed and now.as_of == dt.date(2026, 11, 20) and now.rating.endswith("（初评）")
    later = FixedClock(dt.datetime(2027, 12, 1, 9, 0, tzinfo=CHINA))
    with Archive(
        archive.kernel.settings, converter=archive.kernel.converter, db=archive.kernel.db, clock=later
    ) as then:
        a_year_on = then.reviews.review(actor=reviewer, case_id=case)
    assert a_year_on.reviewed_on == dt.date(2027, 12, 1)
    assert (a_year_on.score, a_year_on.rating, a_year_on.findings) == (now.score, now.rating, now.findings)

    # Bad assessments are refused with the field named (422 over HTTP); a handler may not score.
    with pytest.raises(ValidationFailed) as bad:
        archive.reviews.assess(actor=reviewer, case_id=case, item_id="facts_clear", points=11, reason="")
    assert {e.field for e in bad.value.errors} == {"points", "reason"}
    with pytest.raises(ValidationFailed):
        archive.reviews.assess(actor=reviewer, case_id=case, item_id="numbers", points=1, reason="机器评查项")
    with pytest.raises(Forbidden):
        archive.reviews.assess(actor=bureau.handler, case_id=case, item_id="facts_clear", points=10, reason="好")
    scores = {"facts_clear": 10, "evidence_sufficient": 9, "law_applied": 15, "discretion_reasonable": 10}
    report = now
    for item, points in scores.items():
        assert not report.final
        report = archive.reviews.assess(actor=reviewer, case_id=case, item_id=item, points=points, reason="经审查")
    assert report.final and report.pending_items == () and report.score == round(now.score + 44, 1)
    assert report.rating == report.band and "初评" not in report.rating
    scored = {i.id: i for i in report.items}["evidence_sufficient"]
    assert (scored.status, scored.given, scored.reason, scored.assessed_by) == ("assessed", 9, "经审查", reviewer.name)
