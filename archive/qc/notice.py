"""行政处罚决定公示: the public notice of each issued penalty decision, personal data redacted.

A notice carries what the public is told (国办发〔2018〕118号, seed 003 第十四条): 文号, the 当事人
(an organisation by name and 统一社会信用代码; a natural person masked as 张某), 违法事实, 依据,
处罚结果, the deciding 机关 and the date — plus whether and where it was published, and by when it had
to be (7 working days, the deadline engine's ``publication`` rule). Natural persons' ID numbers,
phone numbers, bank cards and home addresses are removed from every text (``redact.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..access import Principal, document_clause
from ..models import Case, Document, Organisation, Publication
from .redact import mask_name, redact_text
from .views import Notice

__all__ = ["NOTICE_COLUMNS", "notices", "notices_csv"]

#: (key, CSV header) in the order a notice lists them
NOTICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "行政处罚决定书文号"),
    ("party", "当事人"),
    ("party_kind", "当事人类型"),
    ("credit_code", "统一社会信用代码"),
    ("facts", "违法事实"),
    ("basis", "处罚依据"),
    ("result", "处罚结果"),
    ("fine", "罚款金额（元）"),
    ("organ", "处罚机关"),
    ("decided_on", "处罚决定日期"),
    ("publish_by", "应公示日期"),
    ("published_on", "公示日期"),
    ("url", "公示网址"),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value if v)
    return str(value)


def notices(
    session: Session,
    *,
    actor: Principal,
    start: dt.date,
    end: dt.date,
    forms: Collection[str],
    publish_by: Callable[[dt.date], dt.date],
) -> list[Notice]:
    """Notices of the penalty decisions (``forms``) dated ``start``–``end`` that ``actor`` may see."""
    rows = session.execute(
        select(Document, Case, Organisation, Publication)
        .join(Case, Case.id == Document.case_id)
        .join(Organisation, Organisation.id == Document.org_id)
        .outerjoin(Publication, Publication.document_id == Document.id)
        .where(
            Document.form_id.in_(forms),
            Document.status == "issued",
            Document.doc_date >= start,
            Document.doc_date <= end,
            document_clause(actor),
        )
        .options(selectinload(Case.party))
        .order_by(Document.doc_date, Document.id)
    ).all()
    out: list[Notice] = []
    for doc, case, org, publication in rows:
        party = case.party
        person = party.kind != "organisation"
        names = [party.name] if person else []
        if person and party.legal_rep:
            names.append(party.legal_rep)
        fields = dict(doc.fields or {})

        def clean(value: Any, names: list[str] = names, person: bool = person) -> str:
            return redact_text(_text(value), names=names, organisation=not person)

        assert doc.doc_date is not None
        parts = (_text(fields.get("violated_provisions")), _text(fields.get("penalty_basis")))
        basis = "；".join(t for t in parts if t)
        out.append(
            Notice(
                document_id=doc.id,
                case_id=case.id,
                number=doc.number or "",
                party=mask_name(party.name) if person else party.name,
                party_kind="自然人" if person else "法人或其他组织",
                credit_code="" if person else (party.credit_code or ""),
                facts=clean(fields.get("facts")),
                basis=clean(basis),
                result=clean(fields.get("penalty") or fields.get("penalty_types")),
                fine=fields.get("fine"),
                organ=org.name,
                decided_on=doc.doc_date,
                publish_by=publish_by(doc.doc_date),
                published_on=publication.published_on if publication else None,
                url=publication.url if publication else "",
            )
        )
    return out


def _cell(value: Any) -> str:
    """A notice's value in the CSV: dates ISO (YYYY-MM-DD), nothing for None."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def notices_csv(rows: Sequence[Notice]) -> str:
    """CSV with Chinese headers (UTF-8 with BOM, so spreadsheet programs read the characters)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header in NOTICE_COLUMNS])
    for row in rows:
        writer.writerow([_cell(getattr(row, key)) for key, _ in NOTICE_COLUMNS])
    return buffer.getvalue()
