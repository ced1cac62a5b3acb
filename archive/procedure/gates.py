"""Document gates (文书签发前置条件): may a document of a form be issued in a case as it stands?

The rules are data (``gates.yaml``, vocabulary documented at its top); this module validates them
against the catalogue and evaluates them. It is pure domain logic — no database, no HTTP: the caller
describes the case with the facts model the deadlines read too (:class:`~.facts.CaseFacts`,
:class:`~.facts.DocFacts`) and gets back a list of :class:`GateFinding`; an empty list means the
document may be issued. A refusal is a normal answer, not an exception; only a broken rules file
raises (:class:`GatesError`). Issuing code that wants to stop turns the findings into
:class:`GateRefused` (a 409 ``Conflict``).

Typical use::

    rules = load_gates()
    findings = check_gates(rules, "case_handling_approval", fields, case, on=dt.date(2026, 11, 4))
    if findings:
        raise GateRefused("case_handling_approval", findings)
"""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, model_validator

from ..catalogue import CaseKind, Catalogue, FieldSpec, FieldType, FormSpec, Procedure, load_catalogue
from ..datafile import load_rules_file
from ..errors import ArchiveError, Conflict
from ..fields import parse_money
from .facts import CaseFacts, DocFacts
from .service_dates import ReceiptTable, receipt_table_problems, service_rows

__all__ = [
    "AfterPeriod",
    "Cites",
    "FieldTest",
    "FineLimit",
    "GateFinding",
    "GateRefused",
    "GateRule",
    "GateRules",
    "GatesError",
    "HearingRules",
    "HearingSource",
    "PenaltyKindsAllowed",
    "RequiresAny",
    "RequiresFields",
    "ServiceSource",
    "Thresholds",
    "When",
    "check_gates",
    "default_is_workday",
    "hearing_threshold_reached",
    "load_gates",
    "penalty_kinds_in",
]

PACKAGE = "anjuan.archive.procedure"
GATES_FILE = "gates.yaml"

Scalar = bool | int | float | str


class GatesError(ArchiveError):
    """The gates file is unreadable or invalid (code ``gates_invalid``); ``details`` names the file and problems."""

    code = "gates_invalid"


# -- the rules file (validated model) ------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldTest(_Strict):
    """A field equals one of ``values`` — or its text contains one of the words in ``contains``
    (free-text measures such as 责令暂时停产停业) — (条件字段); for list fields any element may match."""

    form: str | None = None  # whose field: any issued document of this form; None = the document at hand
    field: str
    values: tuple[Scalar, ...] = ()
    contains: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_test(self) -> FieldTest:
        if bool(self.values) == bool(self.contains):
            raise ValueError("a field test needs `values` or `contains` (one of them)")
        return self

    def holds(self, value: Any) -> bool:
        if self.values:
            return _matches(value, self.values)
        if isinstance(value, list | tuple):
            return any(self.holds(v) for v in value)
        return isinstance(value, str) and any(word in value for word in self.contains)


class When(_Strict):
    """Triggers (适用条件): the rule applies if at least one of those given holds."""

    major_case: bool = False  # 重大案件
    issued_any: tuple[str, ...] = ()  # a document of one of these forms has been issued
    fields: tuple[FieldTest, ...] = ()
    hearing_threshold: bool = False  # the proposed penalty reaches the 听证 range

    @model_validator(mode="after")
    def _some_trigger(self) -> When:
        if not (self.major_case or self.issued_any or self.fields or self.hearing_threshold):
            raise ValueError("`when` needs at least one trigger (major_case, issued_any, fields, hearing_threshold)")
        return self


