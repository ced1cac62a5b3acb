"""Issuing documents end to end (catalogue → fields → number → DOCX → LibreOffice → stored PDF),
on SQLite and PostgreSQL, with the session's one converter pool."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from anjuan.archive.db import Database
from anjuan.archive.demo import load_scenario
from anjuan.archive.errors import ArchiveError, Conflict, NotFound, ValidationFailed
from anjuan.archive.models import Document, Event, NumberCounter
from anjuan.archive.service import Archive
from anjuan.templates.convert import Converter, FakeConverter
from sqlalchemy import func, select

from tests.fixtures.archive import Bureau, issue_scenario, make_archive, make_bureau, pdf_text, void_with_approval

D = dt.date(2026, 10, 14)


def _fields() -> dict[str, dict[str, Any]]:
    """Realistic field values per form, taken from the demo scenario, as a JSON client sends them."""
    out: dict[str, dict[str, Any]] = {}
    for case in load_scenario()["cases"]:
        for step in case["documents"]:
            out.setdefault(step["form"], json.loads(json.dumps(step.get("fields", {}), default=str)))
    return out


FIELDS = _fields()


def _case(
    archive: Archive, bureau: Bureau, kind: str = "penalty", procedure: str = "general", party_id: int | None = None
) -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=kind,
        procedure=procedure,
        party_id=party_id or bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def _issue(archive: Archive, bureau: Bureau, case_id: int, form: str, **kw: Any) -> Document:
    fields = FIELDS[archive.kernel.rules.form(form).id]
    return bureau.issue(archive, case_id=case_id, form_key=form, fields=fields, doc_date=D, **kw)


@pytest.mark.both_databases
def test_inspection_chain_threads_one_number(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    case = _case(archive, bureau, kind="inspection")
    plan = _issue(archive, bureau, case, "现场检查方案")
    record = _issue(archive, bureau, case, "inspection_record")
    order = _issue(archive, bureau, case, "责令限期整改指令书")
    review = _issue(archive, bureau, case, "reinspection_opinion")
    assert plan.number == "（晋临）应急检查〔2026〕1号"
    assert record.number == "（晋临）应急检记〔2026〕1号"
    assert order.number == "（晋临）应急责改〔2026〕1号"
    assert review.number == "（晋临）应急复查〔2026〕1号"
    assert review.parent_id == order.id
    text = pdf_text(archive.documents.file(actor=bureau.handler, doc_id=review.id, kind="pdf"), tmp_path)
    assert "（晋临）应急复查〔2026〕1号" in text
    assert "（晋临）应急责改〔2026〕1号" in text  # 复查 cites the order it follows up
    assert "临汾市尧都区鑫达化工有限公司" in text
    assert "2026年11月3日" in text or "2026年10月14日" in text


@pytest.mark.both_databases
def test_case_documents_share_the_case_number_with_suffixes(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau)
    filing = _issue(archive, bureau, case, "立案审批表")
    first = _issue(archive, bureau, case, "inquiry_notice")
    second = _issue(archive, bureau, case, "询问通知书")
    record = _issue(archive, bureau, case, "询问笔录")
    assert filing.number == "（晋临）应急立〔2026〕1号"
    assert first.number == "（晋临）应急询〔2026〕1号"
    assert second.number == "（晋临）应急询〔2026〕1-2号"
    assert record.number is None and record.status == "issued"  # 询问笔录 carries no number
    other = _case(archive, bureau)
    assert _issue(archive, bureau, other, "立案审批表").number == "（晋临）应急立〔2026〕2号"


@pytest.mark.libreoffice
def test_pdf_shows_fields_and_embeds_every_font(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    decision = issue_scenario(archive, bureau, 1, until="penalty_decision_org")["penalty_decision_org"]
    pdf = archive.documents.file(actor=bureau.handler, doc_id=decision.id, kind="pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "行政处罚决定书",
        "（晋临）应急罚〔2026〕1号",
        "临汾市尧都区鑫达化工有限公司",
        "91141002MA0K1234EY",
        "人民币伍万元整",
        "临汾市尧都区人民政府",
        "2026年10月14日",
    ):
        assert expected in text, expected
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = [line for line in fonts[2:] if line.strip()]
    assert rows, "the PDF has no fonts"
    for row in rows:
        assert row.split()[-5] == "yes", f"font not embedded: {row}"


@pytest.mark.both_databases
def test_twenty_concurrent_issues_get_distinct_consecutive_numbers(archive: Archive, bureau: Bureau) -> None:
    """Twenty documents with their approvals from six threads (≈ 4 s: enough contention on the
    counter's row lock to show a race, on both engines; tests/api/test_reliability.py mixes every
    issuing path from ten HTTP clients)."""
    cases = [_case(archive, bureau) for _ in range(20)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        docs = list(pool.map(lambda c: _issue(archive, bureau, c, "case_filing_approval"), cases))
    seqs = sorted(d.seq for d in docs)
    assert seqs == list(range(1, 21))
    assert len({d.number for d in docs}) == 20
    assert all(d.status == "issued" and d.pdf_sha256 for d in docs)


@pytest.mark.both_databases
def test_void_keeps_the_number_and_nothing_reuses_it(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau, kind="inspection")
    plan = _issue(archive, bureau, case, "inspection_plan")
    voided = void_with_approval(archive, bureau, plan.id, "被检查单位名称填写错误")
    assert voided.status == "voided" and voided.number == plan.number
    again = _issue(archive, bureau, case, "inspection_plan")
    assert again.number == "（晋临）应急检查〔2026〕2号"
    with pytest.raises(Conflict) as err:
        void_with_approval(archive, bureau, plan.id, "再次作废")
    assert err.value.code == "change_not_allowed"  # already void: no second request
    with pytest.raises(Conflict):
        archive.documents.issue(actor=bureau.handler, doc_id=plan.id)
    with archive.kernel.db.read() as s:
        actions = s.scalars(select(Event.action).where(Event.entity == "document", Event.entity_id == plan.id)).all()
    assert actions == [
        "draft_created",
        "submitted",
        "approved",
        "approved",
        "number_assigned",
        "issued",
        "void_requested",  # 第七条: applied for, reviewed, approved, then carried out
        "void_approved",
        "void_approved",
        "voided",
    ]


def _counts(archive: Archive) -> tuple[int, int, int]:
    with archive.kernel.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Document)) or 0,
            s.scalar(select(func.coalesce(func.sum(NumberCounter.next_value), 0))) or 0,
            s.scalar(select(func.count()).select_from(Event)) or 0,
        )


@pytest.mark.both_databases
def test_bad_input_is_refused_and_leaves_nothing_behind(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau)
    inspection = _case(archive, bureau, kind="inspection")
    before = _counts(archive)
    missing = {k: v for k, v in FIELDS["penalty_notice"].items() if k != "violations"}
    with pytest.raises(ValidationFailed) as err:
        archive.documents.issue_new(actor=bureau.handler, case_id=case, form_key="行政处罚告知书", fields=missing)
    field = err.value.details["fields"][0]
    assert field["field"] == "violations" and field["label_zh"] and field["label_en"]
    with pytest.raises(ValidationFailed) as err:
        archive.documents.issue_new(
            actor=bureau.handler,
            case_id=case,
            form_key="penalty_notice",
            fields={**FIELDS["penalty_notice"], "proposed_fine": "五万"},
        )
    assert err.value.details["fields"][0]["field"] == "proposed_fine"
    with pytest.raises(NotFound) as nf:
        archive.documents.issue_new(actor=bureau.handler, case_id=case, form_key="处罚通知单", fields={})
    assert nf.value.code == "unknown_form"
    with pytest.raises(Conflict) as wrong:
        archive.documents.issue_new(
            actor=bureau.handler,
            case_id=inspection,
            form_key="行政处罚决定书（单位）",
            fields=FIELDS["penalty_decision_org"],
        )
    assert wrong.value.code == "form_not_allowed_in_case"
    with pytest.raises(ValidationFailed) as party:
        archive.registry.create_party(
            actor=bureau.handler, kind="organisation", name="某公司", credit_code="91141002MA0K1234EX"
        )
    assert party.value.details["fields"][0]["field"] == "credit_code"
    assert _counts(archive) == before


@pytest.mark.both_databases
def test_too_few_officers_is_refused_before_a_number_is_taken(archive: Archive, bureau: Bureau) -> None:
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids[:1],
    ).id
    before = _counts(archive)
    with pytest.raises(ValidationFailed) as err:
        _issue(archive, bureau, case, "inspection_record")
    assert err.value.code == "too_few_officers"
    assert _counts(archive) == before


class _FailingOnce:
    """A converter that fails its first job: the draft must keep its number for the retry."""

    def __init__(self, real: Converter) -> None:
        self.real, self.calls = real, 0

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        self.calls += 1
        if self.calls == 1:
            from anjuan.templates.errors import ConversionError

            raise ConversionError("转换失败", "conversion failed")
        return self.real.convert(docx, pdfa=pdfa, timeout=timeout)

    def close(self) -> None:
        pass


def test_failed_rendering_keeps_the_number_for_the_retry(sqlite_database: Database, tmp_path: Path) -> None:
    for archive in make_archive(sqlite_database, _FailingOnce(FakeConverter()), tmp_path):  # type: ignore[arg-type]
        bureau = make_bureau(archive)
        case = _case(archive, bureau, kind="inspection")
        draft = archive.documents.create_draft(
            actor=bureau.handler, case_id=case, form_key="inspection_plan", fields=FIELDS["inspection_plan"], doc_date=D
        )
        archive.approvals.submit(actor=bureau.handler, doc_id=draft.id)
        for step in ("review", "approve"):
            archive.approvals.decide(actor=bureau.approvers[step], doc_id=draft.id, opinion="同意", approve=True)
        with pytest.raises(ArchiveError) as err:
            archive.documents.issue(actor=bureau.handler, doc_id=draft.id)
        assert err.value.code in ("render_failed", "conversion_failed")
        held = archive.documents.get(actor=bureau.handler, doc_id=draft.id)
        assert held.status == "submitted" and held.number == "（晋临）应急检查〔2026〕1号"
        issued = archive.documents.issue(actor=bureau.handler, doc_id=draft.id)
        assert issued.status == "issued" and issued.number == held.number
        nxt = _issue(archive, bureau, case, "inspection_plan")
        assert nxt.number == "（晋临）应急检查〔2026〕2号"


@pytest.mark.archive_settings(numbering_profile="per_family")
def test_per_family_profile_gives_each_form_its_own_counter(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau)
    _issue(archive, bureau, case, "立案审批表")
    _issue(archive, bureau, case, "立案审批表")  # no shared case number: the second takes 2
    notice = _issue(archive, bureau, case, "询问通知书")
    assert notice.number == "（晋临）应急询〔2026〕1号" and notice.suffix is None
    assert archive.documents.list(actor=bureau.handler, case_id=case)[1].number == "（晋临）应急立〔2026〕2号"


@pytest.mark.both_databases
def test_counter_start_value_is_honoured(archive: Archive, bureau: Bureau) -> None:
    archive.registry.set_counter_start(actor=bureau.admin, org_id=bureau.org_id, year=2026, counter="M1", start=120)
    case = _case(archive, bureau, kind="inspection")
    assert _issue(archive, bureau, case, "inspection_plan").number == "（晋临）应急检查〔2026〕120号"


@pytest.mark.libreoffice
@pytest.mark.archive_settings(enforce_gates=False)
def test_every_catalogue_form_can_be_issued(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    """The 17 core forms use their own templates; every other form the generic layout.

    Slow on purpose (≈ 20 s): every one of the 72 forms is rendered by the real LibreOffice and sealed,
    since a template that LibreOffice cannot lay out is exactly what this test is for."""
    from tests.fixtures.samples import sample_fields

    # Coverage of every form's rendition, not of the procedure: gates off, as when back-filling old cases.
    cases: dict[tuple[str, str, str], int] = {}
    person = archive.registry.create_party(
        actor=bureau.handler, kind="person", name="王建军", id_number="141002198503150012", address="临汾市尧都区"
    ).id
    for form in archive.kernel.rules.catalogue.forms:
        key = (form.case_kinds[0].value, form.procedures[0].value, form.party_kind or "organisation")
        if key not in cases:
            party = person if key[2] == "person" else bureau.party_id
            cases[key] = _case(archive, bureau, kind=key[0], procedure=key[1], party_id=party)
        fields = json.loads(json.dumps(sample_fields(form.id), default=str))
        doc = bureau.issue(archive, case_id=cases[key], form_key=form.name, fields=fields, doc_date=D)
        assert doc.status == "issued" and doc.pages and doc.pages >= 1, form.id
        assert (doc.number is not None) == form.numbered, form.id
        text = pdf_text(archive.documents.file(actor=bureau.handler, doc_id=doc.id, kind="pdf"), tmp_path)
        assert form.name.replace("（", "(").replace("）", ")") in text.replace("（", "(").replace("）", ")"), form.id
        if doc.number:
            assert doc.number in text, form.id
