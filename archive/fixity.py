"""固化信息巡检 (fixity): re-read every stored file the records point to and check its SHA-256.

DA/T 70 asks that the digests fixed at filing be re-checked during long-term keeping (BC stage).
Every run is an event in the hash-chained log, failures named, so the log itself shows when the
archive was last proven unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .blobs import BlobStore
from .errors import NotFound
from .models import FILE_COLUMNS

__all__ = ["FixityReport", "referenced_digests", "run_fixity"]


@dataclass
class FixityReport:
    checked: int = 0
    bytes: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    corrupt: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "bytes": self.bytes,
            "missing": self.missing,
            "corrupt": self.corrupt,
        }


def referenced_digests(session: Session) -> dict[str, str]:
    """digest → what refers to it (the first reference found), for every file a record points to
    (the labelled :data:`~.models.FILE_COLUMNS`)."""
    refs: dict[str, str] = {}
    for file_column in FILE_COLUMNS:
        if file_column.label is None:
            continue
        for *keys, digest in session.execute(select(*file_column.keys, file_column.column)):
            if digest and digest not in refs:
                refs[digest] = file_column.label.format(*keys)
    return refs


def run_fixity(db: Any, blobs: BlobStore, *, actor: str) -> FixityReport:
    with db.read() as s:
        refs = referenced_digests(s)
    report = FixityReport()
    for digest, label in sorted(refs.items(), key=lambda kv: kv[1]):
        report.checked += 1
        try:
            report.bytes += len(blobs.get(digest))
        except NotFound as exc:
            entry = {"sha256": digest, "ref": label}
            (report.corrupt if exc.code == "blob_corrupt" else report.missing).append(entry)
    with db.write() as s:
        events.record(
            s,
            actor=actor,
            entity="archive",
            entity_id=0,
            action="fixity_checked",
            checked=report.checked,
            bytes=report.bytes,
            ok=report.ok,
            missing=report.missing[:50],
            corrupt=report.corrupt[:50],
        )
    return report