class _RuleBase(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    message_zh: str
    message_en: str
    basis: str  # 法律依据
    case_kinds: tuple[CaseKind, ...] = ()  # empty = every case kind
    procedures: tuple[Procedure, ...] = ()  # empty = every procedure
    when: When | None = None
    note: str = ""

    #: str.format placeholders the messages of this kind may use.
    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset()


class RequiresAny(_RuleBase):
    """至少一份已签发的前置文书 — at least one issued document of ``forms``."""

    kind: Literal["requires_any"]
    forms: tuple[str, ...] = Field(min_length=1)
    unless_field: str | None = None  # a non-empty value of this field of the document at hand waives it
    where: tuple[FieldTest, ...] = ()  # tests on the prerequisite document itself


class Cites(_RuleBase):
    """引用 — the document cites (parent) an issued document of ``forms``."""

    kind: Literal["cites"]
    forms: tuple[str, ...] = Field(min_length=1)
    implicit: bool = True  # without parent_id, an issued candidate in the case suffices


class AfterPeriod(_RuleBase):
    """期限届满后 — only after ``days`` from the service of the latest document of ``from_forms``."""

    kind: Literal["after_period"]
    from_forms: tuple[str, ...] = Field(min_length=1)
    days: int = Field(gt=0)
    unit: Literal["natural", "working"] = "natural"  # 自然日 / 工作日
    # 期间届满的最后一日是法定休假日的，以休假日后的第一日为期间届满的日期 (natural days only).
    extend_over_holiday: bool = True

    PLACEHOLDERS = frozenset({"days", "unit", "start", "end", "earliest"})


class RequiresFields(_RuleBase):
    """必填事项 — fields of the document at hand that must be filled (in this situation)."""

    kind: Literal["requires_fields"]
    fields: tuple[str, ...] = Field(min_length=1)

    PLACEHOLDERS = frozenset({"fields"})


class PenaltyKindsAllowed(_RuleBase):
    """处罚种类限制 — the penalty may only be of the ``allowed`` kinds (and must name one)."""

    kind: Literal["penalty_kinds_allowed"]
    text_field: str
    allowed: tuple[str, ...] = Field(min_length=1)
    amount_field: str | None = None  # a fine amount here implies the kind 罚款 even if the text omits it

    PLACEHOLDERS = frozenset({"kinds"})


class FineLimit(_RuleBase):
    """罚款限额 — the fine must be stated and must not exceed ``max`` 元."""

    kind: Literal["fine_limit"]
    amount_field: str
    text_field: str | None = None  # read an amount after 罚款 here when the amount field is empty
    max: Decimal = Field(ge=0)

    PLACEHOLDERS = frozenset({"amount", "max"})


GateRule = Annotated[
    RequiresAny | Cites | AfterPeriod | RequiresFields | PenaltyKindsAllowed | FineLimit,
    Field(discriminator="kind"),
]
_RULE_TYPES: tuple[type[_RuleBase], ...] = (
    RequiresAny,
    Cites,
    AfterPeriod,
    RequiresFields,
    PenaltyKindsAllowed,
    FineLimit,
)
_KIND_TAGS = frozenset(get_args(t.model_fields["kind"].annotation)[0] for t in _RULE_TYPES)


class ServiceSource(ReceiptTable):
    """Where service dates (送达日期) are read: a table of the 文书送达回执 (``table``, ``document_column``,
    ``date_column``: see :class:`~.service_dates.ReceiptTable`, the description the deadlines share)."""

    form: str

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.form,)


class Thresholds(_Strict):
    """较大数额 (≥) for fines and confiscations, per party kind, in 元."""

    organisation: Decimal = Field(ge=0)
    person: Decimal = Field(ge=0)


class HearingThresholds(_Strict):
    default: Thresholds
    provinces: dict[str, Thresholds] = Field(default_factory=dict)  # by 省级简称 (晋, 川, 新 …)


class HearingSource(_Strict):
    """A form that states the proposed penalty: its free text, its kinds list and its amounts."""

    form: str
    text: str | None = None
    kinds_field: str | None = None
    amounts: tuple[str, ...] = ()


class HearingRules(_Strict):
    """听证范围 (行政处罚法 Art. 63)."""

    basis: str
    kinds: tuple[str, ...]  # 处罚种类 always within the range
    thresholds: HearingThresholds
    sources: tuple[HearingSource, ...] = Field(min_length=1)


class MajorRules(_Strict):
    """重大案件 inferred (重大执法决定法制审核目录): a proposed penalty of these kinds, or a fine or
    confiscation at or above the thresholds, makes the case 重大 whether or not it was marked so."""

    basis: str
    kinds: tuple[str, ...]
    thresholds: HearingThresholds


