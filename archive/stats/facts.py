"""Statistics facts: one neutral row per issued document, from which every 统计报表 is aggregated.

domain.md §4: keep a per-inspection fact record (shaped like the provincial ``t_enforcement`` record)
and generate any table from configurable aggregation specs (``tables.yaml``). Three sources:

- :func:`inspection_facts` — one row per issued 现场检查记录 or 整改复查意见书: who inspected whom,
  when, how many officers went (each officer on each inspection is one 人次, seed 004 说明 3) and
  what the record found (违法违规行为, 一般/重大事故隐患, in 项).
- :func:`document_facts` — one row per issued document of any form (执法文书 by class, 立案数).
- :func:`penalty_facts` — one row per issued 行政处罚决定书 (一般/当场, 单位/个人): 处罚种类 and 罚款.

Only documents in status ``issued`` count: drafts were never 下发, a voided document (作废) was
withdrawn, and a corrected document (更正) counts once, as its current edition. The date of a fact
is the document's 下发日期 (seed 004 说明 1): ``doc_date``, or, when a document has none, the
Beijing date of its issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ..clock import beijing_date
from ..fields import parse_money
from ..models import Case, Document, document_officers

__all__ = [
    "FILING_FORM",
    "HAZARD_FIELDS",
    "INSPECTION_FORMS",
    "DocumentFact",
    "InspectionFact",
    "PenaltyFact",
    "case_sources",
    "document_facts",
    "inspection_facts",
    "issue_date",
    "penalty_facts",
    "penalty_kinds",
]

# 现场检查记录 → a 执法检查, 整改复查意见书 → a 整改复查 (说明 2: both count as one 家次 each).
INSPECTION_FORMS: Mapping[str, Literal["inspection", "reinspection"]] = {
    "inspection_record": "inspection",
    "reinspection_opinion": "reinspection",
}
FILING_FORM = "case_filing_approval"


@dataclass(frozen=True)
class InspectionFact:
    """One 执法检查 or 整改复查 (the per-inspection fact record of domain.md §4)."""

    document_id: int
    org_id: int
    case_id: int
    party_id: int
    date: dt.date  # 下发日期
    officers: int  # 执法人员 on the document: 人次 of this inspection
    kind: Literal["inspection", "reinspection"]
    form_id: str
    # 查处违法违规行为 / 一般事故隐患 / 重大事故隐患 (项): the 现场检查记录's 统计用 fields
    # (violation_count, general_hazard_count, major_hazard_count); 0 when absent or unreadable, and
    # on a 整改复查意见书, which finds nothing new.
    violations: int = 0
    general_hazards: int = 0
    major_hazards: int = 0


@dataclass(frozen=True)
class DocumentFact:
    document_id: int
    org_id: int
    case_id: int
    party_id: int
    date: dt.date
    form_id: str
    case_kind: str  # inspection | penalty
    case_source: str | None  # 案件来源 from the case's issued 立案审批表 (None: no 立案)


@dataclass(frozen=True)
class PenaltyFact:
    document_id: int
    org_id: int
    case_id: int
    party_id: int
    date: dt.date
    form_id: str
    kinds: tuple[str, ...]  # 处罚种类: 警告, 罚款, 责令停产停业, 暂扣许可证件, 吊销许可证件, 责令关闭 …
    fine: Decimal  # 罚款金额 in 元 (0 when none)
    case_source: str | None


def issue_date(doc_date: dt.date | None, issued_at: dt.datetime | None) -> dt.date | None:
    """The 下发日期: the document's own date, else the Beijing date it was issued."""
    return doc_date if doc_date is not None else beijing_date(issued_at)


def _issued(
    org_ids: Iterable[int] | None, forms: Iterable[str] | None, start: dt.date, end: dt.date
) -> list[ColumnElement[bool]]:
    """Issued documents of the organisations and forms that may fall in [start, end]; the exact date
    test (with the issue-date fallback) is made in Python by :func:`_in_period`."""
    clauses: list[ColumnElement[bool]] = [Document.status == "issued"]
    if org_ids is not None:
        clauses.append(Document.org_id.in_(sorted(set(org_ids))))
    if forms is not None:
        clauses.append(Document.form_id.in_(sorted(set(forms))))
    # A day of slack either side of the fallback: issued_at is UTC, the period is in Beijing dates.
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    clauses.append(
        or_(
            Document.doc_date.between(start, end),
            and_(Document.doc_date.is_(None), Document.issued_at >= lo, Document.issued_at < hi),
        )
    )
    return clauses


def _in_period(doc: Document, start: dt.date, end: dt.date) -> dt.date | None:
    day = issue_date(doc.doc_date, doc.issued_at)
    return day if day is not None and start <= day <= end else None


