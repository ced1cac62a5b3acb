"""Errors of the archive layer.

Every error carries a stable machine-readable ``code``, a Chinese and an English message, and
structured ``details``; ``api`` maps the classes to HTTP statuses in one place::

    ArchiveError
    ├── Unauthenticated     401  no, wrong or expired credentials
    ├── NotFound            404  unknown organisation, case, document, form …
    ├── ValidationFailed    422  bad field values (``details["fields"]`` lists each field)
    ├── Forbidden           403  the acting person may not do this (role, own submission …)
    ├── Conflict            409  the state does not allow it (issue twice, void a draft …)
    ├── TooLarge            413  a body, upload, field value, image or PDF past a configured limit
    ├── TooManyRequests     429  too many requests or failed logins from one client or account
    ├── RenderFailed        500  a document anjuan generated did not render or convert (ours to fix)
    ├── IssueIncomplete     500  issuing stopped after the number was taken, for a reason nobody foresaw
    └── ServiceUnavailable  503  a dependency (LibreOffice, database) is missing or failing
        ├── DatabaseUnavailable   database_unavailable  refused, dropped or timed-out connections
        ├── DatabaseBusy          database_locked / database_conflict  a lock not granted in time, a
        │                         deadlock or serialisation failure that outlived its retries
        └── StorageUnavailable    storage_read_only / storage_full  the blob store refuses writes

A 503 tells the client to come back (``retry_after`` seconds, sent as ``Retry-After``); the request
changed nothing, or — when a number was already taken — its details name the document to complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anjuan.errors import AnjuanError

__all__ = [
    "ArchiveError",
    "Conflict",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "FieldError",
    "Forbidden",
    "IssueIncomplete",
    "NotFound",
    "RenderFailed",
    "ServiceUnavailable",
    "StorageUnavailable",
    "TooLarge",
    "TooManyRequests",
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


class TooLarge(ArchiveError):  # 超出限制
    """Past a configured size or work limit; ``details`` names the limit (``limit``, its setting,
    and the value that was refused where known), so the caller knows what to shrink."""

    code = "too_large"


class TooManyRequests(ArchiveError):  # 请求过于频繁
    """A client or an account must wait ``retry_after`` seconds (HTTP ``Retry-After``)."""

    code = "too_many_requests"

    def __init__(self, message_zh: str, message_en: str, *, retry_after: int, **kw: Any) -> None:
        super().__init__(message_zh, message_en, **kw)
        self.retry_after = max(1, int(retry_after))
        self.details.setdefault("retry_after", self.retry_after)


class RenderFailed(ArchiveError):  # 文书生成失败
    code = "render_failed"


class IssueIncomplete(ArchiveError):  # 签发未完成: an unforeseen failure after the number was taken
    code = "issue_incomplete"


class ServiceUnavailable(ArchiveError):
    code = "service_unavailable"
    #: seconds a client should wait before trying again (HTTP ``Retry-After``)
    retry_after = 5


class DatabaseUnavailable(ServiceUnavailable):  # 数据库不可用
    code = "database_unavailable"
    retry_after = 10


class DatabaseBusy(ServiceUnavailable):  # 数据库繁忙: a lock not granted in time
    code = "database_locked"
    retry_after = 2


class StorageUnavailable(ServiceUnavailable):  # 存储不可写
    code = "storage_read_only"
    retry_after = 30


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
