"""程序时限: the working-day calendar, the rule file's loader, events from documents, each deadline rule.

Holiday facts asserted here come from the State Council arrangements shipped by ``chinesecalendar``:
2024 国庆 10-01…10-07 with 调休 working days Sun 09-29 and Sat 10-12; 2025 国庆/中秋 10-01…10-08 with
调休 Sun 09-28 and Sat 10-11; 2026 国庆 10-01…10-07 with 调休 Sat 10-10.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from anjuan.archive import procedure
from anjuan.archive.catalogue import load_catalogue
from anjuan.archive.errors import ArchiveError
from anjuan.archive.procedure import (
    CalendarUnknownYear,
    CaseEvent,
    Deadline,
    DeadlineRulesError,
    DeadlineStatus,
    DocFacts,
    RuleSet,
    UnknownEventKind,
    WorkingCalendar,
    YearSupplement,
    add_months,
    compute_deadlines,
    events_from_documents,
    load_rules,
    rules_in_force,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
RULES_FILE = ROOT / "archive" / "procedure" / "deadlines.yaml"
DEMO = ROOT / "archive" / "demo_scenario.yaml"
CAL = WorkingCalendar()


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def ev(kind: str, on: dt.date, source: str = "t", until: dt.date | None = None) -> CaseEvent:
    return CaseEvent(kind, on, source, "", until)


def deadlines(
    rules: RuleSet,
    events: list[CaseEvent],
    *,
    today: dt.date,
    opened_on: dt.date | None = None,
    procedure: str = "general",
    calendar: WorkingCalendar | None = None,
) -> dict[str, list[Deadline]]:
    opened = opened_on or min((e.on for e in events if e.kind == "case_filed"), default=events[0].on)
    out: dict[str, list[Deadline]] = {}
    for d in compute_deadlines(
        events, rules, procedure=procedure, opened_on=opened, today=today, calendar=calendar or CAL
    ):
        out.setdefault(d.rule_id, []).append(d)
    return out


def one(result: dict[str, list[Deadline]], rule_id: str) -> Deadline:
    (item,) = result[rule_id]
    return item


# -- calendar ---------------------------------------------------------------------------------------


def test_package_range_and_unknown_year() -> None:
    first, last = CAL.package_years
    assert first == 2004 and last >= 2026
    assert CAL.is_working_day(D(2026, 10, 10))  # 调休 Saturday
    assert CAL.is_working_day(D(2026, 10, 8))  # the Thursday after the holiday
    assert not CAL.is_working_day(D(2026, 10, 1))
    with pytest.raises(CalendarUnknownYear) as info:
        CAL.is_working_day(D(last + 1, 3, 3))
    assert info.value.code == "calendar_unknown_year"
    assert info.value.details["year"] == last + 1
    assert isinstance(info.value, ArchiveError)
    # Lenient mode is an explicit estimate: Monday–Friday.
    assert CAL.lenient().is_working_day(D(last + 1, 3, 3)) is (D(last + 1, 3, 3).weekday() < 5)


def test_supplement_adds_a_year_and_overrides() -> None:
    year = CAL.package_years[1] + 1
    # Made-up test data (not a real arrangement): Jan 1 rest, the Saturday after it a 调休 working day.
    jan1 = D(year, 1, 1)
    saturday = jan1 + dt.timedelta(days=(5 - jan1.weekday()) % 7 or 7)
    cal = WorkingCalendar.with_supplements([YearSupplement(year, frozenset({jan1}), frozenset({saturday}))])
    assert not cal.is_working_day(jan1)
    assert cal.is_working_day(saturday)
    assert year in cal.covered_years()
    with pytest.raises(ValueError):
        YearSupplement(year, frozenset({D(year - 1, 5, 5)}))


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # 2025-09-30 (Tue): 10-01…10-08 off; 10-09 (1) 10-10 (2) Sat 10-11 调休 (3) 10-13 … 10-16 (7).
        (D(2025, 9, 30), 7, D(2025, 10, 16)),
        # 2024-09-29 (调休 Sunday): 09-30 (1), 10-08 … 10-11 (2–5), Sat 10-12 调休 (6), Mon 10-14 (7).
        (D(2024, 9, 29), 7, D(2024, 10, 14)),
        (D(2026, 11, 6), 7, D(2026, 11, 17)),  # Friday: two weekends inside
        (D(2026, 11, 6), 0, D(2026, 11, 6)),
        # Backwards (听证七日前): before Tue 2026-10-13 — 10-12, Sat 10-10 调休, 10-09, 10-08, then over the
        # holiday to 09-30, 09-29, 09-28.
        (D(2026, 10, 13), -7, D(2026, 9, 28)),
    ],
)
def test_add_working_days(start: dt.date, n: int, due: dt.date) -> None:
    assert CAL.add_working_days(start, n) == due


def test_add_days_moves_off_a_holiday_only_when_told() -> None:
    # 2026-09-16 + 15 = 10-01 (国庆): the period ends on the first working day after, Thu 10-08.
    assert CAL.add_days(D(2026, 9, 16), 15, extend_over_holiday=True) == D(2026, 10, 8)
    assert CAL.add_days(D(2026, 9, 16), 15, extend_over_holiday=False) == D(2026, 10, 1)
    # Ending on a 调休 Saturday: a working day, so it stays.
    assert CAL.add_days(D(2026, 10, 5), 5, extend_over_holiday=True) == D(2026, 10, 10)
    # Ending on an ordinary Saturday moves to Monday.
    assert CAL.add_days(D(2026, 11, 6), 15, extend_over_holiday=True) == D(2026, 11, 23)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 5, 15), 12, D(2027, 5, 15)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months_end_of_month(start: dt.date, n: int, end: dt.date) -> None:
    assert add_months(start, n) == end
    if end.year <= CAL.package_years[1]:
        assert CAL.add_months(start, n) == end


def test_add_months_extends_over_rest_day() -> None:
    # 2025-11-30 + 3 months = Sat 2026-02-28, a 调休 working day (Spring Festival 2026): it stays.
    assert CAL.add_months(D(2025, 11, 30), 3, extend_over_holiday=True) == D(2026, 2, 28)
    # 2026-07-31 + 3 months = Sat 2026-10-31, an ordinary Saturday: Mon 11-02.
    assert CAL.add_months(D(2026, 7, 31), 3, extend_over_holiday=True) == D(2026, 11, 2)
    assert CAL.add_months(D(2026, 7, 31), 3) == D(2026, 10, 31)


# -- the rule file ------------------------------------------------------------------------------------


def test_packaged_rules_load_and_cover_the_issue(rules: RuleSet) -> None:
    ids = {r.id for r in rules.rules}
    assert {
        "decision_within",
        "decision_service",
        "statement_defence",
        "hearing_request",
        "hearing_notice_lead",
        "fine_payment",
        "enforcement_application",
        "publication",
        "reinspection",
        "onsite_penalty_filing",
    } <= ids
    reinspection = rules_in_force(rules, D(2026, 10, 12))["reinspection"]
    assert reinspection.confidence == "?"
    assert reinspection.offset.days == 10
    for rule in rules.rules:
        assert rule.basis and rule.name and rule.name_en


def test_versions_by_opening_date(rules: RuleSet) -> None:
    old = rules_in_force(rules, D(2021, 7, 14))["hearing_request"]
    new = rules_in_force(rules, D(2021, 7, 15))["hearing_request"]
    assert (old.offset.days, old.offset.working_days) == (3, None)
    assert (new.offset.days, new.offset.working_days) == (None, 5)
    assert rules_in_force(rules, D(2021, 7, 15))["decision_within"].offset.days == 90
    assert "onsite_penalty_filing" not in rules_in_force(rules, D(2007, 6, 1))


def _raw() -> dict[str, Any]:
    return yaml.safe_load(RULES_FILE.read_text("utf-8"))


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "deadlines.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id and r.get("effective_to") is None)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: _rule(d, "fine_payment").update(trigger="decision_servd"), "unknown event kind 'decision_servd'"),
        (lambda d: _rule(d, "publication").update(satisfied_by=["posted"]), "unknown event kind 'posted'"),
        (lambda d: _rule(d, "fine_payment").update(colour="red"), "unknown key"),
        (lambda d: _rule(d, "fine_payment").update(offset={"days": 15, "months": 1}), "exactly one of"),
        (lambda d: _rule(d, "fine_payment").update(offset={"weeks": 2}), "unknown key"),
        (lambda d: _rule(d, "fine_payment").update(offset={"days": 0}), "offset of 0"),
        (lambda d: _rule(d, "publication").update(extend_over_holiday=True), "working-day count"),
        (lambda d: _rule(d, "hearing_notice_lead").update(offset={"days": -7}, extend_over_holiday=True), "negative"),
        (lambda d: _rule(d, "fine_payment").update(confidence="maybe"), "confidence"),
        (lambda d: _rule(d, "fine_payment").update(applies_to=["summary"]), "applies_to"),
        (
            lambda d: d["rules"].append({**copy.deepcopy(_rule(d, "fine_payment")), "effective_from": "2020-01-01"}),
            "versions overlap",
        ),
        (lambda d: d["document_events"].append({"form": "no_such_form", "event": "case_filed"}), "unknown form"),
        (
            lambda d: d["document_events"].append(
                {"form": "rectification_order", "event": "rectification_due", "date": ["due"]}
            ),
            "has no field 'due'",
        ),
        (lambda d: d["services"].update(date_column="when"), "no column 'when'"),
    ],
)
def test_loader_rejects_bad_rules(tmp_path: Path, mutate: Any, needle: str) -> None:
    data = _raw()
    mutate(data)
    with pytest.raises(DeadlineRulesError) as info:
        load_rules(_write(tmp_path, data))
    assert info.value.code == "deadline_rules_invalid"
    assert needle in info.value.message_en, info.value.message_en


def test_loader_names_the_rule_in_schema_errors(tmp_path: Path) -> None:
    data = _raw()
    _rule(data, "fine_payment")["warn_days"] = -1
    with pytest.raises(DeadlineRulesError) as info:
        load_rules(_write(tmp_path, data))
    assert "rules[fine_payment].warn_days" in info.value.message_en


def test_unknown_event_kind_is_misuse(rules: RuleSet) -> None:
    with pytest.raises(UnknownEventKind):
        compute_deadlines(
            [ev("case_filed", D(2026, 3, 2)), ev("decided", D(2026, 3, 9))],
            rules,
            procedure="general",
            opened_on=D(2026, 3, 2),
            today=D(2026, 3, 9),
            calendar=CAL,
        )


# -- each rule on hand-built events ----------------------------------------------------------------


def test_publication_over_national_day_week(rules: RuleSet) -> None:
    events = [ev("case_filed", D(2025, 8, 1)), ev("penalty_imposed", D(2025, 9, 30))]
    pub = one(deadlines(rules, events, today=D(2025, 10, 9)), "publication")
    assert pub.due == D(2025, 10, 16)  # 7 working days, the 调休 Saturday 10-11 counted
    assert pub.unit == "7个工作日"
    assert pub.status == DeadlineStatus.pending and pub.days_left == 7
    published = [*events, ev("published", D(2025, 10, 17))]
    assert one(deadlines(rules, published, today=D(2025, 10, 20)), "publication").status == DeadlineStatus.met_late


def test_decision_service_working_days_since_2021(rules: RuleSet) -> None:
    events = [ev("case_filed", D(2024, 9, 2)), ev("decision_made", D(2024, 9, 29))]
    svc = one(deadlines(rules, events, today=D(2024, 10, 9)), "decision_service")
    assert svc.due == D(2024, 10, 14)
    assert svc.status == DeadlineStatus.pending and svc.days_left == 5
    # Before 2021-07-15: 7 natural days, a rest-day end moved to the next working day.
    old = [ev("case_filed", D(2019, 9, 2)), ev("decision_made", D(2019, 9, 27))]  # +7 = 10-04 (国庆)
    assert one(deadlines(rules, old, today=D(2019, 10, 1)), "decision_service").due == D(2019, 10, 8)


def test_payment_last_day_on_holiday_moves(rules: RuleSet) -> None:
    events = [
        ev("case_filed", D(2026, 7, 1)),
        ev("decision_made", D(2026, 9, 15)),
        ev("fine_imposed", D(2026, 9, 15)),
        ev("decision_served", D(2026, 9, 16)),
    ]
    pay = one(deadlines(rules, events, today=D(2026, 10, 2)), "fine_payment")
    assert pay.due == D(2026, 10, 8)  # 09-16 + 15 = 10-01 (国庆) → Thu 10-08
    assert pay.status == DeadlineStatus.pending and pay.days_left == 6
    assert pay.obligor == "party"
    # No fine (警告 only / 不予处罚): the payment rule does not run.
    no_fine = [e for e in events if e.kind != "fine_imposed"]
    result = deadlines(rules, no_fine, today=D(2026, 10, 2))
    assert one(result, "fine_payment").status == DeadlineStatus.not_applicable
    assert one(result, "fine_payment").due is None


def test_hearing_request_three_days_before_2021_five_working_days_after(rules: RuleSet) -> None:
    # Opened 2021-07-01 (old law): notice served Fri 2021-07-16 → 3 days → Mon 07-19.
    old = [ev("case_filed", D(2021, 7, 1)), ev("hearing_notice_served", D(2021, 7, 16))]
    assert one(deadlines(rules, old, today=D(2021, 7, 16)), "hearing_request").due == D(2021, 7, 19)
    # The same dates in a case opened on 2021-07-15: 5 working days → Fri 07-23.
    new = [ev("case_filed", D(2021, 7, 15)), ev("hearing_notice_served", D(2021, 7, 16))]
    req = one(deadlines(rules, new, today=D(2021, 7, 16)), "hearing_request")
    assert req.due == D(2021, 7, 23)
    assert req.unit == "5个工作日"
    # A window nobody used lapses; it is nobody's fault, so not "overdue".
    assert one(deadlines(rules, new, today=D(2021, 7, 26)), "hearing_request").status == DeadlineStatus.lapsed
    asked = [*new, ev("hearing_requested", D(2021, 7, 20))]
    assert one(deadlines(rules, asked, today=D(2021, 7, 26)), "hearing_request").status == DeadlineStatus.met


def test_hearing_notice_not_later_than_seven_working_days_before(rules: RuleSet) -> None:
    base = [
        ev("case_filed", D(2026, 9, 1)),
        ev("hearing_notice_served", D(2026, 9, 18)),
        ev("hearing_requested", D(2026, 9, 21)),
        ev("hearing_held", D(2026, 10, 13)),
    ]
    lead = one(deadlines(rules, base, today=D(2026, 9, 26)), "hearing_notice_lead")
    # 7 working days before Tue 10-13, across the National Day week (see test_add_working_days).
    assert (lead.due, lead.status, lead.days_left) == (D(2026, 9, 28), DeadlineStatus.due_soon, 2)
    assert lead.unit == "提前7个工作日"
    on_time = [*base, ev("hearing_meeting_notice_served", D(2026, 9, 28))]
    assert one(deadlines(rules, on_time, today=D(2026, 10, 20)), "hearing_notice_lead").status == DeadlineStatus.met
    late = [*base, ev("hearing_meeting_notice_served", D(2026, 9, 29))]
    assert one(deadlines(rules, late, today=D(2026, 10, 20)), "hearing_notice_lead").status == DeadlineStatus.met_late
    overdue = one(deadlines(rules, base, today=D(2026, 9, 29)), "hearing_notice_lead")
    assert (overdue.status, overdue.days_left) == (DeadlineStatus.overdue, -1)


def test_ninety_days_and_extension(rules: RuleSet) -> None:
    filed = ev("case_filed", D(2025, 3, 3))
    plain = one(deadlines(rules, [filed], today=D(2025, 5, 15)), "decision_within")
    assert plain.due == D(2025, 6, 3)  # 03-03 + 90 = Sun 06-01; Mon 06-02 is 端午 → Tue 06-03
    assert plain.status == DeadlineStatus.pending and plain.days_left == 19
    warned = one(deadlines(rules, [filed], today=D(2025, 5, 20)), "decision_within")  # warn_days 15
    assert (warned.status, warned.days_left) == (DeadlineStatus.due_soon, 14)

    extended = [filed, ev("extension_approved", D(2025, 5, 26), "（晋临）应急案延〔2025〕1号", until=D(2025, 7, 31))]
    ext = one(deadlines(rules, extended, today=D(2025, 6, 10)), "decision_within")
    assert ext.due == D(2025, 7, 31)
    assert ext.status == DeadlineStatus.pending
    assert any("延期至 2025-07-31" in n for n in ext.notes)

    # An approval beyond the cap (180 days from filing) is held to the cap: 03-03 + 180 = Sat 08-30 → Mon 09-01.
    too_long = [filed, ev("extension_approved", D(2025, 5, 26), "x", until=D(2025, 12, 31))]
    assert one(deadlines(rules, too_long, today=D(2025, 6, 10)), "decision_within").due == D(2025, 9, 1)

    decided = [*extended, ev("decision_made", D(2025, 7, 20))]
    assert one(deadlines(rules, decided, today=D(2025, 8, 1)), "decision_within").status == DeadlineStatus.met
    assert one(deadlines(rules, [filed], today=D(2025, 6, 4)), "decision_within").status == DeadlineStatus.overdue
    terminated = [filed, ev("case_terminated", D(2025, 4, 1))]
    assert one(deadlines(rules, terminated, today=D(2025, 7, 1)), "decision_within").status == (
        DeadlineStatus.not_applicable
    )


def test_statuses_relative_to_today(rules: RuleSet) -> None:
    events = [ev("case_filed", D(2026, 3, 2)), ev("notice_served", D(2026, 3, 4))]  # Wed + 3 = Sat → Mon 03-09
    state = {t: one(deadlines(rules, events, today=t), "statement_defence") for t in (D(2026, 3, 4), D(2026, 3, 8))}
    assert state[D(2026, 3, 4)].due == D(2026, 3, 9)
    assert state[D(2026, 3, 4)].status == DeadlineStatus.pending and state[D(2026, 3, 4)].days_left == 5
    assert state[D(2026, 3, 8)].status == DeadlineStatus.due_soon and state[D(2026, 3, 8)].days_left == 1
    late = [*events, ev("statement_made", D(2026, 3, 10))]
    assert one(deadlines(rules, late, today=D(2026, 3, 12)), "statement_defence").status == DeadlineStatus.met_late
    # A duty past its due date is overdue, with a negative days_left.
    pub = [*events, ev("penalty_imposed", D(2026, 4, 1))]  # + 7 working days (清明 04-04…06) → 04-13
    overdue = one(deadlines(rules, pub, today=D(2026, 4, 15)), "publication")
    assert overdue.due == D(2026, 4, 13)
    assert overdue.status == DeadlineStatus.overdue and overdue.days_left == -2
    # Rules whose trigger has not happened are listed without a date, after the dated ones.
    result = compute_deadlines(events, rules, procedure="general", opened_on=D(2026, 3, 2), today=D(2026, 3, 4))
    assert result[-1].due is None and result[-1].status == DeadlineStatus.not_applicable
    dated = [d.due for d in result if d.due]
    assert dated == sorted(dated)


def test_reinspection_after_rectification_deadline(rules: RuleSet) -> None:
    events = [ev("rectification_due", D(2026, 9, 25))]  # + 10 = Mon 10-05 (国庆) → Thu 10-08
    re = one(deadlines(rules, events, today=D(2026, 10, 6), opened_on=D(2026, 9, 1)), "reinspection")
    assert re.due == D(2026, 10, 8) and re.confidence == "?"
    assert re.status == DeadlineStatus.due_soon
    # An early re-inspection on the party's completion report counts.
    early = [ev("reinspected", D(2026, 9, 20)), *events]
    assert one(deadlines(rules, early, today=D(2026, 10, 6), opened_on=D(2026, 9, 1)), "reinspection").status == (
        DeadlineStatus.met
    )
    # An approved extension of the rectification deadline moves the re-inspection with it.
    extended = [*events, ev("rectification_due", D(2026, 10, 30))]
    assert one(deadlines(rules, extended, today=D(2026, 10, 6), opened_on=D(2026, 9, 1)), "reinspection").due == D(
        2026, 11, 9
    )


def test_enforcement_window_after_remedy_periods(rules: RuleSet) -> None:
    events = [
        ev("case_filed", D(2025, 3, 3)),
        ev("decision_made", D(2025, 5, 6)),
        ev("fine_imposed", D(2025, 5, 6)),
        ev("decision_served", D(2025, 5, 8)),
    ]
    enf = one(deadlines(rules, events, today=D(2025, 12, 1)), "enforcement_application")
    # 6 months after 05-08 = Sat 11-08 → Mon 11-10 (诉讼期限届满); opens 11-11; + 3 months = 2026-02-10.
    assert enf.opens_on == D(2025, 11, 11)
    assert enf.due == D(2026, 2, 10)
    assert enf.unit == "6个月届满后3个月"
    assert enf.status == DeadlineStatus.pending
    # Applying before the window opens does not count; paying ends the need.
    early = [*events, ev("enforcement_applied", D(2025, 10, 1))]
    assert one(deadlines(rules, early, today=D(2025, 12, 1)), "enforcement_application").satisfied_on is None
    paid = [*events, ev("payment_made", D(2025, 6, 1))]
    assert one(deadlines(rules, paid, today=D(2025, 12, 1)), "enforcement_application").status == (
        DeadlineStatus.not_applicable
    )


def test_simple_procedure_filing_and_scope(rules: RuleSet) -> None:
    events = [ev("onsite_penalty", D(2026, 9, 28)), ev("decision_made", D(2026, 9, 28))]
    result = deadlines(rules, events, today=D(2026, 9, 29), procedure="simple", opened_on=D(2026, 9, 28))
    filing = one(result, "onsite_penalty_filing")
    assert filing.due == D(2026, 10, 8)  # 09-28 + 5 = 10-03 (国庆) → 10-08
    assert "decision_within" not in result and "publication" not in result  # general-procedure rules
    filed = [*events, ev("onsite_penalty_filed", D(2026, 9, 30))]
    assert one(
        deadlines(rules, filed, today=D(2026, 10, 9), procedure="simple", opened_on=D(2026, 9, 28)),
        "onsite_penalty_filing",
    ).status == (DeadlineStatus.met)
    general = deadlines(rules, [ev("case_filed", D(2026, 9, 28))], today=D(2026, 9, 29))
    assert "onsite_penalty_filing" not in general


def test_unknown_year_is_estimated_and_flagged(rules: RuleSet) -> None:
    last = CAL.package_years[1]
    filed = ev("case_filed", D(last, 12, 1))
    item = one(deadlines(rules, [filed], today=D(last, 12, 2)), "decision_within")
    assert item.provisional
    natural = D(last, 12, 1) + dt.timedelta(days=90)  # lands in the unknown year: Monday–Friday estimate
    assert item.due == natural + dt.timedelta(days=max(0, 7 - natural.weekday()) if natural.weekday() >= 5 else 0)
    assert any("no holiday data" in n for n in item.notes)
    # With the year supplied as data the deadline is exact again.
    cal = WorkingCalendar.with_supplements([YearSupplement(last + 1)])
    assert not one(deadlines(rules, [filed], today=D(last, 12, 2), calendar=cal), "decision_within").provisional


# -- events from documents: the demo scenario -------------------------------------------------------


def _iso(value: Any) -> Any:
    """As stored: dates as ISO strings, money as strings, nested rows likewise."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _demo_docs(kind: str) -> tuple[list[DocFacts], str]:
    scenario = yaml.safe_load(DEMO.read_text("utf-8"))
    case = next(c for c in scenario["cases"] if c["kind"] == kind)
    forms = {f.id: f for f in load_catalogue().forms}
    area, org = scenario["organisation"]["area"], scenario["organisation"]["code"]
    docs = []
    steps = [step for step in case["documents"] if not step.get("expect_refused")]
    for i, step in enumerate(steps):
        form = forms[step["form"]]
        date = step["date"]
        # 一案一号: every numbered document of the demo case carries 序号 1 (as the demo issues them).
        number = f"（{area}）{org}{form.code}〔{date.year}〕1号" if form.numbered else ""
        fields = _iso(step.get("fields", {}))
        docs.append(DocFacts(id=i, form_id=form.id, number=number, status="issued", doc_date=date, fields=fields))
    return docs, case.get("procedure", "general")


