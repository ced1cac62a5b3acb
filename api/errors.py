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
from fastapi.responses import JSONResponse

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


def install(app: FastAPI) -> None:
    @app.exception_handler(AnjuanError)
    async def _archive_error(_request: Request, exc: AnjuanError) -> JSONResponse:
        status = http_status(exc)
        (log.error if status >= 500 else log.info)("%s %s", exc.code, exc.message_en)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(status_code=status, content={"error": exc.to_dict()}, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
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
