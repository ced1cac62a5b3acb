"""Document gates (文书签发前置条件): the demo passes every gate in its order; each gate refuses what it must.

Cases are described with the checker's own dataclasses; field values go through
``archive.fields.validate_fields`` first so that the checker sees what the database stores (money as
strings, dates as ISO strings).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from anjuan.archive.catalogue import load_catalogue, resolve_form
from anjuan.archive.errors import Conflict
from anjuan.archive.fields import validate_fields
from anjuan.archive.procedure.facts import CaseFacts, DocFacts
from anjuan.archive.procedure.gates import (
    GateFinding,
    GateRefused,
    GateRules,
    GatesError,
    check_gates,
    hearing_threshold_reached,
    load_gates,
    penalty_kinds_in,
)

D = dt.date
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def rules() -> GateRules:
    return load_gates()


def _stored(form_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Field values as the archive stores them (validated, JSON-typed), without requiring every field."""
    return validate_fields(resolve_form(load_catalogue(), form_id), fields, require=False)


def _doc(
    form_id: str,
    on: dt.date,
    fields: dict[str, Any] | None = None,
    *,
    status: str = "issued",
    number: str | None = None,
    parent_id: int | None = None,
) -> DocFacts:
    form = resolve_form(load_catalogue(), form_id)
    if number is None and form.code is not None:
        number = f"（晋临）应急{form.code}〔{on.year}〕{next(_ids)}号"
    return DocFacts(
        id=next(_ids),
        form_id=form_id,
        status=status,
        doc_date=on,
        fields=_stored(form_id, fields or {}),
        parent_id=parent_id,
        number=number,
    )


def _case(*docs: DocFacts, kind: str = "penalty", procedure: str = "general", **kw: Any) -> CaseFacts:
    return CaseFacts(procedure=procedure, kind=kind, documents=tuple(docs), **kw)


def _check(
    rules: GateRules, form_id: str, case: CaseFacts, on: dt.date, fields: dict[str, Any] | None = None, **kw: Any
) -> list[GateFinding]:
    return check_gates(rules, form_id, _stored(form_id, fields or {}), case, on=on, **kw)


def _rule_ids(findings: list[GateFinding]) -> set[str]:
    return {f.rule_id for f in findings}


def _only(findings: list[GateFinding], rule_id: str) -> GateFinding:
    assert [f.rule_id for f in findings] == [rule_id], [f.to_dict() for f in findings]
    return findings[0]


# -- the rules file ------------------------------------------------------------------------------


def test_packaged_gates_load_and_name_known_forms(rules: GateRules) -> None:
    catalogue = load_catalogue()
    ids = {f.id for f in catalogue.forms}
    assert set(rules.gates) <= ids
    for form_rules in rules.gates.values():
        for rule in form_rules:
            assert rule.message_zh and rule.message_en and rule.basis
    assert load_gates() is load_gates()  # the packaged file is parsed once


