"""The 四性检测 items (GB/T 39784 检测项目) as data: ``checks.yaml``, overridable by
``settings.archive_checks_path`` and read once into the kernel's rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..datafile import read_yaml, validate
from ..errors import ArchiveError

__all__ = ["AUTOMATIC_CODES", "CheckItem", "ChecksFileError", "load_checks"]


#: the items :func:`verify_package` decides itself and reports by code
AUTOMATIC_CODES = frozenset(
    [
        "YJ-1-1",
        "YJ-1-7",
        "YJ-1-8",
        "YJ-1-9",
        "YJ-1-14",
        "YJ-2-1",
        "YJ-2-4",
        "YJ-2-5",
        "YJ-2-6",
        "YJ-2-7",
        "YJ-3-1",
        "YJ-3-3",
        "YJ-3-5",
        "YJ-3-6",
        "YJ-4-3",
        "YJ-4-4",
    ]
)


class ChecksFileError(ArchiveError):
    code = "checks_file_invalid"


class CheckItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    nature: str
    name: str
    automatic: bool
    blocking: bool
    description: str = ""


class _Checks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    items: tuple[CheckItem, ...]


@cache
def load_checks(path: Path | None = None) -> tuple[CheckItem, ...]:
    """The 四性检测 items; ``path=None`` reads the packaged ``checks.yaml``. The checks below report by
    code, so an override may rename, re-class or un-block an item, not invent one (refused here)."""
    data, label = read_yaml("anjuan.archive.packaging", "checks.yaml", path, ChecksFileError)
    items = validate(_Checks, data, label, ChecksFileError, keys=("code",)).items
    missing = sorted(AUTOMATIC_CODES - {item.code for item in items})
    if missing:
        raise ChecksFileError(
            f"{label}缺少检测项：{'、'.join(missing)}",
            f"{label} lacks the items the checks report: {', '.join(missing)}",
            details={"missing": missing},
        )
    return items
