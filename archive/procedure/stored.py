"""The facts of stored cases: ORM rows → the procedure's facts model (:mod:`.facts`).

The one place that knows how a :class:`~anjuan.archive.models.Document` becomes a
:class:`~.facts.DocFacts` and a :class:`~anjuan.archive.models.Case` a :class:`~.facts.CaseFacts`:
issuing (the gates), the deadlines service, the 案卷评查 and the 质量检查 all read a case through
it, so they see the same facts. Kept apart from the pure rule modules, which never see a session.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case, Document
from .facts import CaseFacts, DocFacts

__all__ = ["case_facts", "doc_facts", "facts_of_case"]


def doc_facts(document: Document) -> DocFacts:
    """A stored document as the rules read it (its fields copied: the facts never alias a row)."""
    return DocFacts(
        id=document.id,
        form_id=document.form_id,
        status=document.status,
        doc_date=document.doc_date,
        fields=dict(document.fields),
        parent_id=document.parent_id,
        number=document.number,
    )


def case_facts(case: Case, documents: Iterable[Document]) -> CaseFacts:
    """The case with ``documents`` (the caller's choice: every one, the issued ones …), in their order."""
    return CaseFacts(
        procedure=case.procedure,
        kind=case.kind,
        major=case.major,
        party_kind=case.party.kind,  # type: ignore[arg-type]  # the column holds organisation | person
        province=case.org.area[:1] or None,  # 行政区划简称's first character is the 省级简称 (晋临 → 晋)
        documents=tuple(doc_facts(d) for d in documents),
    )


def facts_of_case(session: Session, case: Case, *, exclude: int | None = None) -> CaseFacts:
    """The case with every document it holds, in id order; ``exclude`` leaves one out (the document
    being issued, judged against the others)."""
    query = select(Document).where(Document.case_id == case.id).order_by(Document.id)
    if exclude is not None:
        query = query.where(Document.id != exclude)
    return case_facts(case, session.scalars(query))
