"""The 评查 engine on the scenario's penalty case as facts (no LibreOffice, no database): each 基本标准
class rates the file 不合格, one defect is one finding, manual items give no points until scored, and
the scoring sheet has the provincial structure (a veto tier, seven point categories adding up to 100)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from anjuan.archive.catalogue import load_catalogue, resolve_form
from anjuan.archive.demo import load_scenario
from anjuan.archive.procedure.facts import CaseFacts, DocFacts
from anjuan.archive.procedure.gates import load_gates
from anjuan.archive.review import ReviewItem, ReviewRules, load_review_rules, run_review
from anjuan.archive.review.checks import DocInfo, ReviewInput
from anjuan.archive.review.engine import Assessment, Band

# The checks that read facts only (the others read PDFs, signatures and the volume).
_FACT_CHECKS = {"procedure", "two_officers", "officer_certificates", "authority", "fine_range", "reinspection"}
MANUAL = ("facts_clear", "evidence_sufficient", "law_applied", "discretion_reasonable")


def _rules() -> ReviewRules:
    rules = load_review_rules()
    items = tuple(i for i in rules.items if i.manual or i.check in _FACT_CHECKS)
    return rules.model_copy(update={"items": items})


def _docs(
    *,
    drop: tuple[str, ...] = (),
    dates: dict[str, dt.date] | None = None,
    fields: dict[str, dict[str, Any]] | None = None,
    org_id: int = 1,
) -> list[dict[str, Any]]:
    spec = load_scenario()["cases"][1]
    out = []
    for step in spec["documents"]:
        form = step["form"]
        if step.get("expect_refused") or form in drop:
            continue
        data = json.loads(json.dumps(step.get("fields", {}), default=str))
        data.update((fields or {}).get(form, {}))
        on = (dates or {}).get(form) or dt.date.fromisoformat(str(step["date"]))
        out.append({"form": form, "date": on, "fields": data, "org_id": org_id})
    return out


def _input(docs: list[dict[str, Any]], *, major: bool = False, level: str = "county") -> ReviewInput:
    catalogue = load_catalogue()
    facts = []
    infos = []
    for n, d in enumerate(docs, start=1):
        f = DocFacts(id=n, form_id=d["form"], status="issued", doc_date=d["date"], fields=d["fields"], number=f"N{n}")
        facts.append(f)
        infos.append(
            DocInfo(
                facts=f,
                name=resolve_form(catalogue, d["form"]).name,
                officers=(("张伟", "1"), ("刘洋", "2")),
                pdf=b"",
                handler_signatures=False,
                numbered=False,
                org_id=d["org_id"],
            )
        )
    case = CaseFacts(procedure="general", kind="penalty", major=major, documents=tuple(facts), province="晋")
    return ReviewInput(
        case_id=1,
        case=case,
        volume_kind="general",
        review_body="",
        court="",
        docs=tuple(infos),
        deadlines=(),
        gates=load_gates(),
        is_workday=lambda day: day.weekday() < 5,
        catalogue=catalogue,
        verify=lambda pdf: None,  # type: ignore[arg-type,return-value]
        counter_seqs={},
        as_of=dt.date(2026, 11, 20),
        org_id=1,
        org_level=level,
    )


def _review(docs: list[dict[str, Any]], **kwargs: Any) -> Any:
    assessments = kwargs.pop("assessments", None)
    closed = kwargs.pop("closed", True)
    return run_review(_rules(), _input(docs, **kwargs), pages={}, assessments=assessments, closed=closed)


def test_the_sheet_has_a_veto_tier_and_the_provincial_categories() -> None:
    rules = load_review_rules()
    points = {c.id: c.points for c in rules.categories}
    assert points == {
        "basic": 0,
        "subject": 10,
        "facts_evidence": 25,
        "procedure": 25,
        "law": 15,
        "discretion": 10,
        "documents": 10,
        "filing": 5,
    }
    vetoes = {i.id for i in rules.items if i.veto}
    assert vetoes >= {
        "two_officers",
        "case_filed",
        "notified_before_decision",
        "hearing_notice",
        "major_case_review",
        "authority",
        "fine_range",
    }
    assert all(i.category == "basic" for i in rules.items if i.veto)
    assert {i.id for i in rules.items if i.manual} == set(MANUAL)
    # Any score maps to a band; a veto takes the band named 不合格, not the last one in the file.
    shuffled = rules.model_copy(update={"bands": (Band(min=0, rating="不合格"), Band(min=90, rating="优秀"))})
    assert shuffled.rating(0.0, vetoed=False) == "不合格" and shuffled.rating(95, vetoed=True) == "不合格"
    assert shuffled.rating(-1.0, vetoed=False) == "不合格"  # below every band: the lowest, no StopIteration


def test_a_clean_case_gets_no_points_for_what_was_not_assessed() -> None:
    report = _review(_docs())
    assert report.findings == () and report.veto == ()
    assert report.score == 55 and report.pending_items == MANUAL  # 45 points wait for a reviewer
    assert report.rating == "不合格（初评）" and report.band == "不合格" and not report.final
    assert {i.id: i.status for i in report.items if i.manual} == dict.fromkeys(MANUAL, "pending")
    on = dt.date(2026, 11, 25)
    full = {
        i: Assessment(points=p, reason="经审查", by="赵敏", on=on)
        for i, p in zip(MANUAL, (10, 10, 15, 10), strict=True)
    }
    assessed = _review(_docs(), assessments=full)
    assert assessed.score == 100 and assessed.rating == "优秀" and assessed.final
    unexplained = Assessment(points=2, reason="未说明裁量理由", by="赵敏", on=on)
    partly = _review(_docs(), assessments={**full, "discretion_reasonable": unexplained})
    assert partly.score == 92 and partly.rating == "优秀" and partly.final
    still_open = _review(_docs(), assessments=full, closed=False)
    assert still_open.rating == "优秀（初评，未结案）" and not still_open.final and not still_open.closed


VETOES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    # no 立案审批表 in a general-procedure case
    "case_filed": lambda: _docs(drop=("case_filing_approval",)),
    # no 告知书 at all
    "notified_before_decision": lambda: _docs(drop=("penalty_notice", "hearing_notice", "statement_defence_record")),
    # 听证 not offered for a 50,000 元 fine
    "hearing_notice": lambda: _docs(drop=("hearing_notice",)),
    # a decision issued by another organisation
    "authority": lambda: [{**d, "org_id": 9} if d["form"] == "penalty_decision_org" else d for d in _docs()],
    # a fine above the clause's maximum (安全生产法 第一百零一条: 20万)
    "fine_range": lambda: _docs(fields={"penalty_decision_org": {"fine": 300000, "penalty": "罚款人民币叁拾万元整"}}),
}


@pytest.mark.parametrize("item", sorted(VETOES))
def test_each_veto_class_rates_the_file_unqualified(item: str) -> None:
    report = _review(VETOES[item]())
    assert item in report.veto, report.findings
    assert report.rating == "不合格" and report.band == "不合格" and report.final
    assert all(f.document_id is not None for f in report.findings if f.item == item)


def test_decision_before_notice_and_major_case_without_legal_review_are_vetoes() -> None:
    before = dt.date(2026, 10, 27)
    early = _review(_docs(dates={"penalty_decision_org": before, "case_handling_approval": before}))
    assert "notified_before_decision" in early.veto
    named = [f for f in early.findings if f.item == "notified_before_decision"]
    assert len(named) == 1 and named[0].form == "penalty_decision_org"  # the decision is the wrong one
    major = _review(_docs(), major=True)
    assert "major_case_review" in major.veto and major.rating == "不合格"
    closure = _docs(fields={"penalty_decision_org": {"penalty": "责令关闭", "penalty_types": ["责令关闭"]}})
    assert "authority" in _review(closure).veto  # 责令关闭 is for the 人民政府 (data: beyond_power)


def test_one_defect_is_one_finding() -> None:
    """Without a 立案审批表 every later document fails the `filed` gate: one finding, on the first
    document made without it; a decision made before the periods ran out is one finding, on the
    decision, with both periods in its message."""
    report = _review(_docs(drop=("case_filing_approval",)))
    filed = [f for f in report.findings if f.item == "case_filed"]
    assert len(filed) == 1 and filed[0].form == "inquiry_notice" and "另见" in filed[0].message_zh
    early = dt.date(2026, 10, 29)
    hurried = _review(_docs(dates={"case_handling_approval": early, "penalty_decision_org": early}))
    periods = [f for f in hurried.findings if f.item == "defence_and_hearing_period"]
    assert len(periods) == 1 and periods[0].form == "penalty_decision_org", hurried.findings
    assert "听证申请期" in periods[0].message_zh and periods[0].deduct == 5
    assert not [f for f in hurried.findings if f.item == "procedure_order"]


def test_each_item_runs_its_check_with_its_own_settings() -> None:
    """Two items of one check: each finds by its own settings and keeps its own findings (before,
    both ran with the first item's settings and every finding went to the first)."""
    rules = _rules()
    base = load_review_rules().item("required_documents")
    assert base is not None
    common = base.model_dump(exclude={"id", "category", "required"})
    first = ReviewItem.model_validate(
        {**common, "id": "req_a", "category": "facts_evidence", "required": {"general": ["fine_reminder"]}}
    )
    second = ReviewItem.model_validate(
        {**common, "id": "req_b", "category": "filing", "required": {"general": ["hearing_record"]}}
    )
    report = run_review(rules.model_copy(update={"items": (*rules.items, first, second)}), _input(_docs()), pages={})
    by_item = {f.item: f.form for f in report.findings}
    assert by_item == {"req_a": "fine_reminder", "req_b": "hearing_record"}
    assert {c.id: c.score for c in report.categories}["filing"] == 5 - base.deduct


def test_a_late_decision_is_named_not_the_filing_that_started_the_clock() -> None:
    """办案期限: the decision made after the limit is the wrong document, not the 立案审批表."""
    rules = load_review_rules()
    rules = rules.model_copy(update={"items": tuple(i for i in rules.items if i.check in ("deadlines", "procedure"))})
    docs = _docs()
    data = _input(docs)
    filing = next(d for d in data.docs if d.form_id == "case_filing_approval")
    decision = next(d for d in data.docs if d.form_id == "penalty_decision_org")
    limit = {
        "rule_id": "penalty_case_limit",
        "name": "办案期限",
        "due": "2026-11-01",
        "status": "met_late",
        "basis": "《行政处罚法》第六十条",
        "trigger_event": {"source": filing.number},
        "satisfied_source": decision.number,
    }
    report = run_review(rules, dataclasses.replace(data, deadlines=(limit,)), pages={decision.id: 17})
    (late,) = [f for f in report.findings if f.item == "deadlines"]
    assert (late.document_id, late.form, late.page) == (decision.id, "penalty_decision_org", 17)