class GateRules(_Strict):
    """The validated gates file. Validate with ``context={"catalogue": Catalogue}`` (``load_gates`` does)."""

    version: int
    counted_statuses: tuple[str, ...] = ("issued",)
    service: ServiceSource
    penalty_kinds: dict[str, tuple[str, ...]]  # 处罚种类 → words revealing it in free text
    hearing: HearingRules
    major: MajorRules
    gates: dict[str, tuple[GateRule, ...]]

    # (form id, field id) → (Chinese label, English label), for messages naming fields.
    _labels: dict[tuple[str, str], tuple[str, str]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_against_catalogue(self, info: ValidationInfo) -> GateRules:
        catalogue = (info.context or {}).get("catalogue")
        if not isinstance(catalogue, Catalogue):
            raise ValueError("gates must be validated against a catalogue: pass context={'catalogue': Catalogue}")
        problems = _CatalogueCheck(self, catalogue).run()
        if problems:  # one per line: the loader reports each as its own error
            raise ValueError("\n".join(problems))
        self._labels = {
            (form.id, spec.id): (spec.label, spec.label_en or spec.id)
            for form in catalogue.forms
            for spec in form.fields
        }
        return self

    def label(self, form_id: str, field_id: str, lang: Literal["zh", "en"] = "zh") -> str:
        zh, en = self._labels.get((form_id, field_id), (field_id, field_id))
        return zh if lang == "zh" else en


class _CatalogueCheck:
    """Every form id and field id of the rules must exist in the catalogue, with a fitting type."""

    _TEXT = (FieldType.text, FieldType.longtext)

    def __init__(self, rules: GateRules, catalogue: Catalogue) -> None:
        self.rules = rules
        self.forms: dict[str, FormSpec] = {f.id: f for f in catalogue.forms}
        self.problems: list[str] = []

    def run(self) -> list[str]:
        self._service()
        self._hearing()
        for form_id, rules in self.rules.gates.items():
            form = self._form(form_id, f"gates: unknown form {form_id!r}")
            ids = [r.id for r in rules]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                self.problems.append(f"gates[{form_id}]: rule id {dup!r} is used twice")
            if form is not None:
                for rule in rules:
                    self._rule(form, rule)
        return self.problems

    # helpers
    def _form(self, form_id: str, problem: str) -> FormSpec | None:
        form = self.forms.get(form_id)
        if form is None:
            self.problems.append(problem)
        return form

    def _forms(self, form_ids: Iterable[str], where: str) -> list[FormSpec]:
        found = []
        for form_id in form_ids:
            form = self._form(form_id, f"{where}: unknown form {form_id!r}")
            if form is not None:
                found.append(form)
        return found

    def _field(self, form: FormSpec, field_id: str, where: str, types: Iterable[FieldType] = ()) -> FieldSpec | None:
        spec = form.field(field_id)
        if spec is None:
            self.problems.append(f"{where}: form {form.id} has no field {field_id!r}")
            return None
        allowed = tuple(types)
        if allowed and spec.type not in allowed:
            wanted = " or ".join(t.value for t in allowed)
            self.problems.append(f"{where}: field {form.id}.{field_id} is {spec.type.value}, not {wanted}")
        return spec

    def _test(self, form: FormSpec, test: FieldTest, where: str) -> None:
        spec = self._field(form, test.field, where)
        if spec is None:
            return
        if spec.type == FieldType.boolean and not all(isinstance(v, bool) for v in test.values):
            self.problems.append(f"{where}: {form.id}.{test.field} is boolean, values must be true/false")
        if spec.type in (FieldType.choice, FieldType.multichoice):
            unknown = [v for v in test.values if v not in spec.choices]
            if unknown:
                self.problems.append(
                    f"{where}: {unknown} are not choices of {form.id}.{test.field} {list(spec.choices)}"
                )

    def _kinds(self, kinds: Iterable[str], where: str) -> None:
        unknown = [k for k in kinds if k not in self.rules.penalty_kinds]
        if unknown:
            self.problems.append(f"{where}: unknown penalty kinds {unknown} (not in penalty_kinds)")

    # sections
    def _service(self) -> None:
        # The same check as the deadlines' `services` (one description of the receipt table).
        self.problems.extend(f"service: {en}" for _zh, en in receipt_table_problems(self.rules.service, self.forms))

    def _hearing(self) -> None:
        hearing = self.rules.hearing
        self._kinds(hearing.kinds, "hearing.kinds")
        self._kinds(self.rules.major.kinds, "major.kinds")
        for source in hearing.sources:
            where = f"hearing.sources[{source.form}]"
            form = self._form(source.form, f"{where}: unknown form {source.form!r}")
            if form is None:
                continue
            if source.text:
                self._field(form, source.text, where, self._TEXT)
            if source.kinds_field:
                spec = self._field(form, source.kinds_field, where, (FieldType.multichoice,))
                if spec is not None:
                    self._kinds(spec.choices, f"{where}.kinds_field")
            for amount in source.amounts:
                self._field(form, amount, where, (FieldType.money,))

    def _rule(self, form: FormSpec, rule: _RuleBase) -> None:
        where = f"gates[{form.id}][{rule.id}]"
        dead_kinds = [k.value for k in rule.case_kinds if k not in form.case_kinds]
        if dead_kinds:
            self.problems.append(f"{where}: form {form.id} is never used in case kinds {dead_kinds}")
        dead_procs = [p.value for p in rule.procedures if p not in form.procedures]
        if dead_procs:
            self.problems.append(f"{where}: form {form.id} is never used under procedures {dead_procs}")
        self._placeholders(rule, where)
        if rule.when is not None:
            self._forms(rule.when.issued_any, f"{where}.when.issued_any")
            for test in rule.when.fields:
                target = (
                    form if test.form is None else self._form(test.form, f"{where}.when: unknown form {test.form!r}")
                )
                if target is not None:
                    self._test(target, test, f"{where}.when")
        if isinstance(rule, RequiresAny):
            prereqs = self._forms(rule.forms, f"{where}.forms")
            if rule.unless_field:
                self._field(form, rule.unless_field, f"{where}.unless_field")
            for test in rule.where:
                if test.form is not None:
                    self.problems.append(f"{where}.where: tests apply to the prerequisite itself, drop `form`")
                for prereq in prereqs:
                    self._test(prereq, test, f"{where}.where")
        elif isinstance(rule, Cites):
            self._forms(rule.forms, f"{where}.forms")
        elif isinstance(rule, AfterPeriod):
            self._forms(rule.from_forms, f"{where}.from_forms")
        elif isinstance(rule, RequiresFields):
            for field_id in rule.fields:
                self._field(form, field_id, where)
        elif isinstance(rule, PenaltyKindsAllowed):
            self._field(form, rule.text_field, where, self._TEXT)
            if rule.amount_field:
                self._field(form, rule.amount_field, where, (FieldType.money,))
            self._kinds(rule.allowed, where)
        elif isinstance(rule, FineLimit):
            self._field(form, rule.amount_field, where, (FieldType.money,))
            if rule.text_field:
                self._field(form, rule.text_field, where, self._TEXT)

    def _placeholders(self, rule: _RuleBase, where: str) -> None:
        for text in (rule.message_zh, rule.message_en):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError as exc:
                self.problems.append(f"{where}: bad message template ({exc})")
                continue
            unknown = sorted(names - rule.PLACEHOLDERS)
            if unknown:
                allowed = sorted(rule.PLACEHOLDERS) or "none"
                self.problems.append(f"{where}: unknown placeholders {unknown} in a message (allowed: {allowed})")


# -- loading -------------------------------------------------------------------------------------


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``('gates', 'inspection_record', 0, 'requires_any', 'forms')`` → ``gates.inspection_record[plan_approved]…``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and 0 <= item < len(node):
            node = node[item]
            ident = node.get("id") if isinstance(node, dict) else None
            label = f"[{ident}]" if ident else f"[{item}]"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
            continue
        if isinstance(node, dict) and item in node:
            node = node[item]
        elif item in _KIND_TAGS:
            continue  # the discriminator tag pydantic inserts; the rule's id already says where
        else:
            node = None
        parts.append(str(item))
    return ".".join(parts) or "gates file"


def _build(data: Any, label: str, catalogue: Catalogue) -> GateRules:
    if not isinstance(data, dict):
        raise GatesError(
            f"{label} 校验失败：顶层必须是映射",
            f"{label} is invalid: the top level must be a mapping",
            details={"file": label},
        )
    try:
        return GateRules.model_validate(data, context={"catalogue": catalogue})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = "unknown key (not in the schema)" if err["type"] == "extra_forbidden" else err["msg"]
            msg = msg.removeprefix("Value error, ")
            if not err["loc"]:  # the catalogue check: "where: message" lines
                for line in msg.splitlines():
                    where, _, text = line.partition(": ")
                    problems.append({"where": where, "message": text or where})
                continue
            problems.append({"where": _where(tuple(err["loc"]), data), "message": msg})
        joined = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
        raise GatesError(
            f"{label} 校验失败：{joined}",
            f"{label} is invalid: {joined}",
            details={"file": label, "errors": problems},
        ) from None


def load_gates(path: Path | None = None, *, catalogue: Catalogue | None = None) -> GateRules:
    """The validated gates; ``path=None`` loads (once, cached) the packaged ``gates.yaml``.

    Every form and field id is checked against ``catalogue`` (default: the packaged catalogue).
    Raises :class:`GatesError` naming the file and each problem.
    """
    path = None if path is None else Path(path)
    return load_rules_file(PACKAGE, GATES_FILE, path, GatesError, _build, context=catalogue or load_catalogue())


@dataclass(frozen=True)
class GateFinding:
    """One unmet prerequisite: which rule, for which form, what is missing, why (legal basis)."""

    rule: str  # the rule's kind (requires_any, cites, after_period …)
    rule_id: str  # "<form>.<rule id>", stable for tests and clients
    form: str  # the form being issued
    missing: tuple[str, ...]  # form ids, field ids, or a short description
    message_zh: str
    message_en: str
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_id": self.rule_id,
            "form": self.form,
            "missing": list(self.missing),
            "message": f"{self.message_zh} / {self.message_en}",
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "basis": self.basis,
        }


