"""执法文书: draft, preview, issue, download; approvals; change requests (更改/作废/删除); the catalogue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from ..deps import Actor, ArchiveDep
from ..labels import DESK_STAGE_ZH
from ..schemas import (
    ChangeDecision,
    ChangeRequestCreate,
    DecisionRequest,
    DocumentCreate,
    DocumentRead,
    DocumentUpdate,
    PathId,
    document_read,
    plain,
)

__all__ = ["router"]

router = APIRouter()

_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _read(archive: ArchiveDep, doc: Any) -> DocumentRead:
    return document_read(doc, archive.kernel.rules.form(doc.form_id).name)


#: A client's name for one issuing request: sent again with a retry, it returns the first result.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="幂等键 (e.g. a UUID): repeating an issuing request with the same key returns the document "
        "the first request made (completing it if it stopped half-way) — never a second document or number",
    ),
]


@router.get("/forms", tags=["catalogue"])
def list_forms(archive: ArchiveDep, actor: Actor) -> list[dict[str, Any]]:
    """The document catalogue (文书目录): every form with its code, numbering, seal and fields."""
    return [f.model_dump(mode="json") for f in archive.kernel.rules.catalogue.forms]


@router.get("/forms/{key}", tags=["catalogue"])
def get_form(key: str, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return archive.kernel.rules.form(key).model_dump(mode="json")


@router.post("/cases/{case_id}/documents", response_model=DocumentRead, status_code=201, tags=["documents"])
def create_document(
    case_id: PathId, body: DocumentCreate, archive: ArchiveDep, actor: Actor, idempotency_key: IdempotencyKey = None
) -> DocumentRead:
    """Save a draft, or with ``issue: true`` create and issue it at once (send an ``Idempotency-Key``
    so that a retry after a lost answer cannot issue it twice)."""
    kwargs = dict(
        actor=actor,
        case_id=case_id,
        form_key=body.form,
        fields=body.fields,
        officer_ids=body.officer_ids,
        parent_id=body.parent_id,
        doc_date=body.doc_date,
    )
    if body.issue:
        return _read(archive, archive.documents.issue_new(idempotency_key=idempotency_key, **kwargs))
    return _read(archive, archive.documents.create_draft(**kwargs))


@router.get("/cases/{case_id}/documents", response_model=list[DocumentRead], tags=["documents"])
def list_case_documents(
    case_id: PathId, archive: ArchiveDep, actor: Actor, include_deleted: bool = False
) -> list[DocumentRead]:
    docs = archive.documents.list(actor=actor, case_id=case_id, include_deleted=include_deleted)
    return [_read(archive, d) for d in docs]


@router.get("/documents/numbered-drafts", response_model=list[DocumentRead], tags=["documents"])
def numbered_drafts(
    archive: ArchiveDep,
    actor: Actor,
    older_than_minutes: Annotated[float | None, Query(ge=0, le=10_000_000)] = None,
) -> list[DocumentRead]:
    """文号已占用未签发: drafts that took a number and were not issued within the grace period. Each is
    completed by ``POST /documents/{id}/issue`` (same number) or voided through a change request."""
    return [
        _read(archive, d) for d in archive.documents.numbered_drafts(actor=actor, older_than_minutes=older_than_minutes)
    ]


@router.get("/documents/{doc_id}", response_model=DocumentRead, tags=["documents"])
def get_document(doc_id: PathId, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    return _read(archive, archive.documents.get(actor=actor, doc_id=doc_id))


@router.patch("/documents/{doc_id}", response_model=DocumentRead, tags=["documents"])
def update_document(doc_id: PathId, body: DocumentUpdate, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    return _read(
        archive, archive.documents.update_draft(actor=actor, doc_id=doc_id, **body.model_dump(exclude_none=True))
    )


@router.get("/documents/{doc_id}/preview.{fmt}", tags=["documents"])
def preview(doc_id: PathId, fmt: Literal["pdf", "docx"], archive: ArchiveDep, actor: Actor) -> Response:
    """The document as it would be issued now (a draft shows a blank number line)."""
    docx, pdf = archive.documents.render(actor=actor, doc_id=doc_id, pdf=fmt == "pdf")
    return Response(pdf if fmt == "pdf" else docx, media_type=_MEDIA[fmt])


@router.post("/documents/{doc_id}/issue", response_model=DocumentRead, tags=["documents"])
def issue(doc_id: PathId, archive: ArchiveDep, actor: Actor, idempotency_key: IdempotencyKey = None) -> DocumentRead:
    """签发 a saved draft — or complete one that holds a number from an attempt that stopped half-way
    (the error of that attempt named it in ``details.retry_issue``): the number stays the same."""
    return _read(archive, archive.documents.issue(actor=actor, doc_id=doc_id, idempotency_key=idempotency_key))


@router.get("/documents/{doc_id}/file.{fmt}", tags=["documents"])
def download(doc_id: PathId, fmt: Literal["pdf", "docx"], archive: ArchiveDep, actor: Actor) -> Response:
    doc = archive.documents.get(actor=actor, doc_id=doc_id)
    data = archive.documents.file(actor=actor, doc_id=doc_id, kind=fmt)
    name = f"{doc.id}-{doc.form_id}.{fmt}"
    return Response(
        data,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{doc.pdf_sha256 if fmt == "pdf" else doc.docx_sha256}"',
        },
    )


@router.delete("/documents/{doc_id}", status_code=204, tags=["documents"])
def discard(doc_id: PathId, archive: ArchiveDep, actor: Actor, reason: str = "") -> Response:
    """Discard a draft that has no number yet; issued records change only through change requests."""
    archive.documents.discard_draft(actor=actor, doc_id=doc_id, reason=reason)
    return Response(status_code=204)


@router.post("/documents/{doc_id}/submit", response_model=DocumentRead, tags=["approval"])
def submit(doc_id: PathId, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """报送审批: the logged-in handler sends a complete draft to the approval steps of its form."""
    return _read(archive, archive.approvals.submit(actor=actor, doc_id=doc_id))


@router.post("/documents/{doc_id}/approve", response_model=DocumentRead, tags=["approval"])
def approve(doc_id: PathId, body: DecisionRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """审核/审批 通过: the pending step, by someone holding a role for it (never the submitter)."""
    return _read(archive, archive.approvals.decide(actor=actor, doc_id=doc_id, approve=True, **body.model_dump()))


@router.post("/documents/{doc_id}/reject", response_model=DocumentRead, tags=["approval"])
def reject(doc_id: PathId, body: DecisionRequest, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """退回: back to the handler as a draft, with the reason."""
    return _read(archive, archive.approvals.decide(actor=actor, doc_id=doc_id, approve=False, **body.model_dump()))


@router.get("/desk", tags=["approval"])
def desk(archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """我的文书 (the 工作台): your drafts, those sent back (被退回), those awaiting a step (审批中, with
    the step) and those every step has approved (待签发: ``POST /api/documents/{id}/issue``)."""
    mine = archive.approvals.desk(actor=actor)
    return {
        group: [{**plain(d), "stage_zh": DESK_STAGE_ZH[d.stage]} for d in getattr(mine, group)]
        for group in ("drafts", "returned", "waiting", "to_issue")
    }


@router.get("/documents/{doc_id}/approvals", tags=["approval"])
def approval_state(doc_id: PathId, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return plain(archive.approvals.approval_state(actor=actor, doc_id=doc_id))


# -- changes to issued records (seed 003 第七条) ---------------------------------------------------


@router.post("/documents/{doc_id}/changes", status_code=201, tags=["changes"])
def request_change(doc_id: PathId, body: ChangeRequestCreate, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """申请更改/作废/删除: nothing changes until every step has approved and an administrator applies it."""
    return plain(archive.changes.request_change(actor=actor, doc_id=doc_id, **body.model_dump()))


@router.get("/changes", tags=["changes"])
def list_changes(archive: ArchiveDep, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
    return plain(archive.changes.change_requests(actor=actor, status=status))


@router.get("/changes/{request_id}", tags=["changes"])
def get_change(request_id: PathId, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return plain(archive.changes.change_request(actor=actor, request_id=request_id))


@router.post("/changes/{request_id}/approve", tags=["changes"])
def approve_change(request_id: PathId, body: ChangeDecision, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return plain(archive.changes.decide_change(actor=actor, request_id=request_id, approve=True, opinion=body.opinion))


@router.post("/changes/{request_id}/reject", tags=["changes"])
def reject_change(request_id: PathId, body: ChangeDecision, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return plain(archive.changes.decide_change(actor=actor, request_id=request_id, approve=False, opinion=body.opinion))


@router.post("/changes/{request_id}/apply", response_model=DocumentRead, tags=["changes"])
def apply_change(request_id: PathId, archive: ArchiveDep, actor: Actor) -> DocumentRead:
    """执行: an administrator carries out an approved request (a correction returns the new edition)."""
    return _read(archive, archive.changes.apply_change(actor=actor, request_id=request_id))
