"""The one place where errors become HTTP responses: stable codes, Chinese + English messages."""

from __future__ import annotations

import logging

from anjuan.archive.catalogue import CatalogueError
from anjuan.archive.errors import (
    ArchiveError,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from anjuan.indexing.errors import IndexingError, IndexLocked, InvalidQuery
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from anjuan.errors import AnjuanError

__all__ = ["http_status", "install"]

log = logging.getLogger("anjuan.api")


def http_status(exc: AnjuanError) -> int:
    if isinstance(exc, InvalidQuery):
        return 400
    if isinstance(exc, IndexLocked | IndexingError):
        return 503
    if not isinstance(exc, ArchiveError):
        return 500
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, NotFound) or exc.code in ("unknown_form",):
        return 404
    if isinstance(exc, ValidationFailed):
        return 422
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ServiceUnavailable):
        return 503
    if isinstance(exc, CatalogueError):
        return 400
    if exc.code == "render_failed":
        return 500
    return 400


def _is_page(request: Request) -> bool:
    # Browser pages get the same status and code, as an HTML page in the site's frame.
    from .web import PREFIX

    return request.url.path.startswith(f"{PREFIX}/")


def _error_page(request: Request, exc: AnjuanError, status: int) -> Response:
    from .web.context import error_page

    return error_page(request, exc, status)


def install(app: FastAPI) -> None:
    @app.exception_handler(AnjuanError)
    async def _archive_error(request: Request, exc: AnjuanError) -> Response:
        status = http_status(exc)
        (log.error if status >= 500 else log.info)("%s %s", exc.code, exc.message_en)
        if _is_page(request):
            return _error_page(request, exc, status)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(status_code=status, content={"error": exc.to_dict()}, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_page(request):
            bad = AnjuanError("请求参数不完整或格式错误", f"malformed request: {exc.errors()}", code="bad_request")
            return _error_page(request, bad, 422)
        fields = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            fields.append(
                {
                    "field": loc,
                    "message_en": err.get("msg", ""),
                    "message_zh": "请求格式错误",
                    "message": f"{loc}: 请求格式错误 / {err.get('msg', '')}",
                }
            )
        return JSONResponse(
            status_code=422,
            content={
                "error": {
                    "code": "bad_request",
                    "message": "请求格式错误 / malformed request",
                    "message_zh": "请求格式错误",
                    "message_en": "malformed request",
                    "details": {"fields": fields},
                }
            },
        )
