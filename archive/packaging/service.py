"""归档信息包 as users act on them (``archive.packaging``): export a filed case, check any bag, import one."""

from __future__ import annotations

from pathlib import Path

from ..access import Principal
from ..kernel import Kernel
from ..views import PackageExport
from .export import export_package
from .fourness import FournessReport, verify_package
from .importer import ImportResult, import_package

__all__ = ["PackagingService"]


class PackagingService:
    """BagIt packages (GB/T 39784 四性检测): export and import need the archivist's rights; checking a
    bag needs none, with this installation's trust anchors and its ``checks.yaml``."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def export(self, *, actor: Principal, case_id: int, out_dir: Path) -> PackageExport:
        """The bag of a filed case (documents, volume, attachments, metadata XML, history)."""
        return export_package(self.kernel, actor=actor, case_id=case_id, out_dir=out_dir)

    def verify(self, path: Path) -> FournessReport:
        """四性检测 of any package, signatures checked against this instance's trust anchors."""
        return verify_package(path, verify_pdf=self.kernel.verify, checks=self.kernel.rules.archive_checks)

    def import_(self, *, actor: Principal, path: Path) -> ImportResult:
        """A bag from another installation, refused unless every blocking check passes."""
        return import_package(self.kernel, actor=actor, path=path)
