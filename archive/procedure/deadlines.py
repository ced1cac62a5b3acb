"""程序时限 (procedural deadlines): case events from documents, rules as data, deadlines with a status.

Pure domain logic — plain dataclasses in and out, no database, no HTTP:

1. :func:`events_from_documents` turns a case's documents (:class:`~.facts.DocFacts`, as stored) into
   :class:`CaseEvent` s (立案, 送达, 决定, 整改期限 …). Which form yields which event, from which field,
   is data (``document_events`` and ``services`` in ``deadlines.yaml``), not code.
2. :func:`load_rules` reads and validates ``deadlines.yaml`` (:class:`RuleSet`); :func:`rules_in_force`
   picks, per rule id, the version in force on a date — a case follows the versions in force when it
   was opened, so 部令18号 (2026-02-01) is added as new versions without touching older cases.
3. :func:`compute_deadlines` applies the rules to the events on a :class:`WorkingCalendar` and reports
   one :class:`Deadline` per rule (and per trigger where a rule says ``instances: each``). Like a
   sanity checker it reports rather than raises: a due date in a year the calendar does not know is
   estimated and marked ``provisional``; only misuse (an unknown event kind) raises.

Statuses (:class:`DeadlineStatus`): ``met`` (done by the due date), ``met_late``, ``pending``,
``due_soon`` (within the rule's ``warn_days``), ``overdue`` (a duty missed), ``lapsed`` (a party's
window — 陈述申辩, 听证申请 — ran out unused: not a fault of anyone), ``not_applicable`` (not
triggered yet, a required event is missing, or cancelled, e.g. enforcement after payment).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..catalogue import Catalogue, Procedure, load_catalogue
from ..datafile import load_rules_file, validate
from ..errors import ArchiveError
from .calendar import CalendarUnknownYear, WorkingCalendar, YearSupplement
from .facts import DocFacts
from .service_dates import ReceiptTable, as_date, normalise, receipt_table_problems, service_rows

__all__ = [
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
    "calendar_for",
    "compute_deadlines",
    "events_from_documents",
    "load_rules",
    "rules_in_force",
]

PACKAGE = "anjuan.archive.procedure"
RULES_FILE = "deadlines.yaml"
DOC_DATE = "doc_date"  # date source: the document's own date (文书日期)


class DeadlineRulesError(ArchiveError):
    """``deadlines.yaml`` is unreadable or invalid (code ``deadline_rules_invalid``)."""

    code = "deadline_rules_invalid"


class UnknownEventKind(ArchiveError):
    """An event passed in has a kind the rule set does not define (code ``unknown_event_kind``)."""

    code = "unknown_event_kind"


# -- plain data in and out ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEvent:
    """案件事件: something that happened in a case on a date, and where we know it from."""

    kind: str  # an event kind of the rule set (case_filed, decision_served …)
    on: dt.date
    source: str  # the document's 文号 (or id when it has none), or the caller's reference
    detail: str = ""  # human-readable: which document, which receipt row, whether the date is assumed
    until: dt.date | None = None  # a date the event sets, e.g. 案件延期审批表 延期至

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "on": self.on.isoformat(),
            "source": self.source,
            "detail": self.detail,
            "until": self.until.isoformat() if self.until else None,
        }


class DeadlineStatus(StrEnum):
    met = "met"  # 按期完成
    met_late = "met_late"  # 逾期完成
    pending = "pending"  # 未到期
    due_soon = "due_soon"  # 即将到期（预警）
    overdue = "overdue"  # 已逾期
    lapsed = "lapsed"  # 期满未行使（当事人权利期间）
    not_applicable = "not_applicable"  # 不适用 / 尚未开始


@dataclass(frozen=True)
class Deadline:
    """One computed time limit of a case (期限)."""

    rule_id: str
    name: str
    name_en: str
    due: dt.date | None  # None when not triggered (status not_applicable)
    status: DeadlineStatus
    trigger_event: CaseEvent | None
    satisfied_on: dt.date | None
    basis: str
    confidence: str  # V / R / ?
    days_left: int | None  # due − today while running (negative when overdue); None once settled
    unit: str  # 7个工作日, 15日, 3个月, 提前7个工作日 …
    unit_en: str
    kind: str = "duty"  # duty | window
    obligor: str = "agency"  # agency (本机关) | party (当事人)
    opens_on: dt.date | None = None  # first day the act is allowed (申请强制执行 after the remedy periods)
    satisfied_source: str = ""
    provisional: bool = False  # the due date is estimated: the calendar lacks that year's holidays
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "name_en": self.name_en,
            "due": self.due.isoformat() if self.due else None,
            "status": str(self.status),
            "trigger_event": self.trigger_event.to_dict() if self.trigger_event else None,
            "satisfied_on": self.satisfied_on.isoformat() if self.satisfied_on else None,
            "satisfied_source": self.satisfied_source,
            "basis": self.basis,
            "confidence": self.confidence,
            "days_left": self.days_left,
            "unit": self.unit,
            "unit_en": self.unit_en,
            "kind": self.kind,
            "obligor": self.obligor,
            "opens_on": self.opens_on.isoformat() if self.opens_on else None,
            "provisional": self.provisional,
            "notes": list(self.notes),
        }


# -- the rule file's schema ---------------------------------------------------------------------

_ID = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Offset(_Model):
    """A period: exactly one of natural ``days``, ``working_days`` or ``months``; negative = before."""

    days: int | None = None
    working_days: int | None = None
    months: int | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> Offset:
        given = [v for v in (self.days, self.working_days, self.months) if v is not None]
        if len(given) != 1:
            raise ValueError("an offset needs exactly one of days, working_days, months")
        if given[0] == 0:
            raise ValueError("an offset of 0 is not a period")
        return self

    @property
    def unit(self) -> str:
        return "days" if self.days is not None else "working_days" if self.working_days is not None else "months"

    @property
    def value(self) -> int:
        return next(v for v in (self.days, self.working_days, self.months) if v is not None)

    def describe(self) -> tuple[str, str]:
        """Chinese and English display text: ("7个工作日", "7 working days"); negative → "提前…"."""
        n = abs(self.value)
        zh = {"days": f"{n}日", "working_days": f"{n}个工作日", "months": f"{n}个月"}[self.unit]
        en_unit = {"days": "day", "working_days": "working day", "months": "month"}[self.unit]
        en = f"{n} {en_unit}{'' if n == 1 else 's'}"
        if self.value < 0:
            return f"提前{zh}", f"{en} before"
        return zh, en

    def apply(self, d: dt.date, calendar: WorkingCalendar, *, extend_over_holiday: bool) -> dt.date:
        if self.unit == "working_days":
            return calendar.add_working_days(d, self.value)
        if self.unit == "months":
            return calendar.add_months(d, self.value, extend_over_holiday=extend_over_holiday)
        return calendar.add_days(d, self.value, extend_over_holiday=extend_over_holiday)


class EventKindSpec(_Model):
    id: str = Field(pattern=_ID)
    name: str
    name_en: str
    extra: bool = False  # not produced by any document; the caller passes it in


class FieldCondition(_Model):
    """The event arises only if ``field`` is a positive amount, one of the listed choices, or a
    ticked yes/no field (``checked: true``)."""

    field: str
    positive: bool = False
    one_of: list[str] | None = None
    checked: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> FieldCondition:
        if sum((self.positive, self.one_of is not None, self.checked)) != 1:
            raise ValueError("a condition needs exactly one of positive: true, one_of or checked: true")
        return self

    def holds(self, value: Any) -> bool:
        if self.positive:
            return _positive(value)
        if self.checked:
            return value is True
        return str(value or "") in (self.one_of or [])


class DocumentEventSpec(_Model):
    """文书 → 事件: documents of ``form`` yield ``event`` dated from the first usable ``date`` source."""

    form: str
    event: str
    date: list[str] = Field(default_factory=lambda: [DOC_DATE], min_length=1)
    until: str | None = None
    when: FieldCondition | None = None
    procedures: list[Procedure] = Field(default_factory=lambda: [Procedure.general, Procedure.simple])
    detail: str = ""


class ServedSpec(_Model):
    event: str
    forms: list[str] = Field(min_length=1)
    names: list[str] = Field(min_length=1)


class ServiceSpec(ReceiptTable):
    """送达回执: which table and columns hold the deliveries (``table``, ``document_column``, ``date_column``:
    see :class:`~.service_dates.ReceiptTable`, the description the gates share), and which documents
    they serve."""

    receipt_forms: list[str] = Field(min_length=1)
    served: list[ServedSpec]

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(self.receipt_forms)


class SupplementYear(_Model):
    year: int
    source: str = ""
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)


class DeadlineRule(_Model):
    """One version of a time-limit rule (see the conventions at the top of ``deadlines.yaml``)."""

    id: str = Field(pattern=_ID)
    name: str
    name_en: str
    trigger: str
    instances: Literal["first", "last", "each"] = "first"
    after: Offset | None = None
    offset: Offset
    extend_over_holiday: bool
    satisfied_by: list[str] = Field(default_factory=list)
    satisfied_before_trigger: bool = False
    requires: list[str] = Field(default_factory=list)
    cancelled_by: list[str] = Field(default_factory=list)
    extended_by: str | None = None
    extension_limit: Offset | None = None
    applies_to: list[Procedure] = Field(min_length=1)
    kind: Literal["duty", "window"] = "duty"
    obligor: Literal["agency", "party"] = "agency"
    warn_days: int = Field(ge=0)
    basis: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    confidence: Literal["V", "R", "?"]
    notes: str = ""

    @field_validator("basis", "name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _coherent(self) -> DeadlineRule:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        if self.extend_over_holiday and self.offset.unit == "working_days":
            raise ValueError(
                "extend_over_holiday applies to days/months offsets; a working-day count never ends on a rest day"
            )
        if self.offset.value < 0:
            if self.extend_over_holiday:
                raise ValueError("a negative (not-later-than) offset cannot move forward over a holiday")
            if self.after is not None:
                raise ValueError("a negative offset cannot follow an `after` period")
            if self.satisfied_before_trigger:
                raise ValueError("satisfied_before_trigger is implied by a negative offset")
        if self.after is not None and self.after.value < 0:
            raise ValueError("`after` must be a positive period")
        if self.extension_limit is not None:
            if self.extended_by is None:
                raise ValueError("extension_limit needs extended_by")
            if self.extension_limit.value <= 0:
                raise ValueError("extension_limit must be a positive period")
        if not self.satisfied_by and self.kind == "duty":
            raise ValueError("a duty needs satisfied_by (the events that fulfil it)")
        return self

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def event_kinds(self) -> list[str]:
        kinds = [self.trigger, *self.satisfied_by, *self.requires, *self.cancelled_by]
        return kinds + ([self.extended_by] if self.extended_by else [])


class RuleSet(_Model):
    """The validated ``deadlines.yaml``."""

    version: int
    calendar_supplement: list[SupplementYear] = Field(default_factory=list)
    event_kinds: list[EventKindSpec] = Field(min_length=1)
    document_events: list[DocumentEventSpec]
    services: ServiceSpec
    rules: list[DeadlineRule]

    def kind_names(self) -> dict[str, EventKindSpec]:
        return {k.id: k for k in self.event_kinds}


# -- loading --------------------------------------------------------------------------------------


def _problem(label: str, zh: str, en: str, **details: Any) -> DeadlineRulesError:
    return DeadlineRulesError(
        f"{label} 校验失败：{zh}", f"{label} is invalid: {en}", details={"file": label, **details}
    )


def _check(rules: RuleSet, catalogue: Catalogue, label: str) -> None:
    kinds = rules.kind_names()
    if len(kinds) != len(rules.event_kinds):
        dupes = sorted({k.id for k in rules.event_kinds if [x.id for x in rules.event_kinds].count(k.id) > 1})
        raise _problem(label, f"事件类型重复：{dupes}", f"duplicate event kinds: {dupes}", event_kinds=dupes)

    def known(kind: str, where: str) -> None:
        if kind not in kinds:
            raise _problem(
                label,
                f"{where}：未知事件类型 {kind!r}",
                f"{where}: unknown event kind {kind!r} (known: {sorted(kinds)})",
                event_kind=kind,
            )

    forms = {f.id: f for f in catalogue.forms}

    def form_field(form_id: str, field_id: str, where: str) -> None:
        spec = forms[form_id]
        if field_id not in {f.id for f in spec.fields}:
            raise _problem(
                label,
                f"{where}：文书 {form_id} 没有字段 {field_id!r}",
                f"{where}: form {form_id} has no field {field_id!r}",
                form=form_id,
                field=field_id,
            )

    def known_form(form_id: str, where: str) -> None:
        if form_id not in forms:
            raise _problem(label, f"{where}：未知文书 {form_id!r}", f"{where}: unknown form {form_id!r}", form=form_id)

    for i, spec in enumerate(rules.document_events):
        where = f"document_events[{i}:{spec.form}→{spec.event}]"
        known(spec.event, where)
        known_form(spec.form, where)
        for source in spec.date:
            if source != DOC_DATE:
                form_field(spec.form, source, where)
        if spec.until:
            form_field(spec.form, spec.until, where)
        if spec.when:
            form_field(spec.form, spec.when.field, where)

    svc = rules.services
    # The same check as the gates' `service` (one description of the receipt table); like every
    # section here, the first problem is reported.
    problems = receipt_table_problems(svc, forms)
    if problems:
        zh, en = problems[0]
        raise _problem(label, f"services：{zh}", f"services: {en}")
    for served in svc.served:
        known(served.event, f"services.served[{served.event}]")
        for form_id in served.forms:
            known_form(form_id, f"services.served[{served.event}]")

    for rule in rules.rules:
        for kind in rule.event_kinds():
            known(kind, f"rules[{rule.id}]")

    by_id: dict[str, list[DeadlineRule]] = {}
    for rule in rules.rules:
        by_id.setdefault(rule.id, []).append(rule)
    for rule_id, versions in by_id.items():
        versions.sort(key=lambda r: r.effective_from)
        for prev, nxt in itertools.pairwise(versions):
            if prev.effective_to is None or prev.effective_to >= nxt.effective_from:
                raise _problem(
                    label,
                    f"规则 {rule_id}：版本有效期重叠（{prev.effective_from} 与 {nxt.effective_from}）",
                    f"rule {rule_id}: versions overlap ({prev.effective_from} and {nxt.effective_from})",
                    rule=rule_id,
                )

    years = [s.year for s in rules.calendar_supplement]
    if len(set(years)) != len(years):
        raise _problem(label, "calendar_supplement：年份重复", "calendar_supplement: a year is given twice")
    for sup in rules.calendar_supplement:
        try:
            YearSupplement(sup.year, frozenset(sup.holidays), frozenset(sup.workdays), sup.source)
        except ValueError as exc:
            raise _problem(label, f"calendar_supplement：{exc}", f"calendar_supplement: {exc}") from None


def _build(data: Any, label: str, catalogue: Catalogue) -> RuleSet:
    rules = validate(RuleSet, data, label, DeadlineRulesError, keys=("id", "form", "event"))
    _check(rules, catalogue, label)
    return rules


def load_rules(path: Path | None = None, *, catalogue: Catalogue | None = None) -> RuleSet:
    """The validated rule set; ``path=None`` loads (once, cached) the packaged ``deadlines.yaml``.

    Forms and fields named by the event mapping are checked against ``catalogue`` (default: the
    packaged catalogue). Problems raise :class:`DeadlineRulesError` naming the file and the entry.
    """
    path = None if path is None else Path(path)
    return load_rules_file(PACKAGE, RULES_FILE, path, DeadlineRulesError, _build, context=catalogue or load_catalogue())


def rules_in_force(rules: RuleSet, on: dt.date) -> dict[str, DeadlineRule]:
    """Per rule id, the version in force on ``on`` (ids with no version in force are left out)."""
    if isinstance(on, dt.datetime):
        on = on.date()
    return {rule.id: rule for rule in rules.rules if rule.in_force(on)}


def calendar_for(rules: RuleSet) -> WorkingCalendar:
    """The working calendar with the rule set's ``calendar_supplement`` years added."""
    return WorkingCalendar.with_supplements(
        YearSupplement(s.year, frozenset(s.holidays), frozenset(s.workdays), s.source)
        for s in rules.calendar_supplement
    )


