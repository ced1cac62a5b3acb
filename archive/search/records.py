"""Archive rows → :class:`~anjuan.indexing.api.IndexDoc` records (plain data, no Whoosh).

Three kinds of record, each keyed so that re-indexing replaces it:

- ``doc:<id>``  an issued (or later superseded / voided) 执法文书; text from the rendered DOCX;
- ``att:<id>``  an attachment (证据材料); text from its PDF rendition's text layer;
- ``cf:<case>`` the latest case file (卷宗) of a case; text is its cover data and 卷内目录.

Drafts are not records (documents not issued by the system are not documents); deleted documents
and withdrawn attachments are removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anjuan.indexing.api import IndexDoc
from anjuan.templates.text import docx_text, pdf_text
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..catalogue import resolve_form
from ..clock import beijing_date
from ..fields import parse_money
from ..models import Attachment, Case, CaseFile, Document, Organisation

if TYPE_CHECKING:
    from ..kernel import Kernel

__all__ = ["INDEXED_STATUSES", "RecordBuilder"]

#: document statuses that are records in the index (issued, and what issued documents become)
INDEXED_STATUSES = ("issued", "superseded", "voided")


@dataclass
class _Orgs:
    rows: dict[int, tuple[str, int | None]]

    @classmethod
    def load(cls, session: Session) -> _Orgs:
        return cls({o.id: (o.name, o.parent_id) for o in session.scalars(select(Organisation))})

    def path(self, org_id: int) -> tuple[int, ...]:
        out: list[int] = []
        current: int | None = org_id
        while current is not None and current not in out:
            out.append(current)
            current = self.rows.get(current, ("", None))[1]
        return tuple(out)

    def name(self, org_id: int) -> str:
        return self.rows.get(org_id, ("", None))[0]


class RecordBuilder:
    def __init__(self, kernel: Kernel, session: Session) -> None:
        self.kernel = kernel
        self.session = session
        self.orgs = _Orgs.load(session)
        self._case_numbers: dict[int, str] = {}

    # -- which keys exist --

    def all_keys(self) -> Iterator[str]:
        s = self.session
        for (doc_id,) in s.execute(select(Document.id).where(Document.status.in_(INDEXED_STATUSES))):
            yield f"doc:{doc_id}"
        for (att_id,) in s.execute(select(Attachment.id).where(Attachment.status == "active")):
            yield f"att:{att_id}"
        for (case_id,) in s.execute(select(CaseFile.case_id).distinct()):
            yield f"cf:{case_id}"

    def count(self) -> int:
        s = self.session
        docs = s.scalar(select(func.count()).select_from(Document).where(Document.status.in_(INDEXED_STATUSES)))
        atts = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.status == "active"))
        cfs = s.scalar(select(func.count(func.distinct(CaseFile.case_id))))
        return int(docs or 0) + int(atts or 0) + int(cfs or 0)

    # -- building --

    def build(self, key: str) -> IndexDoc | None:
        """The record for a key, or None if it should not be in the index (any more)."""
        kind, _, ident = key.partition(":")
        if kind == "doc":
            doc = self.session.get(Document, int(ident), options=[selectinload(Document.officers)])
            return self.document(doc) if doc is not None and doc.status in INDEXED_STATUSES else None
        if kind == "att":
            att = self.session.get(Attachment, int(ident))
            return self.attachment(att) if att is not None and att.status == "active" else None
        if kind == "cf":
            return self.casefile(int(ident))
        return None

    def case_number(self, case: Case) -> str:
        """案号: the number of the case's 立案审批表 (一案一号), if it has been issued."""
        if case.id not in self._case_numbers:
            number = self.session.scalar(
                select(Document.number)
                .where(
                    Document.case_id == case.id,
                    Document.form_id == "case_filing_approval",
                    Document.status == "issued",
                )
                .limit(1)
            )
            self._case_numbers[case.id] = number or ""
        return self._case_numbers[case.id]

    def _common(self, case: Case) -> dict[str, Any]:
        party = case.party
        return {
            "credit_code": party.credit_code or "",
            "case_no": self.case_number(case),
            "org_id": case.org_id,
            "org_path": self.orgs.path(case.org_id),
            "org_name": self.orgs.name(case.org_id),
            "case_id": case.id,
            "case_name": case.name,
            "party": party.name,
            "procedure": case.procedure,
            "industry": party.industry or "",
        }

    def document(self, doc: Document) -> IndexDoc:
        form = resolve_form(self.kernel.rules.catalogue, doc.form_id)
        case = doc.case
        text = docx_text(self.kernel.blobs.get(doc.docx_sha256)) if doc.docx_sha256 else ""
        issued = doc.doc_date or beijing_date(doc.issued_at)
        decided = issued if form.penalty_decision else None  # 决定日期: 行政处罚决定书 only
        fine = parse_money(doc.fields.get("fine")) if isinstance(doc.fields, dict) else None
        amount = float(fine) if fine is not None else None
        title = f"{form.name} {doc.number}" if doc.number else form.name
        return IndexDoc(
            key=f"doc:{doc.id}",
            kind="document",
            title=title,
            text=text,
            form=form.id,
            form_name=form.name,
            number=doc.number or "",
            handlers=tuple(o.name for o in doc.officers),
            creator=doc.created_by,
            issued=issued,
            decided=decided if doc.number else None,
            status=doc.status,
            amount=amount,
            **{**self._common(case), "org_id": doc.org_id, "org_path": self.orgs.path(doc.org_id)},
        )

    def attachment(self, att: Attachment) -> IndexDoc:
        case = self.session.get(Case, att.case_id)
        assert case is not None
        text = pdf_text(self.kernel.blobs.get(att.pdf_sha256)) if att.pdf_sha256 else ""
        kinds = self.kernel.rules.casefile_order.attachment_kinds
        return IndexDoc(
            key=f"att:{att.id}",
            kind="attachment",
            title=att.title,
            text="\n".join(t for t in (kinds.get(att.kind, att.kind), att.responsible, att.filename, text) if t),
            form=f"attachment_{att.kind}",
            form_name=kinds.get(att.kind, att.kind),
            creator=att.created_by,
            issued=att.date or beijing_date(att.created_at),
            status="filed" if case.filed_at else att.status,
            **self._common(case),
        )

    def casefile(self, case_id: int) -> IndexDoc | None:
        s = self.session
        latest = select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
        volume = s.scalars(latest).first()
        if volume is None:
            return None
        case = s.get(Case, case_id)
        assert case is not None
        lines = [case.name, case.cause, case.party.name, case.file_no or "", case.retention or ""]
        for entry in volume.entries:
            lines.append(" ".join(str(entry.get(k) or "") for k in ("title", "number", "date", "responsible")))
        title = f"{case.name} 卷宗" if case.name else f"案卷 {case_id}"
        return IndexDoc(
            key=f"cf:{case_id}",
            kind="casefile",
            title=title,
            text="\n".join(line for line in lines if line and line.strip()),
            form="casefile",
            form_name="卷宗",
            file_no=case.file_no or "",
            creator=volume.built_by,
            issued=beijing_date(volume.built_at),
            filed=beijing_date(case.filed_at),
            status="filed" if case.filed_at else ("closed" if case.status == "closed" else "assembled"),
            **self._common(case),
        )

    def keys_for_case(self, case_id: int) -> list[str]:
        """Records a case event can change: its attachments (added, withdrawn) and its case file."""
        s = self.session
        keys = [f"att:{i}" for (i,) in s.execute(select(Attachment.id).where(Attachment.case_id == case_id))]
        return [*keys, f"cf:{case_id}"]
