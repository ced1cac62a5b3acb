"""质量检查 queries as data: reading and validating ``queries.yaml``.

A query names one check (the implementation in :mod:`.checks`) and that check's ``params``. Each
check has its own params schema (:data:`PARAMS`, extra keys forbidden), so a typo such as
``working_day: 7`` fails at start-up instead of silently running with a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..datafile import load_rules_file, validate
from ..errors import ArchiveError

__all__ = [
    "PARAMS",
    "CaseOpenParams",
    "CheckName",
    "LowScoreParams",
    "NoParams",
    "NumberedDraftParams",
    "PublicationParams",
    "QcQueries",
    "QcQueriesError",
    "QcQuery",
    "UnsealedParams",
    "load_queries",
]

PACKAGE = "anjuan.archive.qc"
QUERIES_FILE = "queries.yaml"

CheckName = Literal[
    "rectification_overdue",
    "publication_overdue",
    "case_open_too_long",
    "unsealed_documents",
    "low_review_score",
    "numbered_drafts",
]


class QcQueriesError(ArchiveError):
    """``queries.yaml`` is unreadable or invalid (code ``qc_queries_invalid``)."""

    code = "qc_queries_invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- per-check params -------------------------------------------------------------------------------


class NoParams(_Model):
    """A check without settings (``params: {}``)."""


class PublicationParams(_Model):
    working_days: int = Field(7, ge=1)  # 公开时限: N 个工作日 after the decision's date


class CaseOpenParams(_Model):
    days: int = Field(90, ge=1)  # 自然日 since 立案 (or since the case was opened in anjuan)


class UnsealedParams(_Model):
    # Off: only "no signatures recorded" is checked — verifying every stored PDF takes a while.
    verify_pdf: bool = True


class LowScoreParams(_Model):
    min_score: float = Field(60, ge=0, le=100)  # below this the latest review counts (60 = 合格)


class NumberedDraftParams(_Model):
    minutes: float = Field(15, ge=0)  # a number held this long by an unissued draft counts


PARAMS: dict[str, type[_Model]] = {
    "rectification_overdue": NoParams,
    "publication_overdue": PublicationParams,
    "case_open_too_long": CaseOpenParams,
    "unsealed_documents": UnsealedParams,
    "low_review_score": LowScoreParams,
    "numbered_drafts": NumberedDraftParams,
}


# -- the file -------------------------------------------------------------------------------------


class QcQuery(_Model):
    """One saved query. ``params`` holds the check's validated settings with defaults filled in."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    check: CheckName
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("params", mode="after")
    @classmethod
    def _check_params(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        check = info.data.get("check")
        if check is None:  # the check itself is invalid; that error is reported instead
            return value
        return PARAMS[check].model_validate(value).model_dump()


class QcQueries(_Model):
    version: int
    queries: tuple[QcQuery, ...]

    @model_validator(mode="after")
    def _unique(self) -> QcQueries:
        # Checked here rather than with min_length, which pydantic also reports when an entry is invalid.
        if not self.queries:
            raise ValueError("no queries")
        names = [q.name for q in self.queries]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"query names given twice: {dupes}")
        return self

    def by_name(self) -> dict[str, QcQuery]:
        return {q.name: q for q in self.queries}


def _build(data: Any, label: str) -> QcQueries:
    return validate(QcQueries, data, label, QcQueriesError, keys=("name",))


def load_queries(path: Path | None = None) -> QcQueries:
    """The validated saved queries; ``path=None`` reads the packaged ``queries.yaml`` (cached by
    source and content)."""
    return load_rules_file(PACKAGE, QUERIES_FILE, Path(path) if path is not None else None, QcQueriesError, _build)
