"""Request sizes bounded at the edge (issue 17), before a body is read.

:class:`BodyLimit` refuses a request whose ``Content-Length`` is over its route's limit without
reading a byte of it, and counts the bytes of a body sent without one (chunked) as they stream,
stopping at the limit. JSON calls and web forms get ``body_max_bytes``; the upload routes the limit
of their kind of file (:data:`anjuan.archive.limits.UPLOADS`) plus room for the form around it.
:func:`read_upload` reads an uploaded file to at most its limit + 1 byte. Refusals are 413 with
code ``body_too_large`` / ``upload_too_large`` and the setting that bounds them, as JSON or (under
``/web``) as the Chinese error page.
"""

from __future__ import annotations

import re

from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError, TooLarge
from anjuan.archive.limits import UPLOADS, check_upload, exceeded, upload_limit
from fastapi import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "body_limit", "read_upload"]

#: what a multipart form adds around the file (boundaries, headers, the title and date fields)
FORM_OVERHEAD = 64 * 1024

#: (method, path) of the routes that take an upload → its kind. Everything else gets body_max_bytes.
_UPLOAD_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"^/(?:api|web)/cases/[^/]+/attachments/?$"), "attachment"),
    ("POST", re.compile(r"^(?:/api)?/verify/?$"), "verify"),
    ("PUT", re.compile(r"^/api/organisations/[^/]+/seals/[^/]+/?$"), "seal"),
    ("POST", re.compile(r"^/api/casefiles/check/?$"), "casefile_check"),
)


def body_limit(settings: Settings, method: str, path: str) -> tuple[str, int, str | None]:
    """(setting, bytes allowed, upload kind or None) for a request to ``method path``."""
    for route_method, pattern, kind in _UPLOAD_ROUTES:
        if method == route_method and pattern.match(path):
            return UPLOADS[kind].setting, upload_limit(settings, kind) + FORM_OVERHEAD, kind
    return "body_max_bytes", settings.body_max_bytes, None


def _refusal(setting: str, limit: int, value: int | None, kind: str | None) -> TooLarge:
    what_zh, what_en = (UPLOADS[kind].what_zh, UPLOADS[kind].what_en) if kind else ("请求内容", "request body")
    return exceeded(
        setting,
        limit,
        value,
        code="body_too_large",
        what_zh=what_zh,
        what_en=what_en,
        **({"kind": kind} if kind else {}),
    )


def _content_length(scope: Scope) -> int | None:
    values = [v for k, v in scope.get("headers", ()) if k == b"content-length"]
    if len(values) != 1:
        return None  # none (chunked), or ambiguous: counted as it streams either way
    try:
        return int(values[0])
    except ValueError:
        return None


class BodyLimit:
    """ASGI middleware: the body-size limit of every HTTP request (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._fallback: Settings | None = None

    def _settings(self, scope: Scope) -> Settings:
        archive = getattr(getattr(scope.get("app"), "state", None), "archive", None)
        if archive is not None:
            return archive.kernel.settings
        if self._fallback is None:  # before start-up has built the archive: the configured defaults
            self._fallback = Settings()
        return self._fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from .errors import _respond

        setting, limit, kind = body_limit(self._settings(scope), scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Refused on the header alone: not a byte of the body is read.
            await _respond(Request(scope), _refusal(setting, limit, declared, kind))(scope, receive, send)
            return

        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _refusal(setting, limit, None, kind)  # stop reading; the app unwinds
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # whatever the app made of a body it could not finish is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await _respond(Request(scope), _refusal(setting, limit, None, kind))(scope, receive, send)


async def read_upload(upload: UploadFile, settings: Settings, kind: str) -> bytes:
    """The uploaded file, read to at most its kind's limit + 1 byte: past the limit it is refused
    (413 ``upload_too_large``) without reading the rest."""
    limit = upload_limit(settings, kind)
    if upload.size is not None:
        check_upload(settings, kind, upload.size)
    data = await upload.read(limit + 1)
    check_upload(settings, kind, len(data))
    if not data:
        raise ArchiveError("文件为空", "empty file", code="empty_file")
    return data