class GateRefused(Conflict):
    """Issuing refused by the gates (409, code ``gate_refused``); ``details["findings"]`` lists them."""

    code = "gate_refused"

    def __init__(self, form_id: str, findings: list[GateFinding]) -> None:
        zh = "；".join(f.message_zh for f in findings)
        en = "; ".join(f.message_en for f in findings)
        super().__init__(
            f"不能签发：{zh}",
            f"cannot issue: {en}",
            details={"form": form_id, "findings": [f.to_dict() for f in findings]},
        )
        self.findings = findings


# -- evaluation ------------------------------------------------------------------------------------


def default_is_workday(day: dt.date) -> bool:
    """工作日 as a lenient estimate: ``chinese-calendar`` when installed and covering the year, else Mon–Fri.

    The issuing code should pass the project calendar instead — ``is_workday=WorkingCalendar(...)
    .is_working_day`` (archive/procedure/calendar.py), which knows bureau supplements and refuses to
    guess unknown years; this default only keeps the checker usable on its own (tests, tools).
    """
    try:
        import chinese_calendar  # optional: holidays and 调休 make-up days

        return bool(chinese_calendar.is_workday(day))
    except (ImportError, NotImplementedError):  # not installed / year not covered yet
        return day.weekday() < 5


def _norm(text: Any) -> str:
    """NFKC (full-width brackets and digits → half-width) without whitespace, for matching."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {}, ())


def _matches(value: Any, wanted: tuple[Scalar, ...]) -> bool:
    if isinstance(value, list | tuple):
        return any(_matches(v, wanted) for v in value)
    for want in wanted:
        if isinstance(want, bool):
            if value is want or (isinstance(value, str) and value.strip().lower() == str(want).lower()):
                return True
        elif not isinstance(value, bool) and value is not None and _norm(value) == _norm(want):
            return True
    return False


_money = parse_money  # stored money values are read the same way everywhere (archive/fields.py)


_NUMERAL = "0-9.,零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬"
_FINE_IN_TEXT = re.compile(rf"罚款(?:人民币)?(?:金额)?[:：]?([{_NUMERAL}]+)(?:元|圆)")


def _fines_in_text(text: Any) -> list[Decimal]:
    """Amounts written after 罚款 in free text: 罚款人民币伍万元整, 罚款5万元, 罚款50,000元."""
    if not isinstance(text, str):
        return []
    found = []
    for raw in _FINE_IN_TEXT.findall(_norm(text)):
        numeral = raw.replace(",", "")
        amount = _money(numeral)
        if amount is None:
            import cn2an  # here: it takes ~0.2 s to import, and every CLI command imports this module

            try:
                amount = Decimal(str(cn2an.cn2an(numeral, "smart")))
            except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
                continue  # unreadable: say nothing rather than guess
        found.append(amount)
    return found


def penalty_kinds_in(rules: GateRules, text: Any) -> set[str]:
    """The 处罚种类 a free text names (by the words in ``penalty_kinds``)."""
    if not isinstance(text, str):
        return set()
    norm = _norm(text)
    return {kind for kind, words in rules.penalty_kinds.items() if any(w in norm for w in words)}


def _ordered_kinds(rules: GateRules, kinds: Iterable[str]) -> list[str]:
    order = list(rules.penalty_kinds)
    return sorted(set(kinds), key=lambda k: order.index(k) if k in order else len(order))


def _fmt_amount(amount: Decimal) -> str:
    text = f"{amount:,.2f}"
    return text.removesuffix(".00")


@dataclass(frozen=True)
class _Situation:
    """Everything one check needs: the rules, the case, the document at hand and the day."""

    rules: GateRules
    form_id: str
    fields: Mapping[str, Any]
    case: CaseFacts
    on: dt.date
    parent_id: int | None
    is_workday: Callable[[dt.date], bool]

    def counted(self, forms: Iterable[str] | None = None) -> Iterator[DocFacts]:
        """Issued (not voided) documents of ``forms``, not dated after the document at hand."""
        wanted = None if forms is None else set(forms)
        for doc in self.case.documents:
            if doc.status not in self.rules.counted_statuses:
                continue
            if wanted is not None and doc.form_id not in wanted:
                continue
            if doc.doc_date is not None and doc.doc_date > self.on:
                continue  # dated later: it cannot be the basis of this document
            yield doc

    def served_on(self, doc: DocFacts) -> dt.date | None:
        """The latest 送达日期 of a counted receipt's row naming the document's number, else the document's date.

        A row without a readable date is passed over (it dates nothing); the rows are read as the
        deadline engine reads them (:func:`~.service_dates.service_rows`).
        """
        if not doc.number:
            return doc.doc_date
        rows = service_rows(self.counted(), self.rules.service, (doc.number,))
        dates = [row.on for row in rows if row.numbers and row.on is not None]
        return max(dates) if dates else doc.doc_date


def hearing_threshold_reached(
    rules: GateRules,
    case: CaseFacts,
    *,
    form_id: str | None = None,
    fields: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
) -> bool:
    """Does any proposed penalty of the case (or of the document at hand) reach the 听证 range?

    Reads every ``hearing.sources`` form issued in the case (and ``fields`` when ``form_id`` is a
    source): a kind in ``hearing.kinds`` (from the kinds list or the free text), or an amount (fine,
    confiscation; from the money fields, else from the text) at or above the party's 较大数额.
    """
    return _proposed_penalty_reaches(
        rules, rules.hearing.kinds, rules.hearing.thresholds, case, form_id=form_id, fields=fields, on=on
    )


def major_threshold_reached(
    rules: GateRules,
    case: CaseFacts,
    *,
    form_id: str | None = None,
    fields: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
) -> bool:
    """Is the case 重大 by what is proposed (``major`` in gates.yaml), marked or not?"""
    return _proposed_penalty_reaches(
        rules, rules.major.kinds, rules.major.thresholds, case, form_id=form_id, fields=fields, on=on
    )


def _proposed_penalty_reaches(
    rules: GateRules,
    kinds_in_range: tuple[str, ...],
    thresholds: HearingThresholds,
    case: CaseFacts,
    *,
    form_id: str | None,
    fields: Mapping[str, Any] | None,
    on: dt.date | None,
) -> bool:
    """Does any statement of the proposed penalty (``hearing.sources``: the report, the notice, the
    呈批表, the decision …, and the document at hand) name one of ``kinds_in_range`` or an amount at or
    above the party's threshold (by province)?"""
    hearing = rules.hearing
    limits = thresholds.provinces.get(case.province or "", thresholds.default)
    limit = limits.organisation if case.party_kind == "organisation" else limits.person
    situation = _Situation(rules, form_id or "", fields or {}, case, on or dt.date.max, None, default_is_workday)
    for source in hearing.sources:
        statements = [d.fields for d in situation.counted([source.form])]
        if form_id == source.form and fields is not None:
            statements.append(fields)
        for values in statements:
            text = values.get(source.text) if source.text else None
            kinds = penalty_kinds_in(rules, text)
            if source.kinds_field and isinstance(values.get(source.kinds_field), list):
                kinds |= set(values[source.kinds_field])
            if kinds & set(kinds_in_range):
                return True
            amounts = [a for a in (_money(values.get(name)) for name in source.amounts) if a is not None]
            if not amounts:
                amounts = _fines_in_text(text)
            if any(a >= limit for a in amounts):
                return True
    return False


