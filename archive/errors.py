"""Errors of the archive layer.

Every error carries a stable machine-readable ``code``, a Chinese and an English message, and
structured ``details``; ``api`` maps the classes to HTTP statuses in one place::

    ArchiveError
    ├── Unauthenticated     401  no, wrong or expired credentials
    ├── NotFound            404  unknown organisation, case, document, form …
    ├── ValidationFailed    422  bad field values (``details["fields"]`` lists each field)
    ├── Forbidden           403  the acting person may not do this (role, own submission …)
    ├── Conflict            409  the state does not allow it (issue twice, void a draft …)
    └── ServiceUnavailable  503  a dependency (LibreOffice, database) is missing or failing
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anjuan.errors import AnjuanError

__all__ = [
    "ArchiveError",
    "Conflict",
    "FieldError",
    "Forbidden",
    "NotFound",
    "ServiceUnavailable",
    "Unauthenticated",
    "ValidationFailed",
]


class ArchiveError(AnjuanError):
    code = "archive_error"


class Unauthenticated(ArchiveError):
    code = "unauthenticated"


class NotFound(ArchiveError):
    code = "not_found"


class Forbidden(ArchiveError):
    code = "forbidden"


class Conflict(ArchiveError):
    code = "conflict"


class ServiceUnavailable(ArchiveError):
    code = "service_unavailable"


@dataclass(frozen=True)
class FieldError:
    """One bad field: which one (with its Chinese label) and why, in both languages."""

    field: str
    label_zh: str
    label_en: str
    message_zh: str
    message_en: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "message": f"{self.label_zh}：{self.message_zh} / {self.label_en or self.field}: {self.message_en}",
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            **self.extra,
        }


class ValidationFailed(ArchiveError):
    code = "validation_failed"

    def __init__(self, errors: list[FieldError], *, code: str | None = None) -> None:
        zh = "；".join(f"{e.label_zh}：{e.message_zh}" for e in errors)
        en = "; ".join(f"{e.label_en or e.field}: {e.message_en}" for e in errors)
        super().__init__(
            f"字段校验失败：{zh}",
            f"invalid fields: {en}",
            code=code,
            details={"fields": [e.to_dict() for e in errors]},
        )
        self.errors = errors
