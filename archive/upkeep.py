"""日常维护与完整性 (``archive.upkeep``): fixity of the stored files, the event log's hash chain, and
clearing what no record names (orphan blobs, dead LibreOffice profiles)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .access import Principal, require
from .audit import AuditReport, verify_chain
from .blobs import FileBlobStore
from .errors import Forbidden
from .fixity import FixityReport, run_fixity
from .kernel import Kernel
from .maintenance import DEFAULT_BLOB_GRACE, DEFAULT_PROFILE_GRACE, MaintenanceReport, run_maintenance

__all__ = ["UpkeepService"]


class UpkeepService:
    """Checks and clean-up of the whole installation, each run logged."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def fixity(self, *, actor: Principal) -> FixityReport:
        """Re-read every stored file the records point to and check its SHA-256 (logged). Auditors
        and archivists (档案管理员, who answer for the archive's integrity) may run it."""
        if not actor.can("file"):
            require(actor, "audit")
        return run_fixity(self.kernel.db, self.kernel.blobs, actor=actor.name)

    def maintenance(
        self,
        *,
        actor: Principal,
        apply: bool = False,
        blob_grace: dt.timedelta = DEFAULT_BLOB_GRACE,
        profile_grace: dt.timedelta = DEFAULT_PROFILE_GRACE,
        temp_dir: Path | None = None,
    ) -> MaintenanceReport:
        """日常维护: orphan blobs and dead LibreOffice directories (archive/maintenance.py); a dry run
        unless ``apply``. Administrators may look; only the platform administrator removes, since the
        blob store and the temp dir belong to the whole installation, not to one bureau."""
        require(actor, "manage_registry")
        if apply and not actor.everywhere:
            raise Forbidden(
                "只有平台管理员可以清理文件", "only the platform administrator may remove files", code="not_permitted"
            )
        return run_maintenance(
            self.kernel.db,
            actor=actor.name,
            blob_root=self.kernel.blobs.root if isinstance(self.kernel.blobs, FileBlobStore) else None,
            temp_dir=temp_dir,
            apply=apply,
            blob_grace=blob_grace,
            profile_grace=profile_grace,
        )

    def audit_chain(self, *, actor: Principal) -> AuditReport:
        """Recompute the event log's hash chain; names the first entry that does not fit."""
        require(actor, "audit")
        with self.kernel.db.read() as s:
            return verify_chain(s)