def _applies(rule: _RuleBase, s: _Situation) -> bool:
    if rule.case_kinds and s.case.kind not in rule.case_kinds:
        return False
    if rule.procedures and s.case.procedure not in rule.procedures:
        return False
    when = rule.when
    if when is None:
        return True
    if when.major_case and (
        s.case.major or major_threshold_reached(s.rules, s.case, form_id=s.form_id, fields=s.fields, on=s.on)
    ):
        return True
    if when.issued_any and any(True for _ in s.counted(when.issued_any)):
        return True
    for test in when.fields:
        if test.form is None:
            if test.holds(s.fields.get(test.field)):
                return True
        elif any(test.holds(d.fields.get(test.field)) for d in s.counted([test.form])):
            return True
    return bool(
        when.hearing_threshold
        and hearing_threshold_reached(s.rules, s.case, form_id=s.form_id, fields=s.fields, on=s.on)
    )


def _finding(
    rule: _RuleBase,
    s: _Situation,
    missing: Iterable[str],
    zh: Mapping[str, Any] | None = None,
    en: Mapping[str, Any] | None = None,
) -> GateFinding:
    return GateFinding(
        rule=getattr(rule, "kind", ""),
        rule_id=f"{s.form_id}.{rule.id}",
        form=s.form_id,
        missing=tuple(missing),
        message_zh=rule.message_zh.format(**(zh or {})),
        message_en=rule.message_en.format(**(en or {})),
        basis=rule.basis,
    )


