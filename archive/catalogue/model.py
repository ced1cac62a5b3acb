"""Typed model of the document catalogue (文书目录) and the legal clauses (法定条款).

The catalogue is data (``catalogue.yaml``); this module only says what a valid entry looks like.
Unknown keys are rejected so that a typo in the data file fails loudly at start-up instead of
silently dropping a rule.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ApprovalStep",
    "CaseKind",
    "Catalogue",
    "Clause",
    "ClauseSet",
    "CounterSpec",
    "FieldSpec",
    "FieldType",
    "FormSpec",
    "NumberRule",
    "Procedure",
    "SealType",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SealType(StrEnum):
    organ = "organ"  # 机关印章 (公章)
    enforcement = "enforcement"  # 行政执法专用章
    none = "none"


class CaseKind(StrEnum):
    inspection = "inspection"  # 检查 (inspection chain: 方案 → 记录 → 现决/责改 → 复查)
    penalty = "penalty"  # 行政处罚案件


class Procedure(StrEnum):
    general = "general"  # 一般程序
    simple = "simple"  # 简易程序 (当场处罚)


class ApprovalStep(StrEnum):
    review = "review"  # 审核
    approve = "approve"  # 审批
    examine = "examine"  # 审查 (先行登记保存)
    presider = "presider"  # 主持人签名 (听证会报告书)


class FieldType(StrEnum):
    text = "text"  # one line
    longtext = "longtext"  # paragraphs
    date = "date"
    datetime = "datetime"
    integer = "integer"
    money = "money"  # 元, two decimals; rendered also in 大写
    boolean = "boolean"
    choice = "choice"  # one of `choices`
    multichoice = "multichoice"  # several of `choices` (e.g. 携带材料 打√)
    list = "list"  # list of one-line texts (问题1..n)
    table = "table"  # repeating rows with `columns`


class FieldSpec(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str  # Chinese label shown on forms and in error messages
    label_en: str = ""
    type: FieldType = FieldType.text
    required: bool = False
    choices: tuple[str, ...] = ()
    columns: tuple[FieldSpec, ...] = ()  # for type=table
    max_length: int | None = None
    help: str = ""

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if self.type in (FieldType.choice, FieldType.multichoice) and not self.choices:
            raise ValueError(f"field {self.id}: type {self.type} needs choices")
        if self.type == FieldType.table and not self.columns:
            raise ValueError(f"field {self.id}: type table needs columns")
        if self.type != FieldType.table and self.columns:
            raise ValueError(f"field {self.id}: only tables have columns")
        return self


class NumberRule(_Strict):
    """Where a form's 序号 comes from (domain.md §1.4).

    - ``counter``: its own counter family (``counter``), per organisation and year.
    - ``case``: the case's shared number (一案一号), taken from ``counter`` when the case first
      needs it (normally at 立案) and reused by every case document with this rule.
    - ``inherit``: the 序号 and year of the nearest issued parent document (``parents``, in order
      of preference); without one, a fresh number from ``counter`` (e.g. an unplanned inspection).
    """

    source: Literal["counter", "case", "inherit"]
    counter: str
    parents: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> NumberRule:
        if self.source == "inherit" and not self.parents:
            raise ValueError("number source 'inherit' needs parents")
        return self


class CounterSpec(_Strict):
    id: str
    name: str
    start: int = 1


class FormSpec(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # stable English id
    name: str  # 文书名称
    name_en: str
    ws_code: str | None = None
    order: int  # position in the 2017 national set (1-48); additions 49+
    edition: Literal["2017", "2021"] = "2017"
    penalty_decision: bool = False  # 行政处罚决定书 (一般/当场): counted as 行政处罚, dated as 决定日期
    code: str | None = None  # 文书代字 after the 机关代字 (罚, 检记 …); None = no number
    codes_by_era: dict[str, str | None] = Field(default_factory=dict)
    numbered: bool
    number: NumberRule | None = None
    seal: SealType = SealType.none
    approval: tuple[ApprovalStep, ...] = ()
    handler_signatures: bool = False  # 承办人/执法人员 sign the document
    stage: str
    case_kinds: tuple[CaseKind, ...]
    procedures: tuple[Procedure, ...] = (Procedure.general, Procedure.simple)
    party_kind: Literal["organisation", "person"] | None = None  # （单位）/（个人） forms: only for that 当事人
    repeatable: bool = False  # several in one case → suffix -n on a shared/inherited 序号
    min_officers: int = 0
    template: str | None = None  # DOCX template file name; None → generic layout
    fields: tuple[FieldSpec, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: str = ""

    @model_validator(mode="after")
    def _check(self) -> FormSpec:
        if self.numbered and (self.code is None or self.number is None):
            raise ValueError(f"form {self.id}: numbered forms need code and number rule")
        if not self.numbered and self.number is not None:
            raise ValueError(f"form {self.id}: unnumbered form has a number rule")
        ids = [f.id for f in self.fields]
        if len(ids) != len(set(ids)):
            raise ValueError(f"form {self.id}: duplicate field ids")
        return self

    def field(self, field_id: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.id == field_id), None)


class Catalogue(_Strict):
    version: int
    title: str
    stages: dict[str, str] = Field(default_factory=dict)  # stage id → 阶段名称, in procedure order
    counters: tuple[CounterSpec, ...]
    forms: tuple[FormSpec, ...]

    @property
    def penalty_forms(self) -> tuple[str, ...]:
        """The 行政处罚决定书 forms (``penalty_decision: true``), in catalogue order."""
        return tuple(f.id for f in self.forms if f.penalty_decision)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        counter_ids = {c.id for c in self.counters}
        ids: set[str] = set()
        names: set[str] = set()
        for form in self.forms:
            if form.id in ids or form.name in names:
                raise ValueError(f"duplicate form {form.id} / {form.name}")
            ids.add(form.id)
            names.add(form.name)
        for form in self.forms:
            if self.stages and form.stage not in self.stages:
                raise ValueError(f"form {form.id}: stage {form.stage} is not in stages")
            if form.number is None:
                continue
            if form.number.counter not in counter_ids:
                raise ValueError(f"form {form.id}: unknown counter {form.number.counter}")
            for parent in form.number.parents:
                if parent not in ids:
                    raise ValueError(f"form {form.id}: unknown parent form {parent}")
        return self


class Clause(_Strict):
    """A fixed legal clause (救济条款, 期限 …) valid from ``effective_from``.

    ``text`` is a ``str.format`` template; ``params`` holds its fixed values (days, rates) and the
    renderer adds organisation values such as ``review_body`` and ``court``.
    """

    id: str
    text: str
    params: dict[str, str | int | float] = Field(default_factory=dict)
    basis: str
    effective_from: dt.date
    effective_to: dt.date | None = None


class ClauseSet(_Strict):
    version: int
    clauses: tuple[Clause, ...]
