"""The one place where errors become HTTP responses: stable codes, Chinese + English messages."""

from __future__ import annotations

import logging

from anjuan.archive.catalogue import CatalogueError
from anjuan.archive.db import translate_failure
from anjuan.archive.errors import (
    ArchiveError,
    Conflict,
    Forbidden,
    IssueIncomplete,
    NotFound,
    RenderFailed,
    ServiceUnavailable,
    TooLarge,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from anjuan.archive.search import IndexingError, IndexLocked, InvalidQuery
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anjuan.errors import AnjuanError

__all__ = ["LastResort", "http_status", "install", "respond", "retry_after"]

log = logging.getLogger("anjuan.api")


#: codes of the validators in api/schemas.py, kept when FastAPI reports their refusal
_OWN_CODES = {"control_character", "date_out_of_range"}
#: Starlette's HTTP errors as (code, Chinese, English)
_HTTP_ERRORS = {
    400: ("malformed_body", "请求正文无法解析（不是有效的JSON或表单）", "the request body could not be parsed"),
    404: ("not_found", "没有这个地址", "no such path"),
    405: ("method_not_allowed", "此地址不支持该请求方法", "method not allowed at this path"),
}


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
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, TooManyRequests):
        return 429
    if isinstance(exc, ServiceUnavailable):
        return 503
    if isinstance(exc, CatalogueError):
        return 400
    if isinstance(exc, RenderFailed | IssueIncomplete):
        return 500
    return 400


def retry_after(exc: AnjuanError) -> int | None:
    """Seconds a client should wait before retrying a 503 (HTTP ``Retry-After``)."""
    if isinstance(exc, ServiceUnavailable | TooManyRequests):
        return exc.retry_after
    if isinstance(exc, IndexLocked | IndexingError):
        return 5
    return None


def _headers(exc: AnjuanError, status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status in (429, 503) and (seconds := retry_after(exc)) is not None:
        return {"Retry-After": str(seconds)}
    return None


class LastResort:
    """Whatever no handler answered still gets the JSON error shape (or the error page), never
    Starlette's plain-text "Internal Server Error": a driver error that means "not now" becomes
    its 503, anything else a 500 with code ``internal_error``. Answering here, inside the server
    error middleware, also keeps the client's keep-alive connection usable for its next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # half an answer is out: nothing sensible can follow it
                raise
            error = translate_failure(exc)
            if error is None:
                log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
                error = AnjuanError(
                    "服务器内部错误，请稍后重试；如仍失败请联系管理员",
                    f"internal error ({exc.__class__.__name__})",
                    code="internal_error",
                )
            response = _respond(Request(scope), error)
            await response(scope, receive, send)


def _respond(request: Request, exc: AnjuanError) -> Response:
    status = http_status(exc)
    (log.error if status >= 500 else log.info)("%s %s", exc.code, exc.message_en)
    if _is_page(request):
        return _error_page(request, exc, status)
    return JSONResponse(status_code=status, content={"error": exc.to_dict()}, headers=_headers(exc, status))


def respond(request: Request, exc: AnjuanError) -> Response:
    """The response for ``exc``, for a middleware that answers before any route (no handler runs there)."""
    return _respond(request, exc)


def _is_page(request: Request) -> bool:
    # Browser pages get the same status and code, as an HTML page in the site's frame.
    from .web import PREFIX

    return request.url.path.startswith(f"{PREFIX}/")


def _error_page(request: Request, exc: AnjuanError, status: int) -> Response:
    from .web.context import error_page

    return error_page(request, exc, status)


def install(app: FastAPI) -> None:
    app.add_middleware(LastResort)

    @app.exception_handler(AnjuanError)
    async def _archive_error(request: Request, exc: AnjuanError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own refusals (no such path, wrong method, a body FastAPI could not parse —
        # e.g. JSON nested past Python's recursion limit) in the same error body as every other.
        code, zh, en = _HTTP_ERRORS.get(exc.status_code, ("bad_request", "请求有误", str(exc.detail)))
        error = AnjuanError(zh, en, code=code)
        if _is_page(request):
            return _error_page(request, error, exc.status_code)
        return JSONResponse(status_code=exc.status_code, content={"error": error.to_dict()}, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> Response:
        # A value refused by one of our own validators (api/schemas.py) keeps its code; FastAPI's
        # and pydantic's own findings are ``bad_request``.
        kinds = {str(err.get("type", "")) for err in exc.errors()}
        code = kinds.pop() if len(kinds) == 1 and kinds <= _OWN_CODES else "bad_request"
        if _is_page(request):
            bad = AnjuanError("请求参数不完整或格式错误", f"malformed request: {exc.errors()}", code=code)
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
                    "code": code,
                    "message": "请求格式错误 / malformed request",
                    "message_zh": "请求格式错误",
                    "message_en": "malformed request",
                    "details": {"fields": fields},
                }
            },
        )