def _requires_any(rule: RequiresAny, s: _Situation) -> GateFinding | None:
    if rule.unless_field and not _empty(s.fields.get(rule.unless_field)):
        return None
    for doc in s.counted(rule.forms):
        if all(t.holds(doc.fields.get(t.field)) for t in rule.where):
            return None
    return _finding(rule, s, rule.forms)


def _cites(rule: Cites, s: _Situation) -> GateFinding | None:
    candidates = list(s.counted(rule.forms))
    if s.parent_id is not None:
        if any(doc.id == s.parent_id for doc in candidates):
            return None
    elif rule.implicit and candidates:
        return None
    return _finding(rule, s, rule.forms)


def _period_end(start: dt.date, rule: AfterPeriod, is_workday: Callable[[dt.date], bool]) -> dt.date:
    """The last day of the period; the start day itself is not counted (期间开始之日不计算在内).

    Natural days: a last day that is a rest day moves to the next working day (民事诉讼法 第八十五条,
    applied to administrative periods in practice). Working days: the ``days``-th working day.
    """
    if rule.unit == "natural":
        end = start + dt.timedelta(days=rule.days)
        while rule.extend_over_holiday and not is_workday(end):
            end += dt.timedelta(days=1)
        return end
    day, counted = start, 0
    while counted < rule.days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def _after_period(rule: AfterPeriod, s: _Situation) -> GateFinding | None:
    starts = [d for d in (s.served_on(doc) for doc in s.counted(rule.from_forms)) if d is not None]
    if not starts:
        return None  # nothing to wait for; whether the document itself is required is another rule
    start = max(starts)  # every notice gives its own period: wait for the last one
    end = _period_end(start, rule, s.is_workday)
    if s.on > end:
        return None
    earliest = end + dt.timedelta(days=1)
    common = {"days": rule.days, "start": start.isoformat(), "end": end.isoformat(), "earliest": earliest.isoformat()}
    unit_zh, unit_en = ("日", "days") if rule.unit == "natural" else ("个工作日", "working days")
    missing = (f"{'/'.join(rule.from_forms)} +{rule.days} {unit_en} (until {end.isoformat()})",)
    return _finding(rule, s, missing, {**common, "unit": unit_zh}, {**common, "unit": unit_en})


