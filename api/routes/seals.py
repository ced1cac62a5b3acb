"""电子签章: verification of any copy, the trust anchor, seal images."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..deps import Actor, ArchiveDep
from ..limits import read_upload
from ..schemas import PathId, plain

__all__ = ["router"]

router = APIRouter()


@router.post("/verify", tags=["seals"])
async def verify(file: UploadFile, archive: ArchiveDep) -> dict[str, Any]:
    """Upload a PDF: each signature checked, and whether this instance issued it (``ok`` only if all pass)."""
    data = await read_upload(file, archive.kernel.settings, "verify")
    # A place is taken before a thread is: over verify_max_pending the answer is 429 at once. The
    # verification itself runs in a worker process under verify_timeout_seconds (archive.keys.verify);
    # this thread only waits for it, off the event loop.
    with archive.keys.public_slot():
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
    data = await read_upload(file, archive.kernel.settings, "seal")
    digest = await run_in_threadpool(
        lambda: archive.keys.upload_seal_image(actor=actor, org_id=org_id, role=role, data=data)
    )
    return {"sha256": digest}
