"""执法文书: draft, preview, issue, download, void; and the catalogue of forms."""

from __future__ import annotations

from typing import Any, Literal

from anjuan.archive.registry import get_case
from fastapi import APIRouter
from fastapi.responses import Response

from ..deps import Actor, ArchiveDep
from ..schemas import (
    DecisionRequest,
    DocumentCreate,
    DocumentRead,
    DocumentUpdate,
    SubmitRequest,
    VoidRequest,
    document_read,
)

__all__ = ["router"]

router = APIRouter()

_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _read(archive: ArchiveDep, doc: Any) -> DocumentRead:
    return document_read(doc, archive.form(doc.form_id).name)


@router.get("/forms", tags=["catalogue"])
def list_forms(archive: ArchiveDep) -> list[dict[str, Any]]:
    """The document catalogue (文书目录): every form with its code, numbering, seal and fields."""
    return [f.model_dump(mode="json") for f in archive.catalogue.forms]


@router.get("/forms/{key}", tags=["catalogue"])
def get_form(key: str, archive: ArchiveDep) -> dict[str, Any]:
    return archive.form(key).model_dump(mode="json")


@router.post("/cases/{case_id}/documents", response_model=DocumentRead, status_code=201, tags=["documents"])
def create_document(case_id: int, body: DocumentCreate, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    kwargs = dict(
        actor=actor,
        case_id=case_id,
        form_key=body.form,
        fields=body.fields,
        officer_ids=body.officer_ids,
        parent_id=body.parent_id,
        doc_date=body.doc_date,
    )
    doc = archive.issue_new(**kwargs) if body.issue else archive.create_draft(**kwargs)
    return _read(archive, doc)


@router.get("/cases/{case_id}/documents", response_model=list[DocumentRead], tags=["documents"])
def list_case_documents(case_id: int, archive: ArchiveDep) -> list[DocumentRead]:
    with archive.db.read() as s:
        get_case(s, case_id)
    return [_read(archive, d) for d in archive.documents(case_id=case_id)]


@router.get("/documents/{doc_id}", response_model=DocumentRead, tags=["documents"])
def get_document(doc_id: int, archive: ArchiveDep) -> DocumentRead:
    return _read(archive, archive.document(doc_id))


@router.patch("/documents/{doc_id}", response_model=DocumentRead, tags=["documents"])
def update_document(doc_id: int, body: DocumentUpdate, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    return _read(archive, archive.update_draft(actor=actor, doc_id=doc_id, **body.model_dump(exclude_none=True)))


@router.get("/documents/{doc_id}/preview.{fmt}", tags=["documents"])
def preview(doc_id: int, fmt: Literal["pdf", "docx"], archive: ArchiveDep) -> Response:
    """The document as it would be issued now (a draft shows a blank number line)."""
    docx, pdf = archive.render(doc_id, pdf=fmt == "pdf")
    return Response(pdf if fmt == "pdf" else docx, media_type=_MEDIA[fmt])


@router.post("/documents/{doc_id}/issue", response_model=DocumentRead, tags=["documents"])
def issue(doc_id: int, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    return _read(archive, archive.issue(actor=actor, doc_id=doc_id))


@router.get("/documents/{doc_id}/file.{fmt}", tags=["documents"])
def download(doc_id: int, fmt: Literal["pdf", "docx"], archive: ArchiveDep) -> Response:
    doc = archive.document(doc_id)
    data = archive.file(doc_id, fmt)
    name = f"{doc.id}-{doc.form_id}.{fmt}"
    return Response(
        data,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{doc.pdf_sha256 if fmt == "pdf" else doc.docx_sha256}"',
        },
    )


@router.post("/documents/{doc_id}/void", response_model=DocumentRead, tags=["documents"])
def void(doc_id: int, body: VoidRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    return _read(archive, archive.void(actor=actor, doc_id=doc_id, reason=body.reason))


@router.post("/documents/{doc_id}/submit", response_model=DocumentRead, tags=["approval"])
def submit(doc_id: int, body: SubmitRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """报送审批: a complete draft goes to the approval steps of its form."""
    return _read(archive, archive.submit(actor=actor, doc_id=doc_id, officer_id=body.officer_id))


@router.post("/documents/{doc_id}/approve", response_model=DocumentRead, tags=["approval"])
def approve(doc_id: int, body: DecisionRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """审核/审批 通过: the pending step, by someone holding a role for it (never the submitter)."""
    return _read(archive, archive.decide(actor=actor, doc_id=doc_id, approve=True, **body.model_dump()))


@router.post("/documents/{doc_id}/reject", response_model=DocumentRead, tags=["approval"])
def reject(doc_id: int, body: DecisionRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """退回: back to the handler as a draft, with the reason."""
    return _read(archive, archive.decide(actor=actor, doc_id=doc_id, approve=False, **body.model_dump()))


@router.get("/documents/{doc_id}/approvals", tags=["approval"])
def approval_state(doc_id: int, archive: ArchiveDep) -> dict[str, Any]:
    return archive.approval_state(doc_id)
