"""Idempotency keys (幂等键) for issuing: a retried request finds the first one's document.

A client that lost the answer to an issuing request (a dropped connection, a 503, a server killed
mid-request) cannot know whether the document was made. Sending the request again with the same
``Idempotency-Key`` is always safe: the key was stored in the same transaction that took the
number, so the retry either finds nothing (the first attempt left no trace — it runs now) or finds
the document (issued: returned as it is; still a numbered draft: completed under the same number).
The same key with a different request is refused: it would otherwise silently answer the wrong one.
"""

from __future__ import annotations

import hashlib
import json
import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, FieldError, ValidationFailed
from .models import IdempotencyKey

__all__ = ["MAX_KEY_LENGTH", "check_key", "find", "fingerprint", "remember"]

MAX_KEY_LENGTH = 200
_ALLOWED = set(string.ascii_letters + string.digits + "-_.:~+/=")


def check_key(key: str) -> str:
    """A key is 1–200 visible ASCII characters (a UUID is the usual choice)."""
    if not key or len(key) > MAX_KEY_LENGTH or not set(key) <= _ALLOWED:
        raise ValidationFailed(
            [
                FieldError(
                    "idempotency_key",
                    "幂等键",
                    "Idempotency-Key",
                    f"应为1至{MAX_KEY_LENGTH}个字母、数字或 -_.:~+/= 字符（建议使用UUID）",
                    f"must be 1–{MAX_KEY_LENGTH} letters, digits or -_.:~+/= (a UUID is a good choice)",
                )
            ],
            code="bad_idempotency_key",
        )
    return key


def fingerprint(kind: str, request: dict[str, Any]) -> str:
    """SHA-256 of the request as canonical JSON: the same request always gives the same digest."""
    body = json.dumps({"kind": kind, **request}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def find(session: Session, *, actor: str, key: str, request_sha256: str) -> int | None:
    """The document an earlier request with this key made, or None; a different request → 409."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.actor == actor, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_sha256 != request_sha256:
        raise Conflict(
            "该幂等键已用于另一请求，请为新请求使用新的幂等键",
            "this Idempotency-Key was used for a different request; use a new key for a new request",
            code="idempotency_key_reused",
            details={"document_id": row.document_id},
        )
    return row.document_id


def remember(session: Session, *, actor: str, key: str, request_sha256: str, document_id: int) -> None:
    session.add(IdempotencyKey(actor=actor, key=key, request_sha256=request_sha256, document_id=document_id))
    session.flush()
