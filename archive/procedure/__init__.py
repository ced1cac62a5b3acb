"""Procedure (程序): what the law requires of a case, checked from its documents.

Other parts of the package (gates, approval steps) are added beside the deadline names below; keep
each group's imports together and extend ``__all__`` with them. ``.stored`` (facts from database
rows) and ``.service`` (the service users call) are imported by their callers, not here: the names
below are pure rules, with no database behind them.
"""

# ── Deadlines (程序时限): working-day calendar, rules as data, events → deadlines ──────────────────
from .calendar import CalendarUnknownYear, WorkingCalendar, YearSupplement, add_months
from .deadlines import (
    CaseEvent,
    Deadline,
    DeadlineRule,
    DeadlineRulesError,
    DeadlineStatus,
    DocumentEventSpec,
    EventKindSpec,
    Offset,
    RuleSet,
    ServiceSpec,
    UnknownEventKind,
    calendar_for,
    compute_deadlines,
    events_from_documents,
    load_rules,
    rules_in_force,
)

# ── Facts (案件事实): the one model of a case's documents that the gates and the deadlines read ────────
from .facts import CaseFacts, DocFacts, PartyKind, replay
from .service_dates import ReceiptTable, ServiceRow, service_rows

__all__ = [
    # deadlines
    "CalendarUnknownYear",
    "CaseEvent",
    "Deadline",
    "DeadlineRule",
    "DeadlineRulesError",
    "DeadlineStatus",
    "DocumentEventSpec",
    "EventKindSpec",
    "Offset",
    "RuleSet",
    "ServiceSpec",
    "UnknownEventKind",
    "WorkingCalendar",
    "YearSupplement",
    "add_months",
    "calendar_for",
    "compute_deadlines",
    "events_from_documents",
    "load_rules",
    "rules_in_force",
]

# ── Gates (文书签发前置条件): each form's prerequisites as data, checked before issuing ──────────────
from .gates import (
    GateFinding,
    GateRefused,
    GateRules,
    GatesError,
    check_gates,
    default_is_workday,
    hearing_threshold_reached,
    load_gates,
    penalty_kinds_in,
)

__all__ += [  # gates
    "GateFinding",
    "GateRefused",
    "GateRules",
    "GatesError",
    "check_gates",
    "default_is_workday",
    "hearing_threshold_reached",
    "load_gates",
    "penalty_kinds_in",
]

__all__ += [  # facts
    "CaseFacts",
    "DocFacts",
    "PartyKind",
    "ReceiptTable",
    "ServiceRow",
    "replay",
    "service_rows",
]
