"""移交与接收: take in a package made by another anjuan instance (or any producer of the same
layout). The 四性检测 runs first and a package that fails it is refused whole; an accepted package is
kept as it came — every payload file stored as a content-addressed blob, the receipt and the
check results recorded in the hash-chained log. (The sending archive's database rows are not
recreated: the package, with its metadata XML, is the record of the received case.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import events
from ..access import Principal, require
from ..errors import Conflict
from ..models import Event
from .export import NS
from .fourness import FournessReport, parse_metadata, verify_package

if TYPE_CHECKING:
    from ..kernel import Kernel

__all__ = ["ImportResult", "import_package"]


@dataclass(frozen=True)
class ImportResult:
    file_no: str
    archive_no: str
    files: tuple[tuple[str, str], ...]  # (path in the bag, sha256)
    report: FournessReport
    repeat: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "file_no": self.file_no,
            "archive_no": self.archive_no,
            "files": [{"path": p, "sha256": d} for p, d in self.files],
            "repeat": self.repeat,
            "report": self.report.to_dict(),
        }


def import_package(kernel: Kernel, *, actor: Principal, path: Path) -> ImportResult:
    require(actor, "file")
    path = Path(path)
    report = verify_package(path, verify_pdf=kernel.verify, checks=kernel.rules.archive_checks)
    if not report.ok:
        failing = [i.code for i in report.items if i.result == "fail" and i.blocking]
        raise Conflict(
            f"归档信息包未通过四性检测：{'、'.join(failing)}",
            f"the package fails its checks: {', '.join(failing)}",
            code="package_failed_checks",
            details={"failing": failing, "report": report.to_dict()},
        )
    case = parse_metadata(path / "data" / "case.xml")  # the checker's own parser: no DTD, no entities
    file_no = (case.findtext(f"{{{NS}}}file_no") or "").strip()
    archive_no = (case.findtext(f"{{{NS}}}archive_no") or "").strip()
    files = []
    for entry in sorted((path / "data").rglob("*")):
        if entry.is_file():
            files.append((str(entry.relative_to(path)), kernel.blobs.put(entry.read_bytes())))
    manifest = kernel.blobs.put((path / "manifest-sha256.txt").read_bytes())
    with kernel.db.write() as s:
        earlier = s.scalars(select(Event).where(Event.entity == "package", Event.action == "package_received")).all()
        repeat = any(e.data.get("manifest_sha256") == manifest for e in earlier)
        events.record(
            s,
            actor=actor.name,
            entity="package",
            entity_id=0,
            action="package_received",
            file_no=file_no,
            archive_no=archive_no,
            manifest_sha256=manifest,
            files=[{"path": p, "sha256": d} for p, d in files],
            checks={i.code: i.result for i in report.items},
            repeat=repeat,
        )
    return ImportResult(file_no, archive_no, tuple(files), report, repeat)