def test_demo_penalty_case_events(rules: RuleSet) -> None:
    docs, proc = _demo_docs("penalty")
    events = events_from_documents(docs, proc)
    kinds = {(e.kind, e.on) for e in events}
    assert ("case_filed", D(2026, 10, 15)) in kinds
    assert ("notice_served", D(2026, 10, 28)) in kinds
    assert ("hearing_notice_served", D(2026, 10, 28)) in kinds
    assert ("statement_made", D(2026, 10, 30)) in kinds
    assert ("decision_made", D(2026, 11, 6)) in kinds
    assert ("fine_imposed", D(2026, 11, 6)) in kinds
    assert ("decision_served", D(2026, 11, 6)) in kinds
    assert ("payment_made", D(2026, 11, 16)) in kinds  # read from the 执行情况 text of the 结案审批表
    served = next(e for e in events if e.kind == "decision_served")
    assert served.source == "（晋临）应急罚〔2026〕1号"  # matched by 文号
    assert "assumed" not in served.detail
    # No row serves the 告知书 twice, and nothing is assumed: every tracked document has its row.
    assert sum(e.kind == "notice_served" for e in events) == 1
    assert not any("assumed served" in e.detail for e in events)


def test_demo_penalty_case_deadlines(rules: RuleSet) -> None:
    docs, proc = _demo_docs("penalty")
    events = events_from_documents(docs, proc)
    result = deadlines(rules, events, today=D(2026, 11, 20), procedure=proc)

    decision = one(result, "decision_within")
    assert decision.status == DeadlineStatus.met and decision.satisfied_on == D(2026, 11, 6)
    assert decision.due == D(2027, 1, 13)  # 10-15 + 90, a Wednesday
    assert decision.provisional == (CAL.package_years[1] < 2027)

    service = one(result, "decision_service")
    assert (service.due, service.status) == (D(2026, 11, 17), DeadlineStatus.met)

    statement = one(result, "statement_defence")  # 10-28 + 3 = Sat 10-31 → Mon 11-02
    assert (statement.due, statement.status, statement.satisfied_on) == (D(2026, 11, 2), "met", D(2026, 10, 30))

    hearing = one(result, "hearing_request")  # 5 working days after 10-28; not requested (waived)
    assert (hearing.due, hearing.status) == (D(2026, 11, 4), DeadlineStatus.lapsed)
    assert one(result, "hearing_notice_lead").status == DeadlineStatus.not_applicable

    publication = one(result, "publication")  # decision Fri 11-06 + 7 working days
    assert publication.due == D(2026, 11, 17)
    assert (publication.status, publication.days_left) == (DeadlineStatus.overdue, -3)  # nothing published yet
    published = [*events, ev("published", D(2026, 11, 10))]
    assert one(deadlines(rules, published, today=D(2026, 11, 20)), "publication").status == DeadlineStatus.met

    payment = one(result, "fine_payment")  # served 11-06 + 15 = Sat 11-21 → Mon 11-23; paid 11-16
    assert (payment.due, payment.status, payment.satisfied_on) == (D(2026, 11, 23), "met", D(2026, 11, 16))

    enforcement = one(result, "enforcement_application")
    assert enforcement.status == DeadlineStatus.not_applicable  # the fine was paid
    unpaid = [e for e in events if e.kind != "payment_made"]
    window = one(deadlines(rules, unpaid, today=D(2026, 11, 20)), "enforcement_application")
    # Served 2026-11-06: litigation period to 2027-05-06 (later moved if a rest day); + 3 months.
    assert window.opens_on is not None and D(2027, 5, 7) <= window.opens_on <= D(2027, 5, 12)
    assert window.due is not None and D(2027, 8, 6) <= window.due <= D(2027, 8, 11)
    assert window.status == DeadlineStatus.pending
    if CAL.package_years[1] < 2027:  # estimated on Monday–Friday until the 2027 arrangement is known
        assert (window.opens_on, window.due, window.provisional) == (D(2027, 5, 7), D(2027, 8, 6), True)


