"""What one PDF may make the verifier examine, counted in its raw bytes before any parser runs
(see :mod:`.bounded` for why and for the time budget)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import VerificationError

__all__ = ["StructureCounts", "VerifyLimits", "check_structure", "structure_counts", "too_many"]


@dataclass(frozen=True)
class VerifyLimits:
    """What one verification may examine. The defaults leave ample head-room over real sealed files
    (a handful of revisions and signatures) while keeping the worst accepted file to seconds."""

    max_revisions: int = 64
    max_objects: int = 200_000
    max_signatures: int = 32


@dataclass(frozen=True)
class StructureCounts:
    revisions: int
    objects: int
    signatures: int


_SIZE = re.compile(rb"/Size\s+(\d{1,12})")


def structure_counts(pdf: bytes) -> StructureCounts:
    """Upper estimates of the revisions, objects and signatures of ``pdf`` from its raw bytes (a few
    linear scans: milliseconds for tens of MB)."""
    # Plain substring counts (a regex per object header costs ~20 ms a MB): "xref" that is not part of
    # "startxref" is a classic xref table, "/XRef" an xref stream; "obj" that is not "endobj" an object
    # header. A chance match in binary data only over-counts.
    data = bytes(pdf)
    sections = data.count(b"xref") - data.count(b"startxref") + data.count(b"/XRef")
    revisions = max(data.count(b"startxref"), data.count(b"%%EOF"), sections)
    declared = max((int(m) for m in _SIZE.findall(data)), default=0)
    objects = max(data.count(b"obj") - data.count(b"endobj"), declared)
    return StructureCounts(revisions=revisions, objects=objects, signatures=data.count(b"/ByteRange"))


def check_structure(pdf: bytes, limits: VerifyLimits) -> StructureCounts:
    """Refuse ``pdf`` (:class:`VerificationError`) when a count exceeds ``limits``; else the counts."""
    counts = structure_counts(pdf)
    for code, value, limit, zh, en in (
        ("verify_too_many_revisions", counts.revisions, limits.max_revisions, "修订版本（增量更新）", "revisions"),
        ("verify_too_many_objects", counts.objects, limits.max_objects, "对象", "objects"),
        ("verify_too_many_signatures", counts.signatures, limits.max_signatures, "签名", "signatures"),
    ):
        if value > limit:
            raise too_many(code, zh, en, value, limit)
    return counts


def too_many(code: str, what_zh: str, what_en: str, value: int, limit: int) -> VerificationError:
    return VerificationError(
        f"文件的{what_zh}数量（{value}）超过验证上限 {limit}，不予验证",
        f"the file has {value} {what_en}, more than the verification limit of {limit}",
        code=code,
        details={"limit": limit, "value": value},
    )