def _requires_fields(rule: RequiresFields, s: _Situation) -> GateFinding | None:
    missing = [f for f in rule.fields if _empty(s.fields.get(f))]
    if not missing:
        return None
    zh = "、".join(s.rules.label(s.form_id, f, "zh") for f in missing)
    en = ", ".join(s.rules.label(s.form_id, f, "en") for f in missing)
    return _finding(rule, s, missing, {"fields": zh}, {"fields": en})


def _penalty_kinds_allowed(rule: PenaltyKindsAllowed, s: _Situation) -> GateFinding | None:
    kinds = penalty_kinds_in(s.rules, s.fields.get(rule.text_field))
    amount = _money(s.fields.get(rule.amount_field)) if rule.amount_field else None
    if amount is not None and amount > 0:
        kinds.add("罚款")
    offending = _ordered_kinds(s.rules, kinds - set(rule.allowed))
    if offending:
        named = "、".join(offending)
        return _finding(rule, s, ("general_procedure",), {"kinds": named}, {"kinds": named})
    if not kinds & set(rule.allowed):
        return _finding(rule, s, (rule.text_field,), {"kinds": "未写明处罚种类"}, {"kinds": "no recognised kind"})
    return None


def _fine_limit(rule: FineLimit, s: _Situation) -> GateFinding | None:
    text = s.fields.get(rule.text_field) if rule.text_field else None
    # The larger of the amount field and any fine written in the text: a small amount field beside
    # "罚款伍仟元" in the penalty text must not pass the limit.
    stated = [a for a in (_money(s.fields.get(rule.amount_field)), *_fines_in_text(text)) if a is not None]
    amount = max(stated) if stated else None
    fined = amount is not None or "罚款" in penalty_kinds_in(s.rules, text)
    if not fined:
        return None
    limit = {"max": _fmt_amount(rule.max)}
    if amount is None:  # a fine whose amount nobody can check against the limit
        return _finding(
            rule,
            s,
            (rule.amount_field,),
            {**limit, "amount": "罚款金额未写明"},
            {**limit, "amount": "amount not stated"},
        )
    if amount <= rule.max:
        return None
    shown = _fmt_amount(amount)
    return _finding(
        rule, s, ("general_procedure",), {**limit, "amount": f"{shown}元"}, {**limit, "amount": f"{shown} 元"}
    )