def test_demo_inspection_chain(rules: RuleSet) -> None:
    docs, proc = _demo_docs("inspection")
    events = events_from_documents(docs, proc)
    assert [(e.kind, e.on) for e in events] == [
        ("plan_made", D(2026, 10, 12)),
        ("inspection_scheduled", D(2026, 10, 14)),
        ("rectification_due", D(2026, 10, 31)),
        ("reinspected", D(2026, 11, 3)),
    ]
    result = deadlines(rules, events, today=D(2026, 11, 20), opened_on=docs[0].doc_date)
    re = one(result, "reinspection")
    assert (re.due, re.status) == (D(2026, 11, 10), DeadlineStatus.met)
    # seed 003 第九条: the plan (made Mon 10-12) for an inspection on Wed 10-14 — 2 working days ahead, met.
    lead = one(result, "plan_lead")
    assert (lead.due, lead.status) == (D(2026, 10, 12), DeadlineStatus.met)
    late_plan = [e for e in events if e.kind != "plan_made"] + [ev("plan_made", D(2026, 10, 13))]
    late = one(deadlines(rules, late_plan, today=D(2026, 11, 20), opened_on=docs[0].doc_date), "plan_lead")
    assert late.status == DeadlineStatus.met_late  # made the day before: too late


def test_legal_review_within_three_working_days(rules: RuleSet) -> None:
    """seed 003 第十二条: 法制机构 gives its opinion within 3 working days of receiving the case."""
    sent = [ev("case_filed", D(2026, 10, 9)), ev("legal_review_requested", D(2026, 10, 23))]  # a Friday
    waiting = one(deadlines(rules, sent, today=D(2026, 10, 27)), "legal_review")
    assert (waiting.due, waiting.status) == (D(2026, 10, 28), DeadlineStatus.due_soon)  # warned a day ahead
    late = one(
        deadlines(rules, [*sent, ev("legal_review_made", D(2026, 10, 30))], today=D(2026, 11, 2)), "legal_review"
    )
    assert late.status == DeadlineStatus.met_late
    assert (
        one(deadlines(rules, sent[:1], today=D(2026, 10, 27)), "legal_review").status == DeadlineStatus.not_applicable
    )


