"""The one shape every anjuan error has, whichever layer raises it.

Each layer keeps its own base (``ArchiveError``, ``TemplateError``, ``SigningError``) so callers can
tell where a failure came from; all of them derive from :class:`AnjuanError`, which carries a stable
machine-readable ``code``, a Chinese and an English message and structured ``details``. This module
sits below every layer, so the leaf libraries may import it without pointing upwards.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AnjuanError"]


class AnjuanError(Exception):
    code = "anjuan_error"

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        if code is not None:
            self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": f"{self.message_zh} / {self.message_en}",
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": self.details,
        }