_CHECKS: dict[type[_RuleBase], Callable[[Any, _Situation], GateFinding | None]] = {
    RequiresAny: _requires_any,
    Cites: _cites,
    AfterPeriod: _after_period,
    RequiresFields: _requires_fields,
    PenaltyKindsAllowed: _penalty_kinds_allowed,
    FineLimit: _fine_limit,
}


def check_gates(
    rules: GateRules,
    form_id: str,
    fields: Mapping[str, Any] | None,
    case: CaseFacts,
    *,
    on: dt.date,
    parent_id: int | None = None,
    is_workday: Callable[[dt.date], bool] | None = None,
) -> list[GateFinding]:
    """The unmet prerequisites for issuing a ``form_id`` document with ``fields`` in ``case`` on ``on``.

    An empty list means the document may be issued. ``on`` is the document's date (文书日期): periods
    are measured to it and documents dated after it do not count. ``parent_id`` is the document it
    cites. ``is_workday`` decides 工作日 for working-day periods (default :func:`default_is_workday`).
    Forms without rules pass. Refusals never raise.
    """
    situation = _Situation(rules, form_id, fields or {}, case, on, parent_id, is_workday or default_is_workday)
    findings = []
    for rule in rules.gates.get(form_id, ()):
        if not _applies(rule, situation):
            continue
        finding = _CHECKS[type(rule)](rule, situation)
        if finding is not None:
            findings.append(finding)
    return findings