def _receipt(rows: list[dict[str, str]], number: str = "（晋临）应急回〔2026〕3号") -> DocFacts:
    return DocFacts(
        id=90,
        form_id="service_receipt",
        number=number,
        status="issued",
        doc_date=D(2026, 5, 20),
        fields={"deliveries": rows},
    )


def test_service_rows_matched_by_number_name_and_fallback() -> None:
    notice = DocFacts(
        id=1, form_id="penalty_notice", number="（晋临）应急罚告〔2026〕3号", status="issued", doc_date=D(2026, 5, 11)
    )
    hearing = DocFacts(
        id=2, form_id="hearing_notice", number="（晋临）应急听告〔2026〕3号", status="issued", doc_date=D(2026, 5, 11)
    )
    decision = DocFacts(
        id=3,
        form_id="penalty_decision_org",
        number="（晋临）应急罚〔2026〕3号",
        status="issued",
        doc_date=D(2026, 5, 18),
        fields={"fine": "2000"},
    )
    voided = DocFacts(
        id=4,
        form_id="penalty_decision_org",
        number="（晋临）应急罚〔2026〕2号",
        status="voided",
        doc_date=D(2026, 5, 15),
    )
    rows = [
        # Half-width brackets and no name: matched by the 文号 all the same.
        {"document": "(晋临)应急罚告[2026]3号", "date": "2026-05-12"},
        # Name only: 听证告知书 (not the shorter 告知书 of the penalty notice).
        {"document": "行政处罚听证告知书", "date": "2026-05-13"},
        # Serving a voided decision starts nothing.
        {"document": "行政处罚决定书（（晋临）应急罚〔2026〕2号）", "date": "2026-05-16"},
        # Another kind of 决定书 is not a penalty decision.
        {"document": "查封扣押决定书", "date": "2026-05-16"},
    ]
    events = events_from_documents([notice, hearing, decision, voided, _receipt(rows)], "general")
    got = {(e.kind, e.on, e.source) for e in events}
    assert ("notice_served", D(2026, 5, 12), notice.number) in got
    assert ("hearing_notice_served", D(2026, 5, 13), hearing.number) in got
    # The decision has no row: assumed served on its own date, and said so.
    (served,) = [e for e in events if e.kind == "decision_served"]
    assert (served.on, served.source) == (D(2026, 5, 18), decision.number)
    assert "assumed served on its date" in served.detail
    assert not any(e.source == voided.number for e in events)