def case_sources(session: Session, case_ids: Iterable[int]) -> dict[int, str]:
    """案件来源 of each case's issued 立案审批表 (whatever its date); cases without one are absent."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Document.case_id, Document.fields)
        .where(Document.form_id == FILING_FORM, Document.status == "issued", Document.case_id.in_(ids))
        .order_by(Document.id)
    ).all()
    out: dict[int, str] = {}
    for case_id, fields in rows:
        source = (fields or {}).get("case_source")
        if source:
            out[case_id] = str(source)
    return out


@dataclass(frozen=True)
class _Found:
    doc: Document
    day: dt.date
    party_id: int
    case_kind: str


def _documents(
    session: Session, *, org_ids: Iterable[int] | None, forms: Iterable[str] | None, start: dt.date, end: dt.date
) -> list[_Found]:
    if end < start:
        return []
    rows = session.execute(
        select(Document, Case.party_id, Case.kind)
        .join(Case, Case.id == Document.case_id)
        .where(*_issued(org_ids, forms, start, end))
        .order_by(Document.id)
    ).all()
    out = []
    for doc, party_id, case_kind in rows:
        day = _in_period(doc, start, end)
        if day is not None:
            out.append(_Found(doc, day, party_id, case_kind))
    return out


HAZARD_FIELDS: Mapping[str, str] = {
    "violations": "violation_count",
    "general_hazards": "general_hazard_count",
    "major_hazards": "major_hazard_count",
}


def _items(value: Any) -> int:
    """A count of items (项) from a document field: a whole number ≥ 0, else 0."""
    try:
        number = int(str(value).strip()) if value is not None and not isinstance(value, bool) else 0
    except ValueError:
        return 0
    return max(number, 0)


def inspection_facts(
    session: Session, *, org_ids: Iterable[int] | None, start: dt.date, end: dt.date
) -> list[InspectionFact]:
    """One row per issued 现场检查记录 / 整改复查意见书 of ``org_ids`` (None: all) dated in [start, end]."""
    found = _documents(session, org_ids=org_ids, forms=INSPECTION_FORMS, start=start, end=end)
    if not found:
        return []
    counted = (
        select(document_officers.c.document_id, func.count(document_officers.c.officer_id))
        .where(document_officers.c.document_id.in_([f.doc.id for f in found]))
        .group_by(document_officers.c.document_id)
    )
    officers = {doc_id: count for doc_id, count in session.execute(counted)}
    return [
        InspectionFact(
            document_id=f.doc.id,
            org_id=f.doc.org_id,
            case_id=f.doc.case_id,
            party_id=f.party_id,
            date=f.day,
            officers=int(officers.get(f.doc.id, 0)),
            kind=INSPECTION_FORMS[f.doc.form_id],
            form_id=f.doc.form_id,
            **{
                attr: _items((f.doc.fields or {}).get(field)) if f.doc.form_id == "inspection_record" else 0
                for attr, field in HAZARD_FIELDS.items()
            },
        )
        for f in found
    ]


def document_facts(
    session: Session,
    *,
    org_ids: Iterable[int] | None,
    start: dt.date,
    end: dt.date,
    forms: Iterable[str] | None = None,
) -> list[DocumentFact]:
    """One row per issued document (of ``forms``, default all) of ``org_ids`` dated in [start, end]."""
    found = _documents(session, org_ids=org_ids, forms=forms, start=start, end=end)
    sources = case_sources(session, {f.doc.case_id for f in found})
    return [
        DocumentFact(
            document_id=f.doc.id,
            org_id=f.doc.org_id,
            case_id=f.doc.case_id,
            party_id=f.party_id,
            date=f.day,
            form_id=f.doc.form_id,
            case_kind=f.case_kind,
            case_source=sources.get(f.doc.case_id),
        )
        for f in found
    ]


def _money(value: Any) -> Decimal:
    """A fine for the table: a positive amount, else 0 (absent, unreadable or negative)."""
    amount = parse_money(value)
    return amount if amount is not None and amount > 0 else Decimal(0)


def penalty_kinds(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """处罚种类 of a decision: its ``penalty_types`` when filled in. The 当场处罚决定书 has no such field
    (and an older 决定书 may lack it); then they are read off what is there: a fine is 罚款, and 警告
    in the 行政处罚 text is 警告 (简易程序 allows only these two)."""
    kinds: Sequence[Any] = fields.get("penalty_types") or ()
    if kinds:
        return tuple(dict.fromkeys(str(k) for k in kinds))
    inferred = []
    if "警告" in str(fields.get("penalty") or ""):
        inferred.append("警告")
    if _money(fields.get("fine")) > 0:
        inferred.append("罚款")
    return tuple(inferred)


def penalty_facts(
    session: Session, *, org_ids: Iterable[int] | None, start: dt.date, end: dt.date, forms: Iterable[str]
) -> list[PenaltyFact]:
    """One row per issued 行政处罚决定书 (``forms``: the catalogue's ``penalty_forms``) of ``org_ids``
    dated in [start, end]."""
    found = _documents(session, org_ids=org_ids, forms=forms, start=start, end=end)
    sources = case_sources(session, {f.doc.case_id for f in found})
    return [
        PenaltyFact(
            document_id=f.doc.id,
            org_id=f.doc.org_id,
            case_id=f.doc.case_id,
            party_id=f.party_id,
            date=f.day,
            form_id=f.doc.form_id,
            kinds=penalty_kinds(f.doc.fields or {}),
            fine=_money((f.doc.fields or {}).get("fine")),
            case_source=sources.get(f.doc.case_id),
        )
        for f in found
    ]