# -- documents → events ---------------------------------------------------------------------------


def _positive(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return Decimal(str(value).replace(",", "").replace("，", "").strip()) > 0
    except InvalidOperation:
        return False


def _form_names() -> dict[str, str]:
    return {f.id: f.name for f in load_catalogue().forms}


def _dated(doc: DocFacts) -> dt.date:
    # events_from_documents passes only dated documents on: an issued document has its 文书日期.
    assert doc.doc_date is not None
    return doc.doc_date


def _served_events(
    docs: Sequence[DocFacts], voided_numbers: set[str], rules: RuleSet, names: Mapping[str, str]
) -> list[CaseEvent]:
    svc = rules.services
    event_of_form = {form: s.event for s in svc.served for form in s.forms}
    tracked = sorted((d for d in docs if d.form_id in event_of_form), key=lambda d: (_dated(d), str(d.id)))
    by_number = {normalise(d.number): d for d in docs if d.number}
    # Longest name first, so 行政处罚听证告知书 wins over 告知书-like shorter names.
    name_table = sorted(((normalise(n), s) for s in svc.served for n in s.names), key=lambda p: -len(p[0]))
    served_ids: set[int] = set()
    out: list[CaseEvent] = []

    # Issued documents' numbers first: a number both issued and voided names the issued document.
    for row in service_rows(docs, svc, (*by_number, *voided_numbers)):
        on = row.on or _dated(row.receipt)
        assumed = row.on is None
        # 1. by 文号: the most reliable link from a row to a document (the longest number found wins).
        if row.number is not None and row.number not in by_number:
            continue  # the row serves a voided document: it starts no period
        target: DocFacts | None = None
        event: str | None = None
        if row.number is not None:
            target = by_number[row.number]
            event = event_of_form.get(target.form_id)
            if event is None:
                continue  # a document we do not track (询问通知书 …)
        else:
            # 2. by name: the earliest tracked document of that kind not yet served, dated by then.
            spec = next((s for n, s in name_table if n in row.normalised), None)
            if spec is None:
                continue
            event = spec.event
            target = next(
                (d for d in tracked if d.form_id in spec.forms and d.id not in served_ids and _dated(d) <= on),
                None,
            )
        if target is not None:
            served_ids.add(target.id)
        detail = f"送达回执 {row.receipt.ref}：{row.text}" + (f"，{row.method}" if row.method else "")
        detail += f"，收件人 {row.receiver}" if row.receiver else ""
        if assumed:
            detail += "；送达日期未填，按回执日期推定 / service date missing, receipt date assumed"
        out.append(CaseEvent(event, on, target.ref if target else row.text, detail))

    for doc in tracked:
        if doc.id not in served_ids:
            out.append(
                CaseEvent(
                    event_of_form[doc.form_id],
                    _dated(doc),
                    doc.ref,
                    f"{names.get(doc.form_id, doc.form_id)} {doc.number_text}：未见送达记录，按文书日期推定送达"
                    " / assumed served on its date",
                )
            )
    return out


def events_from_documents(
    docs: Sequence[DocFacts],
    procedure: str,
    *,
    rules: RuleSet | None = None,
    extra: Sequence[CaseEvent] = (),
) -> list[CaseEvent]:
    """The case's events derived from its issued documents (plus ``extra`` ones), sorted by date.

    Drafts and voided documents produce nothing, and a 送达回执 row naming a voided document's 文号
    starts no period. ``extra`` carries events no document records yet (``published``,
    ``hearing_requested``, ``onsite_penalty_filed``); their kinds are checked.
    """
    rules = rules or load_rules()
    proc = Procedure(procedure)
    names = _form_names()
    kinds = rules.kind_names()
    # An issued document always has its 文书日期 (issuing sets it); one without could not be placed in time.
    issued = [d for d in docs if d.status == "issued" and d.doc_date is not None]
    voided_numbers = {normalise(d.number) for d in docs if d.status == "voided" and d.number}
    out: list[CaseEvent] = []

    for doc in issued:
        for spec in rules.document_events:
            if spec.form != doc.form_id or proc not in spec.procedures:
                continue
            if spec.when is not None and not spec.when.holds(doc.fields.get(spec.when.field)):
                continue
            on: dt.date | None = None
            assumed = False
            for i, source in enumerate(spec.date):
                if source == DOC_DATE:
                    on, assumed = doc.doc_date, i > 0
                else:
                    on = as_date(doc.fields.get(source), text=True)
                if on is not None:
                    break
            if on is None:
                continue  # e.g. a 责改 without 整改期限: nothing to count from
            until = as_date(doc.fields.get(spec.until), text=False) if spec.until else None
            detail = f"{names.get(doc.form_id, doc.form_id)} {doc.number_text}".strip()
            if spec.detail:
                detail += f"：{spec.detail}"
            if assumed:
                detail += "；日期未见于字段，按文书日期推定 / date assumed from the document date"
            out.append(CaseEvent(spec.event, on, doc.ref, detail, until))

    out.extend(_served_events(issued, voided_numbers, rules, names))
    for event in extra:
        if event.kind not in kinds:
            raise _unknown_kind(event.kind, kinds)
        out.append(event)
    return sorted(out, key=lambda e: (e.on, e.kind, e.source))


def _unknown_kind(kind: str, kinds: Mapping[str, EventKindSpec]) -> UnknownEventKind:
    return UnknownEventKind(
        f"未知事件类型 {kind!r}",
        f"unknown event kind {kind!r}",
        details={"event_kind": kind, "known": sorted(kinds)},
    )


# -- events → deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Computed:
    due: dt.date
    opens_on: dt.date | None
    notes: tuple[str, ...]


def _due(rule: DeadlineRule, trigger: CaseEvent, events: Sequence[CaseEvent], cal: WorkingCalendar) -> _Computed:
    notes: list[str] = []
    start = trigger.on
    opens_on = None
    if rule.after is not None:
        # e.g. 诉讼期限 6 个月 must run out first; the act is allowed from the next day on.
        start = rule.after.apply(trigger.on, cal, extend_over_holiday=rule.extend_over_holiday)
        opens_on = start + dt.timedelta(days=1)
    due = rule.offset.apply(start, cal, extend_over_holiday=rule.extend_over_holiday)
    if rule.extended_by:
        extensions = [e for e in events if e.kind == rule.extended_by and e.on >= trigger.on]
        if extensions:
            ext = max(extensions, key=lambda e: e.on)  # the latest approval governs
            cap = (
                rule.extension_limit.apply(trigger.on, cal, extend_over_holiday=rule.extend_over_holiday)
                if rule.extension_limit
                else None
            )
            new = ext.until or cap
            if new is None:
                notes.append(f"延期批准 {ext.source} 未写明延期至，未延长 / extension without a date ignored")
            else:
                if cap is not None and new > cap:
                    zh, en = rule.extension_limit.describe() if rule.extension_limit else ("", "")
                    notes.append(
                        f"延期至 {new} 超过上限（{zh}），按 {cap} 计 / extension to {new} capped at {cap} ({en})"
                    )
                    new = cap
                if new > due:
                    notes.append(f"经 {ext.source} 批准延期至 {new} / extended to {new} by {ext.source}")
                    due = new
    return _Computed(due, opens_on, tuple(notes))


def _satisfaction(
    rule: DeadlineRule, trigger: CaseEvent, opens_on: dt.date | None, events: Sequence[CaseEvent]
) -> CaseEvent | None:
    """The event that fulfils the rule for this trigger, if any."""
    candidates = [e for e in events if e.kind in rule.satisfied_by]
    if rule.offset.value < 0:
        # Not-later-than: the latest qualifying act up to the trigger (the notice that set this hearing).
        before = [e for e in candidates if e.on <= trigger.on]
        return max(before, key=lambda e: e.on) if before else None
    if not rule.satisfied_before_trigger:
        lower = opens_on or trigger.on
        candidates = [e for e in candidates if e.on >= lower]
    return min(candidates, key=lambda e: e.on) if candidates else None


def _unit(rule: DeadlineRule) -> tuple[str, str]:
    """Display text of the period: "7个工作日", "6个月届满后3个月" (and English)."""
    unit, unit_en = rule.offset.describe()
    if rule.after is not None:
        a_zh, a_en = rule.after.describe()
        unit, unit_en = f"{a_zh}届满后{unit}", f"{unit_en} after {a_en} have run"
    return unit, unit_en


def _unsettled(rule: DeadlineRule, trigger: CaseEvent | None, note: str) -> Deadline:
    """A rule that does not run in this case (yet): no due date."""
    unit, unit_en = _unit(rule)
    return Deadline(
        rule_id=rule.id,
        name=rule.name,
        name_en=rule.name_en,
        due=None,
        status=DeadlineStatus.not_applicable,
        trigger_event=trigger,
        satisfied_on=None,
        basis=rule.basis,
        confidence=rule.confidence,
        days_left=None,
        unit=unit,
        unit_en=unit_en,
        kind=rule.kind,
        obligor=rule.obligor,
        notes=(note,),
    )


def compute_deadlines(
    events: Sequence[CaseEvent],
    rules: RuleSet,
    *,
    procedure: str,
    opened_on: dt.date,
    today: dt.date,
    calendar: WorkingCalendar | None = None,
) -> list[Deadline]:
    """The case's deadlines under the rule versions in force on ``opened_on``, sorted by due date.

    ``procedure`` (general/simple) keeps only the rules that apply to it. Rules whose trigger has not
    happened (or whose ``requires`` events are missing) are reported ``not_applicable`` with no due
    date, so the caller sees the whole procedure. A due date falling in a year the calendar does not
    know is estimated on a Monday–Friday basis and marked ``provisional`` with a note.
    """
    proc = Procedure(procedure)
    cal = calendar or calendar_for(rules)
    kinds = rules.kind_names()
    for event in events:
        if event.kind not in kinds:
            raise _unknown_kind(event.kind, kinds)
    ordered = sorted(events, key=lambda e: (e.on, e.kind, e.source))
    out: list[Deadline] = []

    for rule in sorted(rules_in_force(rules, opened_on).values(), key=lambda r: r.id):
        if proc not in rule.applies_to:
            continue
        unit, unit_en = _unit(rule)
        triggers = [e for e in ordered if e.kind == rule.trigger]
        if not triggers:
            name = kinds[rule.trigger]
            out.append(_unsettled(rule, None, f"尚未发生：{name.name} / not yet: {name.name_en}"))
            continue
        missing = [k for k in rule.requires if not any(e.kind == k for e in ordered)]
        if missing:
            zh = "、".join(kinds[k].name for k in missing)
            en = ", ".join(kinds[k].name_en for k in missing)
            out.append(_unsettled(rule, triggers[0], f"不适用：无{zh} / not applicable: no {en}"))
            continue
        chosen = {"first": triggers[:1], "last": [max(triggers, key=lambda e: e.on)], "each": triggers}[rule.instances]

        for trigger in chosen:
            provisional = False
            try:
                computed = _due(rule, trigger, ordered, cal)
            except CalendarUnknownYear as exc:
                # Keep the deadline visible rather than failing the whole case; say plainly it is an estimate.
                computed = _due(rule, trigger, ordered, cal.lenient())
                provisional = True
                year = exc.details.get("year")
                computed = _Computed(
                    computed.due,
                    computed.opens_on,
                    (
                        *computed.notes,
                        f"工作日历缺少 {year} 年放假安排，到期日按周一至周五估算 / "
                        f"no holiday data for {year}: due date estimated on a Monday–Friday basis",
                    ),
                )
            notes = computed.notes
            sat = _satisfaction(rule, trigger, computed.opens_on, ordered)
            days_left: int | None = None
            if sat is not None:
                status = DeadlineStatus.met if sat.on <= computed.due else DeadlineStatus.met_late
            elif cancel := next((e for e in ordered if e.kind in rule.cancelled_by and e.on >= trigger.on), None):
                status = DeadlineStatus.not_applicable
                name = kinds[cancel.kind]
                notes = (
                    *notes,
                    f"因{name.name}（{cancel.on}）不再需要 / no longer needed: {name.name_en} on {cancel.on}",
                )
            else:
                left = (computed.due - today).days
                if left < 0:
                    status = DeadlineStatus.overdue if rule.kind == "duty" else DeadlineStatus.lapsed
                else:
                    status = DeadlineStatus.due_soon if left <= rule.warn_days else DeadlineStatus.pending
                days_left = left if status is not DeadlineStatus.lapsed else None
            out.append(
                Deadline(
                    rule_id=rule.id,
                    name=rule.name,
                    name_en=rule.name_en,
                    due=computed.due,
                    status=status,
                    trigger_event=trigger,
                    satisfied_on=sat.on if sat else None,
                    basis=rule.basis,
                    confidence=rule.confidence,
                    days_left=days_left,
                    unit=unit,
                    unit_en=unit_en,
                    kind=rule.kind,
                    obligor=rule.obligor,
                    opens_on=computed.opens_on,
                    satisfied_source=sat.source if sat else "",
                    provisional=provisional,
                    notes=notes,
                )
            )

    return sorted(out, key=lambda d: (d.due is None, d.due or dt.date.max, d.rule_id))
