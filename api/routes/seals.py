"""电子签章: verification of any copy, the trust anchor, seal images."""

from __future__ import annotations

from typing import Any

from anjuan.archive.errors import ArchiveError
from fastapi import APIRouter, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..deps import Actor, ArchiveDep
from ..schemas import PathId, plain

__all__ = ["router"]

router = APIRouter()

_MAX_UPLOAD = 50 * 1024 * 1024


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError("文件过大", f"file larger than {limit} bytes", code="file_too_large")
    if not data:
        raise ArchiveError("文件为空", "empty file", code="empty_file")
    return data


@router.post("/verify", tags=["seals"])
async def verify(file: UploadFile, archive: ArchiveDep) -> dict[str, Any]:
    """Upload a PDF: each signature checked, and whether this instance issued it (``ok`` only if all pass)."""
    data = await read_upload(file, _MAX_UPLOAD)
    # pyHanko's synchronous validation must not run inside the event loop.
    return plain(await run_in_threadpool(archive.keys.verify, data))


@router.get("/pki/root.pem", tags=["seals"])
def root_certificate(archive: ArchiveDep) -> Response:
    """The root certificate to trust in a PDF reader (development PKI)."""
    return Response(archive.kernel.sealing.root_certificate_pem(), media_type="application/x-pem-file")


@router.get("/organisations/{org_id}/seals/{role}.png", tags=["seals"])
def seal_image(org_id: PathId, role: str, archive: ArchiveDep, actor: Actor) -> Response:
    return Response(archive.keys.seal_image(actor=actor, org_id=org_id, role=role), media_type="image/png")


@router.put("/organisations/{org_id}/seals/{role}", tags=["seals"])
async def upload_seal(org_id: PathId, role: str, file: UploadFile, archive: ArchiveDep, actor: Actor) -> dict[str, str]:
    data = await read_upload(file, 5 * 1024 * 1024)
    digest = await run_in_threadpool(
        lambda: archive.keys.upload_seal_image(actor=actor, org_id=org_id, role=role, data=data)
    )
    return {"sha256": digest}
