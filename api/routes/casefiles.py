"""卷宗: evidence attachments, the assembled volume, and the check of any volume's 目录 and pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..deps import Actor, ArchiveDep
from ..limits import read_upload
from ..schemas import (
    CaseRead,
    Day,
    OptionalDay,
    PathId,
    attachment_json,
    case_read,
    casefile_json,
    guidance_json,
    review_json,
)

__all__ = ["router"]

router = APIRouter()


@router.post("/cases/{case_id}/attachments", status_code=201, tags=["casefiles"])
async def add_attachment(
    case_id: PathId,
    archive: ArchiveDep,
    actor: Actor,
    file: UploadFile,
    kind: str = Form(description="photo, evidence, party_identity, statement, payment, court, other"),
    title: str = Form(description="材料名称"),
    date: OptionalDay = Form(None),
    responsible: str = Form(""),
) -> dict[str, Any]:
    """证据材料: a JPEG/PNG photo (one A4 page in the volume) or a scanned PDF."""
    data = await read_upload(file, archive.kernel.settings, "attachment")
    row = await run_in_threadpool(
        lambda: archive.casefiles.add_attachment(
            actor=actor,
            case_id=case_id,
            kind=kind,
            title=title,
            data=data,
            filename=file.filename or "",
            date=date,
            responsible=responsible,
        )
    )
    return attachment_json(row)


@router.get("/cases/{case_id}/attachments", tags=["casefiles"])
def list_attachments(case_id: PathId, archive: ArchiveDep, actor: Actor) -> list[dict[str, Any]]:
    return [attachment_json(a) for a in archive.casefiles.attachments(actor=actor, case_id=case_id)]


@router.post("/cases/{case_id}/casefile", status_code=201, tags=["casefiles"])
def build_casefile(case_id: PathId, archive: ArchiveDep, actor: Actor, checker: str = "") -> dict[str, Any]:
    """组卷: cover, 卷内目录, the documents with page numbers, 备考表; sealed by the organisation."""
    return casefile_json(archive.casefiles.build(actor=actor, case_id=case_id, checker=checker))


@router.get("/cases/{case_id}/casefile", tags=["casefiles"])
def get_casefile(case_id: PathId, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return casefile_json(archive.casefiles.latest(actor=actor, case_id=case_id))


@router.get("/cases/{case_id}/casefile.pdf", tags=["casefiles"])
def casefile_pdf(case_id: PathId, archive: ArchiveDep, actor: Actor) -> Response:
    row = archive.casefiles.latest(actor=actor, case_id=case_id)
    return Response(
        archive.kernel.blobs.get(row.sha256),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}-v{row.version}.pdf"',
            "ETag": f'"{row.sha256}"',
        },
    )


@router.post("/cases/{case_id}/close", response_model=CaseRead, tags=["casefiles"])
def close_case(case_id: PathId, archive: ArchiveDep, actor: Actor) -> CaseRead:
    """结案: needs the issued 结案审批表 (penalty cases) or every rectification re-inspected."""
    archive.casefiles.close(actor=actor, case_id=case_id)
    return case_read(archive.registry.case(actor=actor, case_id=case_id))


@router.post("/cases/{case_id}/file", response_model=CaseRead, tags=["casefiles"])
def file_case(case_id: PathId, archive: ArchiveDep, actor: Actor, checker: str = "") -> CaseRead:
    """归档: 归档号, 档号, 保管期限, the final sealed volume; the case is frozen afterwards."""
    archive.casefiles.file(actor=actor, case_id=case_id, checker=checker)
    return case_read(archive.registry.case(actor=actor, case_id=case_id))


@router.post("/cases/{case_id}/review", tags=["review"])
def review_case(case_id: PathId, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """案卷评查: score out of 100, rating (优秀/良好/合格/不合格; a veto item forces 不合格; with
    （初评） until the manual items are scored, （初评，未结案） for an open case) and each finding with
    its item, document, 文号 and page in the volume."""
    return review_json(archive.reviews.review(actor=actor, case_id=case_id))


class AssessmentIn(BaseModel):
    """人工评查: a reviewer's score of one manual item (事实、证据、法律适用、裁量 …)."""

    model_config = ConfigDict(allow_inf_nan=False)  # NaN passes every "0 to the item's points" comparison

    item: str = Field(description="评查项目 id (a manual item of items.yaml)")
    points: float = Field(description="得分, 0 to the item's points")
    reason: str = Field("", description="评分理由 (required)")


@router.post("/cases/{case_id}/review/assessments", tags=["review"])
def assess_review_item(case_id: PathId, body: AssessmentIn, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """Score a manual review item (待人工评查) with a reason; answers the report as it reads now
    (``final`` once every manual item of a closed case is scored). Bad points or no reason: 422."""
    report = archive.reviews.assess(
        actor=actor, case_id=case_id, item_id=body.item, points=body.points, reason=body.reason
    )
    return review_json(report)


@router.post("/casefiles/check", tags=["casefiles"])
async def check_casefile(file: UploadFile, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """卷宗核对 of an uploaded case-file PDF, as ``anjuan casefile check`` does it: cover, 目录 and 备考表
    present, 目录 entries against the pages and their stamps, whited-out or over-printed stamps, the
    seals (this archive's trust roots), and each page against the archive's copy of its document
    where the caller may see that document."""
    data = await read_upload(file, archive.kernel.settings, "casefile_check")
    return (await run_in_threadpool(lambda: archive.casefiles.check(data, actor=actor))).to_dict()


@router.post("/cases/{case_id}/guidance", status_code=201, tags=["review"])
def issue_guidance(
    case_id: PathId, archive: ArchiveDep, actor: Actor, reply_by: Day, contact: str = "", phone: str = ""
) -> dict[str, Any]:
    """安全生产执法指导意见书: the reviewing (superior) bureau's numbered, sealed opinion from the review."""
    opinion = archive.reviews.guidance(actor=actor, case_id=case_id, reply_by=reply_by, contact=contact, phone=phone)
    return guidance_json(opinion)


@router.get("/guidance/{guidance_id}.pdf", tags=["review"])
def guidance_pdf(guidance_id: PathId, archive: ArchiveDep, actor: Actor) -> Response:
    return Response(archive.reviews.guidance_pdf(actor=actor, guidance_id=guidance_id), media_type="application/pdf")