def _gates_data() -> dict[str, Any]:
    text = (resources.files("anjuan.archive.procedure") / "gates.yaml").read_text("utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_loader_rejects_an_unknown_form(tmp_path: Path) -> None:
    data = _gates_data()
    data["gates"]["inspection_recrod"] = data["gates"].pop("inspection_record")
    with pytest.raises(GatesError) as err:
        load_gates(_write(tmp_path, data))
    assert err.value.code == "gates_invalid"
    assert "unknown form 'inspection_recrod'" in err.value.message_en
    assert "gates.yaml" in err.value.message_zh


def test_loader_rejects_an_unknown_prerequisite_form(tmp_path: Path) -> None:
    data = copy.deepcopy(_gates_data())
    data["gates"]["inspection_record"][0]["forms"] = ["inspection_plna"]
    with pytest.raises(GatesError, match=r"gates\[inspection_record\]\[plan_approved\]\.forms: unknown form"):
        load_gates(_write(tmp_path, data))


def test_loader_rejects_an_unknown_field(tmp_path: Path) -> None:
    data = _gates_data()
    data["gates"]["inspection_record"][0]["unless_field"] = "unplanned_reson"
    with pytest.raises(GatesError) as err:
        load_gates(_write(tmp_path, data))
    assert "form inspection_record has no field 'unplanned_reson'" in err.value.message_en
    assert err.value.details["errors"]


def test_loader_rejects_unknown_keys_and_choices(tmp_path: Path) -> None:
    data = _gates_data()
    data["gates"]["inspection_record"][0]["unles_field"] = "unplanned_reason"
    with pytest.raises(GatesError, match="unknown key"):
        load_gates(_write(tmp_path, data))
    data = _gates_data()
    closing = data["gates"]["case_closing_approval"]
    rule = next(r for r in closing if r["id"] == "deferral_permitted")
    rule["when"]["fields"][0]["values"] = ["分期履行"]  # not a choice of execution_status
    with pytest.raises(GatesError, match=r"not choices of case_closing_approval\.execution_status"):
        load_gates(_write(tmp_path, data))


def test_loader_rejects_unknown_placeholders(tmp_path: Path) -> None:
    data = _gates_data()
    data["gates"]["inspection_record"][0]["message_en"] = "missing {plan}"
    with pytest.raises(GatesError, match=r"unknown placeholders \['plan'\]"):
        load_gates(_write(tmp_path, data))


def test_gate_rules_need_a_catalogue() -> None:
    with pytest.raises(ValueError, match="validated against a catalogue"):
        GateRules.model_validate(_gates_data())


# -- the demo scenario, in its order ---------------------------------------------------------------


def test_demo_scenario_passes_every_gate(rules: GateRules) -> None:
    scenario = yaml.safe_load((resources.files("anjuan.archive") / "demo_scenario.yaml").read_text("utf-8"))
    province = scenario["organisation"]["area"][0]
    issued = 0
    expected = sum(1 for spec in scenario["cases"] for step in spec["documents"] if not step.get("expect_refused"))
    for spec in scenario["cases"]:
        case = CaseFacts(
            procedure=spec.get("procedure", "general"),
            kind=spec["kind"],
            party_kind=scenario["party"]["kind"],
            province=province,
        )
        refs: dict[str, int] = {}
        for step in spec["documents"]:
            parent_id = refs[step["parent"]] if step.get("parent") else None
            findings = _check(rules, step["form"], case, step["date"], step.get("fields"), parent_id=parent_id)
            if step.get("expect_refused"):  # the demo's deliberate out-of-order attempt
                assert findings, step["form"]
                continue
            assert findings == [], (step["form"], [f.to_dict() for f in findings])
            doc = _doc(step["form"], step["date"], step.get("fields"), parent_id=parent_id)
            refs[step.get("ref", step["form"])] = doc.id
            case = case.with_document(doc)
            issued += 1
    assert issued == expected == 17


# -- inspection chain --------------------------------------------------------------------------------


def test_inspection_record_needs_a_plan_or_a_reason(rules: GateRules) -> None:
    on = D(2026, 10, 14)
    empty = _case(kind="inspection")
    finding = _only(_check(rules, "inspection_record", empty, on), "inspection_record.plan_approved")
    assert finding.rule == "requires_any"
    assert finding.missing == ("inspection_plan",)
    assert "现场检查方案" in finding.message_zh and "unplanned" in finding.message_en
    assert "第九条" in finding.basis
    unplanned = {"unplanned_reason": "群众举报该企业夜间违规动火作业，需立即核查"}
    assert _check(rules, "inspection_record", empty, on, unplanned) == []
    planned = _case(_doc("inspection_plan", D(2026, 10, 12)), kind="inspection")
    assert _check(rules, "inspection_record", planned, on) == []


def test_a_voided_or_draft_plan_does_not_count(rules: GateRules) -> None:
    on = D(2026, 10, 14)
    for status in ("voided", "draft"):
        case = _case(_doc("inspection_plan", D(2026, 10, 12), status=status), kind="inspection")
        _only(_check(rules, "inspection_record", case, on), "inspection_record.plan_approved")


def test_a_plan_dated_after_the_record_does_not_count(rules: GateRules) -> None:
    case = _case(_doc("inspection_plan", D(2026, 10, 15)), kind="inspection")
    _only(_check(rules, "inspection_record", case, D(2026, 10, 14)), "inspection_record.plan_approved")


def test_rectification_order_needs_an_inspection_record(rules: GateRules) -> None:
    on = D(2026, 10, 14)
    _only(_check(rules, "rectification_order", _case(kind="inspection"), on), "rectification_order.record_first")
    case = _case(_doc("inspection_record", on), kind="inspection")
    assert _check(rules, "rectification_order", case, on) == []


def test_reinspection_needs_and_cites_an_order_or_measures_decision(rules: GateRules) -> None:
    on = D(2026, 11, 3)
    record = _doc("inspection_record", D(2026, 10, 14))
    finding = _only(
        _check(rules, "reinspection_opinion", _case(record, kind="inspection"), on), "reinspection_opinion.cites_order"
    )
    assert finding.rule == "cites"
    assert finding.missing == ("rectification_order", "onsite_measures_decision")
    order = _doc("rectification_order", D(2026, 10, 14))
    measures = _doc("onsite_measures_decision", D(2026, 10, 14))
    case = _case(record, order, measures, kind="inspection")
    assert _check(rules, "reinspection_opinion", case, on, parent_id=order.id) == []
    assert _check(rules, "reinspection_opinion", case, on, parent_id=measures.id) == []
    assert _check(rules, "reinspection_opinion", case, on) == []  # implicit: the newest one is threaded
    # Citing a document that is not a 责改/现决 (here the record) is refused.
    _only(_check(rules, "reinspection_opinion", case, on, parent_id=record.id), "reinspection_opinion.cites_order")
    voided = _doc("rectification_order", D(2026, 10, 14), status="voided")
    case = _case(record, voided, kind="inspection")
    _only(_check(rules, "reinspection_opinion", case, on, parent_id=voided.id), "reinspection_opinion.cites_order")


# -- penalty case: filing, notification, periods, hearing --------------------------------------------

FILED = D(2026, 10, 15)


def _filed(*docs: DocFacts, **kw: Any) -> CaseFacts:
    return _case(_doc("case_filing_approval", FILED), *docs, **kw)


def test_investigation_documents_need_the_filing(rules: GateRules) -> None:
    on = D(2026, 10, 19)
    finding = _only(_check(rules, "inquiry_record", _case(), on), "inquiry_record.filed")
    assert finding.missing == ("case_filing_approval",)
    assert "立案审批表" in finding.message_zh and "第五十四条" in finding.basis
    for form_id in ("inquiry_notice", "survey_record", "sampling_voucher", "investigation_report", "penalty_notice"):
        assert _rule_ids(_check(rules, form_id, _case(), on)) == {f"{form_id}.filed"}
        assert _check(rules, form_id, _filed(), on) == []
    # A 抽样取证凭证 in an inspection case is not an investigation document.
    assert _check(rules, "sampling_voucher", _case(kind="inspection"), on) == []


def test_statement_and_defence_record_needs_the_notice(rules: GateRules) -> None:
    on = D(2026, 10, 30)
    finding = _only(_check(rules, "statement_defence_record", _filed(), on), "statement_defence_record.notified")
    assert finding.missing == ("penalty_notice", "hearing_notice")
    case = _filed(_doc("penalty_notice", D(2026, 10, 28)))
    assert _check(rules, "statement_defence_record", case, on) == []


SMALL_FINE = {
    "facts_and_basis": "未按规定进行有限空间作业审批。",
    "handler_opinion": "建议罚款人民币壹万元整。",
    "proposed_fine": "10000",
}


def _served(notice: DocFacts, on: dt.date) -> DocFacts:
    row = {
        "document": f"行政处罚告知书（{notice.number}）",
        "place": "当事人住所",
        "date": on.isoformat(),
        "method": "直接送达",
        "server": "张伟、刘洋",
    }
    return _doc("service_receipt", on, {"deliveries": [row]})


def test_case_handling_approval_waits_for_the_defence_period(rules: GateRules) -> None:
    # Signed on Friday 2026-10-23, served on Monday 2026-10-26: the 3 days are 27, 28, 29 October.
    notice = _doc("penalty_notice", D(2026, 10, 23), {"proposed_penalty": "罚款人民币壹万元整", "proposed_fine": 10000})
    served = D(2026, 10, 26)
    case = _filed(notice, _served(notice, served))
    finding = _only(
        _check(rules, "case_handling_approval", case, served + dt.timedelta(days=1), SMALL_FINE),
        "case_handling_approval.defence_period",
    )
    assert finding.rule == "after_period"
    assert "2026-10-26" in finding.message_zh and "2026-10-29" in finding.message_zh
    assert "2026-10-30" in finding.message_en  # the first day it may be made
    assert _check(rules, "case_handling_approval", case, served + dt.timedelta(days=3), SMALL_FINE) != []
    assert _check(rules, "case_handling_approval", case, served + dt.timedelta(days=4), SMALL_FINE) == []
    # Without the receipt the period runs from the notice's own date (23 October → 26 October, a Monday).
    unserved = _filed(notice)
    assert _check(rules, "case_handling_approval", unserved, D(2026, 10, 27), SMALL_FINE) == []


def test_natural_period_ending_on_a_rest_day_moves_to_the_next_working_day(rules: GateRules) -> None:
    # Served Wednesday 2026-10-28: 3 days end on Saturday 31 → Monday 2 November.
    notice = _doc("penalty_notice", D(2026, 10, 28), {"proposed_fine": 10000})
    case = _filed(notice)
    assert _check(rules, "case_handling_approval", case, D(2026, 11, 2), SMALL_FINE) != []
    assert _check(rules, "case_handling_approval", case, D(2026, 11, 3), SMALL_FINE) == []


def test_case_handling_approval_needs_the_notice(rules: GateRules) -> None:
    finding = _only(
        _check(rules, "case_handling_approval", _filed(), D(2026, 11, 4), SMALL_FINE), "case_handling_approval.notified"
    )
    assert finding.missing == ("penalty_notice", "hearing_notice")


def test_hearing_range_fine_needs_a_hearing_notice(rules: GateRules) -> None:
    notice = _doc("penalty_notice", D(2026, 10, 28), {"proposed_penalty": "罚款人民币伍万元整"})
    case = _filed(notice)
    big = {**SMALL_FINE, "handler_opinion": "建议罚款人民币伍万元整。", "proposed_fine": "50000"}
    finding = _only(
        _check(rules, "case_handling_approval", case, D(2026, 11, 4), big),
        "case_handling_approval.hearing_offered_when_required",
    )
    assert finding.missing == ("hearing_notice",)
    assert "听证告知书" in finding.message_zh and "第六十三条" in finding.basis
    heard = case.with_document(_doc("hearing_notice", D(2026, 10, 28)))
    assert _check(rules, "case_handling_approval", heard, D(2026, 11, 4), big) == []
    # Below the threshold everywhere: no hearing notice needed. The 告知书's 伍万元 above reached it on its
    # own, since every proposal in the case counts.
    below = {**SMALL_FINE, "proposed_fine": "49999.99"}
    small = _filed(_doc("penalty_notice", D(2026, 10, 28), {"proposed_penalty": "罚款人民币肆万玖仟元"}))
    assert _check(rules, "case_handling_approval", small, D(2026, 11, 4), below) == []
    assert _check(rules, "case_handling_approval", case, D(2026, 11, 4), below) != []


def test_hearing_range_is_read_from_the_case_documents(rules: GateRules) -> None:
    person = _case(kind="penalty", party_kind="person")
    report = _doc("investigation_report", D(2026, 10, 26), {"proposed_penalty": "罚款人民币伍仟元整"})
    assert hearing_threshold_reached(rules, person.with_document(report))  # 5,000 元 reaches it for a person
    org = _case(report)
    assert not hearing_threshold_reached(rules, org)  # … not for an organisation
    suspended = _doc("penalty_notice", D(2026, 10, 28), {"proposed_penalty": "责令停产停业整顿一个月"})
    assert hearing_threshold_reached(rules, _case(suspended))
    decision = {"penalty_types": ["吊销许可证件"], "penalty": "吊销安全生产许可证"}
    stored = _stored("penalty_decision_org", decision)
    assert hearing_threshold_reached(rules, _case(), form_id="penalty_decision_org", fields=stored)
    assert penalty_kinds_in(rules, "给予警告，并处罚款人民币贰佰元") == {"警告", "罚款"}


def test_province_thresholds_override_the_default(rules: GateRules) -> None:
    report = _doc("investigation_report", D(2026, 10, 26), {"proposed_fine": 30000})
    case = _case(report, province="晋")
    assert not hearing_threshold_reached(rules, case)
    stricter = rules.hearing.thresholds.model_copy(
        update={"provinces": {"晋": rules.hearing.thresholds.default.model_copy(update={"organisation": 30000})}}
    )
    local = rules.model_copy(update={"hearing": rules.hearing.model_copy(update={"thresholds": stricter})})
    assert hearing_threshold_reached(local, case)
    assert not hearing_threshold_reached(local, _case(report, province="川"))


def test_a_requested_hearing_must_end_first(rules: GateRules) -> None:
    notice = _doc("hearing_notice", D(2026, 10, 28), {"proposed_penalty": "罚款人民币伍万元整"})
    meeting = _doc("hearing_meeting_notice", D(2026, 11, 2))
    case = _filed(_doc("penalty_notice", D(2026, 10, 28)), notice, meeting)
    big = {**SMALL_FINE, "proposed_fine": "50000"}
    _only(
        _check(rules, "case_handling_approval", case, D(2026, 11, 12), big), "case_handling_approval.hearing_concluded"
    )
    held = case.with_document(_doc("hearing_record", D(2026, 11, 10))).with_document(
        _doc("hearing_report", D(2026, 11, 11))
    )
    assert _check(rules, "case_handling_approval", held, D(2026, 11, 12), big) == []


# -- decision ---------------------------------------------------------------------------------------

DECISION = {
    "facts": "未履行有限空间作业审批手续。",
    "violated_provisions": "《中华人民共和国安全生产法》第四十三条",
    "penalty_basis": "《中华人民共和国安全生产法》第一百零一条第四项",
    "penalty": "罚款人民币壹万元整",
    "penalty_types": ["罚款"],
    "fine": "10000",
}


def _reviewed(**kw: Any) -> CaseFacts:
    report = _doc("investigation_report", D(2026, 10, 26), kw.pop("report", {}))
    return _filed(
        report,
        _doc("penalty_notice", D(2026, 10, 28), {"proposed_fine": 10000}),
        _doc("case_handling_approval", D(2026, 11, 4), SMALL_FINE),
        **kw,
    )


def test_decision_needs_an_approved_case_handling_approval(rules: GateRules) -> None:
    case = _filed(_doc("penalty_notice", D(2026, 10, 28), {"proposed_fine": 10000}))
    finding = _only(
        _check(rules, "penalty_decision_org", case, D(2026, 11, 6), DECISION), "penalty_decision_org.case_reviewed"
    )
    assert "呈批表" in finding.message_zh and "第十三条" in finding.basis
    draft = case.with_document(_doc("case_handling_approval", D(2026, 11, 4), SMALL_FINE, status="draft"))
    _only(_check(rules, "penalty_decision_org", draft, D(2026, 11, 6), DECISION), "penalty_decision_org.case_reviewed")
    assert _check(rules, "penalty_decision_org", _reviewed(), D(2026, 11, 6), DECISION) == []


def test_decision_waits_for_the_hearing_request_period_in_working_days(rules: GateRules) -> None:
    # Hearing notice on Monday 2026-09-28, then a National Day week as given here (1–8 October off,
    # Saturday 10 October worked): the holiday and the 调休 day decide where the 5 working days end.
    holidays = {D(2026, 10, d) for d in range(1, 9)}
    makeup = {D(2026, 9, 27), D(2026, 10, 10)}

    def is_workday(day: dt.date) -> bool:
        return day in makeup or (day.weekday() < 5 and day not in holidays)

    hearing = _doc("hearing_notice", D(2026, 9, 28), {"proposed_penalty": "罚款人民币伍万元整"})
    notice = _doc("penalty_notice", D(2026, 9, 28))
    filing = _doc("case_filing_approval", D(2026, 9, 14))
    case = _case(filing, notice, hearing, _doc("case_handling_approval", D(2026, 10, 9), SMALL_FINE))
    big = {**DECISION, "fine": "50000"}
    # 29, 30 September, 9, 10 (调休), 12 October → the period ends on 12 October.
    fields = _stored("penalty_decision_org", big)
    early = check_gates(rules, "penalty_decision_org", fields, case, on=D(2026, 10, 12), is_workday=is_workday)
    finding = _only(early, "penalty_decision_org.hearing_request_period")
    assert "2026-10-12" in finding.message_zh and "5个工作日" in finding.message_zh
    assert check_gates(rules, "penalty_decision_org", fields, case, on=D(2026, 10, 13), is_workday=is_workday) == []


def test_major_case_decision_needs_collective_discussion_and_legal_review(rules: GateRules) -> None:
    on = D(2026, 11, 6)
    case = _reviewed(major=True)
    findings = _check(rules, "penalty_decision_org", case, on, DECISION)
    assert _rule_ids(findings) == {"penalty_decision_org.collective_discussion", "penalty_decision_org.legal_review"}
    by_id = {f.rule_id: f for f in findings}
    assert by_id["penalty_decision_org.collective_discussion"].missing == (
        "collective_discussion_record",
        "major_case_discussion_record",
    )
    assert "第五十八条" in by_id["penalty_decision_org.legal_review"].basis
    # A legal review that does not approve is no legal review.
    refused = _doc(
        "legal_review_opinion", D(2026, 11, 5), {"opinion": "证据不足。", "conclusion": "不同意", "reviewer": "孙丽"}
    )
    discussed = _doc("major_case_discussion_record", D(2026, 11, 5))
    not_passed = case.with_document(refused).with_document(discussed)
    _only(_check(rules, "penalty_decision_org", not_passed, on, DECISION), "penalty_decision_org.legal_review")
    approved = _doc(
        "legal_review_opinion", D(2026, 11, 5), {"opinion": "同意。", "conclusion": "同意", "reviewer": "孙丽"}
    )
    passed = case.with_document(approved).with_document(discussed)
    assert _check(rules, "penalty_decision_org", passed, on, DECISION) == []
    # Not marked 重大, but the investigation report asks for a legal review.
    asked = _reviewed(report={"needs_legal_review": True})
    _only(_check(rules, "penalty_decision_person", asked, on, DECISION), "penalty_decision_person.legal_review")


# -- closing ----------------------------------------------------------------------------------------

CLOSING = {
    "result": "给予罚款人民币壹万元整的行政处罚。",
    "execution": "当事人已缴清罚款。",
    "handler_opinion": "建议结案。",
}


def test_closing_only_after_execution_is_recorded(rules: GateRules) -> None:
    on = D(2026, 11, 20)
    findings = _check(rules, "case_closing_approval", _reviewed(), on, {**CLOSING, "execution_status": "自觉履行"})
    _only(findings, "case_closing_approval.outcome")
    decided = _reviewed().with_document(_doc("penalty_decision_org", D(2026, 11, 6), DECISION))
    finding = _only(
        _check(rules, "case_closing_approval", decided, on, CLOSING), "case_closing_approval.execution_recorded"
    )
    assert finding.missing == ("execution_status",)
    assert "履行方式" in finding.message_zh and "How the decision was carried out" in finding.message_en
    assert _check(rules, "case_closing_approval", decided, on, {**CLOSING, "execution_status": "自觉履行"}) == []
    court = {**CLOSING, "execution_status": "申请法院强制执行"}
    _only(_check(rules, "case_closing_approval", decided, on, court), "case_closing_approval.court_enforcement_applied")


def test_court_enforcement_waits_ten_working_days_after_the_demand(rules: GateRules) -> None:
    decided = _reviewed().with_document(_doc("penalty_decision_org", D(2026, 11, 6), DECISION))
    _only(_check(rules, "enforcement_application", decided, D(2027, 3, 1)), "enforcement_application.demanded")
    demand = _doc("enforcement_demand", D(2027, 3, 1))  # Monday; the 10th working day after is Monday 15 March
    case = decided.with_document(demand)

    def weekdays(day: dt.date) -> bool:
        return day.weekday() < 5

    assert check_gates(rules, "enforcement_application", {}, case, on=D(2027, 3, 15), is_workday=weekdays) != []
    assert check_gates(rules, "enforcement_application", {}, case, on=D(2027, 3, 16), is_workday=weekdays) == []


# -- simple procedure (当场处罚) ----------------------------------------------------------------------


def _onsite(penalty: str, fine: int | str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "facts": "现场发现当事人未按规定佩戴劳动防护用品进入作业区域。",
        "violated_provisions": "《中华人民共和国安全生产法》第五十七条",
        "penalty_basis": "《中华人民共和国安全生产法》相关条款",
        "penalty": penalty,
    }
    if fine is not None:
        fields["fine"] = fine
    return fields


@pytest.mark.parametrize(
    ("form_id", "party", "penalty", "fine", "refused_by"),
    [
        ("onsite_penalty_decision_person", "person", "罚款人民币叁佰元", 300, "simple_fine_limit"),
        ("onsite_penalty_decision_person", "person", "罚款人民币贰佰元", 200, None),
        ("onsite_penalty_decision_org", "organisation", "罚款人民币叁仟元", 3000, None),
        ("onsite_penalty_decision_org", "organisation", "罚款人民币叁仟零壹元", 3001, "simple_fine_limit"),
        ("onsite_penalty_decision_org", "organisation", "警告", None, None),
        ("onsite_penalty_decision_person", "person", "警告", None, None),
        ("onsite_penalty_decision_org", "organisation", "责令停产停业整顿", None, "simple_kinds"),
        ("onsite_penalty_decision_person", "person", "罚款500元", None, "simple_fine_limit"),  # amount read from text
        # a small amount field does not hide the fine the text imposes
        ("onsite_penalty_decision_org", "organisation", "罚款人民币伍仟元", 100, "simple_fine_limit"),
    ],
)
def test_simple_procedure_limits(
    rules: GateRules, form_id: str, party: str, penalty: str, fine: int | None, refused_by: str | None
) -> None:
    case = _case(procedure="simple", party_kind=party)
    findings = _check(rules, form_id, case, D(2026, 10, 14), _onsite(penalty, fine))
    if refused_by is None:
        assert findings == [], [f.to_dict() for f in findings]
        return
    finding = _only(findings, f"{form_id}.{refused_by}")
    assert finding.missing == ("general_procedure",)
    assert "一般程序" in finding.message_zh and "general procedure" in finding.message_en
    assert "第五十一条" in finding.basis


def test_simple_procedure_messages_name_the_amount_and_the_kind(rules: GateRules) -> None:
    case = _case(procedure="simple", party_kind="person")
    finding = _check(rules, "onsite_penalty_decision_person", case, D(2026, 10, 14), _onsite("罚款人民币叁佰元", 300))[
        0
    ]
    assert "200元" in finding.message_zh and "300元" in finding.message_zh and "300 元" in finding.message_en
    org = _case(procedure="simple")
    (kind,) = _check(rules, "onsite_penalty_decision_org", org, D(2026, 10, 14), _onsite("吊销安全生产许可证"))
    assert "吊销许可证件" in kind.message_zh
    (unstated,) = _check(rules, "onsite_penalty_decision_org", org, D(2026, 10, 14), _onsite("处以罚款"))
    assert unstated.missing == ("fine",) and "未写明" in unstated.message_zh


# -- refusal as an error -----------------------------------------------------------------------------


def test_findings_become_a_409_conflict(rules: GateRules) -> None:
    findings = _check(rules, "inquiry_record", _case(), D(2026, 10, 19))
    err = GateRefused("inquiry_record", findings)
    assert isinstance(err, Conflict) and err.code == "gate_refused"
    body = err.to_dict()
    assert body["details"]["findings"][0]["missing"] == ["case_filing_approval"]
    assert "立案审批表" in body["message_zh"]


def test_the_procedure_package_re_exports_the_gates() -> None:
    import anjuan.archive.procedure as procedure
    from anjuan.archive.procedure import gates

    for name in ("CaseFacts", "DocFacts", "GateFinding", "GateRefused", "check_gates", "load_gates"):
        assert name in procedure.__all__ and getattr(procedure, name) is getattr(gates, name)
    assert all(hasattr(gates, name) for name in gates.__all__)
