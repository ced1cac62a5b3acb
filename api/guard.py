"""The edge's own checks of what a request carries, before any route sees it, and the OpenAPI
document's account of the refusals.

:func:`check_request` runs for every route (an application dependency): no text in the path, the
query string, a JSON body or a posted form holds a control character (code ``control_character``,
naming the field), and no JSON body nests deeper than ``json_max_depth``. The archive checks text
again where it enters (``archive.bounds``), for the command line; here the refusal names the
request's field and comes before any work.

:func:`declare_errors` adds to each operation of the OpenAPI document the 4xx answers it can give,
with the one error body (:class:`~.schemas.ErrorResponse`), from what the operation is: guarded by a
token (401, 403), naming something in its path (404), changing state (409), taking a body (413) or
any parameter (422), open to anyone (429). Derived, not listed per route, so a new route is
documented the moment it is added.
"""

from __future__ import annotations

import json
from typing import Any

from anjuan.archive import bounds
from anjuan.archive.errors import FieldError, ValidationFailed
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi

from .schemas import ErrorResponse

__all__ = ["check_request", "declare_errors"]


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects deeper than ``limit`` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((sub, depth + 1) for sub in (item.values() if isinstance(item, dict) else item))
    return False


def _too_deep(limit: int) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                "body",
                "请求正文",
                "body",
                f"JSON嵌套层数超过{limit}层",
                f"JSON nested deeper than {limit} levels",
                {"limit": limit, "setting": "ANJUAN_JSON_MAX_DEPTH"},
            )
        ],
        code="json_too_deep",
    )


def _json_body(raw: bytes, limit: int) -> Any:
    try:
        data = json.loads(raw)
    except RecursionError:  # Python's parser gives up around a thousand levels
        raise _too_deep(limit) from None
    except ValueError:  # not JSON (or a number past Python's digit limit): FastAPI answers it when it parses
        return None
    if _depth_exceeds(data, limit):
        raise _too_deep(limit)
    return data


async def check_request(request: Request) -> None:
    """Refuse control characters anywhere in the request's text, and over-deep JSON (see above)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and bounds.has_control_character(value):
            raise bounds.refuse_control_character(name)
    for name, value in request.query_params.multi_items():
        if bounds.has_control_character(name) or bounds.has_control_character(value):
            raise bounds.refuse_control_character(name)
    content_type = request.headers.get("content-type", "").lower()
    if "json" in content_type:
        limit = request.app.state.archive.kernel.settings.json_max_depth
        raw = await request.body()  # FastAPI has read it already: this is its cached copy
        if raw and (where := bounds.control_character_at(_json_body(raw, limit))) is not None:
            raise bounds.refuse_control_character(where or "body")
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached: the route reads the same parsed form
        for name, value in form.multi_items():
            if bounds.has_control_character(name) or (isinstance(value, str) and bounds.has_control_character(value)):
                raise bounds.refuse_control_character(name)


# -- the OpenAPI document ---------------------------------------------------------------------------

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_WHY = {
    "401": "未登录或令牌无效 — no, wrong or expired token (code unauthenticated)",
    "403": "无权操作 — the user may not do this (role, organisation scope)",
    "404": "未找到 — nothing with that id, or not within the user's scope",
    "409": "状态不允许 — the record's state does not allow it (issued, frozen, …)",
    "413": "超出限制 — a body, upload or value past a configured limit (details name it)",
    "422": "输入有误 — a field is missing or malformed; details.fields names each (codes such as "
    "bad_request, validation_failed, control_character, date_out_of_range, json_too_deep)",
    "429": "请求过于频繁 — too many requests; wait Retry-After seconds",
}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    guarded = bool(operation.get("security"))
    statuses = ["401", "403"] if guarded else ["429"]
    if "{" in path:
        statuses.append("404")
    if guarded and method != "get":
        statuses.append("409")
    if "requestBody" in operation:
        statuses.append("413")
    if "requestBody" in operation or operation.get("parameters"):
        statuses.append("422")
    return statuses


def declare_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare each operation's 4xx answers (see the module docstring)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in (
            ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}).items()
        ):
            components.setdefault(name, definition)
        components["ErrorResponse"] = {
            k: v
            for k, v in ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").items()
            if k != "$defs"
        }
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in _statuses(path, method, operation):
                    responses[status] = {
                        "description": _WHY[status],
                        "content": {"application/json": {"schema": _ERROR_REF}},
                    }
        # FastAPI's own 422 body (HTTPValidationError) is never sent: errors.py answers every
        # malformed request with the ErrorResponse above.
        for unused in ("HTTPValidationError", "ValidationError"):
            if f'/{unused}"' not in json.dumps(schema):
                components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