def test_drafts_voids_extras_and_simple_procedure() -> None:
    draft = DocFacts(id=1, form_id="case_filing_approval", number="", status="draft", doc_date=D(2026, 5, 1))
    onsite = DocFacts(
        id=2,
        form_id="onsite_penalty_decision_person",
        number="（晋临）应急罚当〔2026〕4号",
        status="issued",
        doc_date=D(2026, 5, 6),
        fields={"fine": "200", "payment_method": "当场缴纳"},
    )
    extension = DocFacts(
        id=3,
        form_id="case_extension_approval",
        number="（晋临）应急案延〔2026〕1号",
        status="issued",
        doc_date=D(2026, 7, 1),
        fields={"extend_to": "2026-09-30"},
    )
    published = CaseEvent("published", D(2026, 5, 7), "公示网站", "")
    events = events_from_documents([draft, onsite, extension], "simple", extra=[published])
    kinds = [(e.kind, e.on) for e in events]
    assert ("case_filed", D(2026, 5, 1)) not in kinds
    for kind in ("onsite_penalty", "decision_made", "decision_served", "fine_imposed", "payment_made"):
        assert (kind, D(2026, 5, 6)) in kinds
    assert ("published", D(2026, 5, 7)) in kinds
    (ext,) = [e for e in events if e.kind == "extension_approved"]
    assert ext.until == D(2026, 9, 30)
    # In a general case the 当场 mapping does not apply.
    assert not any(e.kind == "onsite_penalty" for e in events_from_documents([onsite], "general"))
    with pytest.raises(UnknownEventKind):
        events_from_documents([], "general", extra=[CaseEvent("posted", D(2026, 5, 7), "x")])


def test_deadline_to_dict_is_json_ready(rules: RuleSet) -> None:
    import json

    events = [ev("case_filed", D(2026, 3, 2)), ev("notice_served", D(2026, 3, 4))]
    result = compute_deadlines(events, rules, procedure="general", opened_on=D(2026, 3, 2), today=D(2026, 3, 4))
    text = json.dumps([d.to_dict() for d in result], ensure_ascii=False)
    assert '"statement_defence"' in text and '"2026-03-09"' in text


def test_exported_names() -> None:
    assert set(procedure.__all__) >= {
        "CaseEvent",
        "Deadline",
        "DocFacts",
        "WorkingCalendar",
        "compute_deadlines",
        "events_from_documents",
        "load_rules",
        "rules_in_force",
    }
    for name in procedure.__all__:
        assert hasattr(procedure, name), name
