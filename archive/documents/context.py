"""What a template is given: a document and its case as a :class:`~anjuan.templates.context.DocumentContext`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from anjuan.templates.context import (
    CaseInfo,
    DocInfo,
    DocumentContext,
    OfficerInfo,
    OrgInfo,
    PartyInfo,
)
from sqlalchemy.orm import Session

from ..catalogue import Catalogue, ClauseSet, clauses_in_force, resolve_form
from ..clock import today as beijing_today
from ..fields import typed_values
from ..models import Document
from ..numbering import placeholder_number
from .approvals import approval_infos

__all__ = ["build_context"]


def build_context(
    session: Session, *, catalogue: Catalogue, clauses: ClauseSet, doc: Document, today: dt.date | None = None
) -> DocumentContext:
    """Everything a template needs, from the stored document and its case. An undated draft (a
    preview) shows ``today`` — the kernel's clock; the system's Beijing date if not given."""
    form = resolve_form(catalogue, doc.form_id)
    case = doc.case
    org = case.org
    party = case.party
    org_info = OrgInfo(
        name=org.name,
        area=org.area,
        code=org.code,
        address=org.address,
        phone=org.phone,
        contact=org.contact,
        postcode=org.postcode,
        review_body=org.review_body,
        court=org.court,
        bank=org.bank,
        account=org.account,
    )
    party_info = PartyInfo(
        kind=party.kind,
        name=party.name,
        credit_code=party.credit_code or "",
        address=party.address,
        legal_rep=party.legal_rep,
        position=party.position,
        phone=party.phone,
        postcode=party.postcode,
        id_number=party.id_number,
        gender=party.gender,
        age=party.age,
        employer=party.employer,
    )
    date = doc.doc_date or today or beijing_today()
    number = doc.number or (placeholder_number(org.area, org.code, form.code) if form.code else "")
    params: dict[str, Any] = defaultdict(
        str,
        {
            "review_body": org.review_body,
            "court": org.court,
            "bank": org.bank,
            "account": org.account,
            "org_name": org.name,
        },
    )
    clause_texts = {}
    for clause_id, clause in clauses_in_force(clauses, date).items():
        clause_texts[clause_id] = clause.text.format_map(defaultdict(str, {**params, **clause.params}))
    parent = None
    if doc.parent is not None:
        parent_form = resolve_form(catalogue, doc.parent.form_id)
        parent = DocInfo(
            form_id=parent_form.id,
            title=parent_form.name,
            number=doc.parent.number or "",
            date=doc.parent.doc_date,
        )
    case_number = ""
    if case.shared_seq is not None and case.shared_year is not None:
        case_number = f"〔{case.shared_year}〕{case.shared_seq}号"
    return DocumentContext(
        doc=DocInfo(form_id=form.id, title=form.name, number=number, date=date),
        org=org_info,
        party=party_info,
        case=CaseInfo(name=case.name, cause=case.cause, number=case_number),
        officers=tuple(OfficerInfo(name=o.name, cert_no=o.cert_no) for o in doc.officers),
        fields=typed_values(form, doc.fields),
        clauses=clause_texts,
        parent=parent,
        approvals=approval_infos(session, doc),
    )
