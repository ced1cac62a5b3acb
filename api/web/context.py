"""What every page shares: the Jinja environment, the signed-in user (cookie), CSRF and flash notes.

The web UI signs in with the same tokens as the API (``Archive.login``); the token travels in an
HttpOnly, SameSite=Lax cookie instead of an ``Authorization`` header. Every state-changing request
carries a CSRF token derived from the session token (a hidden ``csrf`` field, or the
``X-CSRF-Token`` header that htmx sends), so a page on another site cannot post on the user's behalf.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from anjuan.archive import bounds
from anjuan.archive.access import Principal
from anjuan.archive.errors import FieldError, Forbidden, Unauthenticated, ValidationFailed
from anjuan.archive.rules import Rules
from anjuan.archive.service import Archive
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup

from anjuan import display

from ..labels import status_zh  # one table per status, shared with the CLI

__all__ = [
    "COOKIE",
    "PREFIX",
    "LoginForm",
    "LoginRequired",
    "Posted",
    "Viewer",
    "Web",
    "csrf_for",
    "flash",
    "posted_date",
    "redirect",
    "render",
]

PREFIX = "/web"
COOKIE = "anjuan_session"
FLASH = "anjuan_flash"
PAGES = Path(__file__).with_name("pages")

templates = Jinja2Templates(directory=str(PAGES))
env = templates.env
env.trim_blocks = True
env.lstrip_blocks = True


def _date(value: Any) -> str:
    """A stored instant in Beijing time (2026年12月7日 19:21), a date as 2026年10月19日."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return display.instant(value)
    return display.day(value)


# One display layer (anjuan/display.py) for pages, PDFs and the command line: no raw value (UTC
# instants, "true", "50000.00", login names, status keys) reaches a page.
env.filters["d"] = _date
env.filters["instant"] = display.instant
env.filters["day"] = display.day
env.filters["local_datetime"] = display.local_datetime
env.filters["yes_no"] = display.yes_no
env.filters["money"] = display.money
env.filters["value"] = lambda raw, kind: display.value(str(getattr(kind, "value", kind)), raw)
env.filters["label"] = lambda value, kind: display.status(kind, value)
env.filters["status"] = status_zh
env.filters["kind"] = lambda s: display.status("case_kind", s)
env.filters["procedure"] = lambda s: display.status("procedure", s)


@pass_context
def _person(context: Any, login: Any) -> str:
    """The name people read for a login name (制作人 张伟, not zhangwei)."""
    if not login:
        return ""
    archive: Archive = context["request"].app.state.archive
    return display.person(str(login), archive.accounts.display_name_of)


env.filters["person"] = _person


def _rules(context: Any) -> Rules:
    """The rules of the archive the page is served from (a deployment may override the files).
    Every page is rendered with its request (render() below, Starlette's TemplateResponse)."""
    archive: Archive = context["request"].app.state.archive
    return archive.kernel.rules


@pass_context
def _role(context: Any, role: Any) -> str:
    roles = _rules(context).roles.roles
    return roles[role].name if role in roles else str(role)


@pass_context
def _step(context: Any, step: Any) -> str:
    steps = _rules(context).approvals.steps
    return steps[step].name if step in steps else str(step)


env.filters["role"] = _role
env.filters["step"] = _step
# Snippets come from the search backend already HTML-escaped with <mark> added (indexing/api.py).
env.filters["snippet"] = lambda s: Markup(s)


class LoginRequired(Exception):
    """No valid session cookie: the page answers with a redirect to the login form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def csrf_for(token: str) -> str:
    # Derived, not stored: only someone holding the (HttpOnly) session token can compute it.
    return hashlib.sha256(f"anjuan-csrf:{token}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Web:
    """One request's view of the world: the archive, the signed-in user and their CSRF token."""

    request: Request
    archive: Archive
    actor: Principal
    token: str

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)

    async def form(self) -> Any:
        """The posted form, after checking its CSRF token (hidden field or htmx header)."""
        form = await self.request.form()
        sent = self.request.headers.get("x-csrf-token") or str(form.get("csrf", ""))
        if not hmac.compare_digest(sent, self.csrf):
            raise Forbidden(
                "页面已过期或来源不明，请刷新后重试",
                "the form's CSRF token is missing or wrong; reload the page and try again",
                code="csrf_failed",
            )
        return form

    @cached_property
    def approver(self) -> bool:
        """Holds a role for an approval step (审核/审批/审查): the 审批 menu and inbox apply."""
        steps = self.archive.kernel.rules.approvals.steps
        roles = {r for key in ("review", "approve", "examine") if key in steps for r in steps[key].roles}
        return self.actor.officer_id is not None and bool(roles & set(self.actor.roles))

    def form_name(self, form_id: str) -> str:
        return self.archive.kernel.rules.form(form_id).name

    @cached_property
    def display_name(self) -> str:
        return self.archive.accounts.display_name(self.actor)


def _viewer(request: Request) -> Web:
    archive: Archive = request.app.state.archive
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise LoginRequired(_here(request))
    try:
        actor = archive.accounts.authenticate(token)
    except Unauthenticated:
        raise LoginRequired(_here(request)) from None
    return Web(request=request, archive=archive, actor=actor, token=token)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


Viewer = Annotated[Web, Depends(_viewer)]


async def _posted(web: Viewer) -> Any:
    return await web.form()


async def _raw_form(request: Request) -> Any:
    return await request.form()


#: The posted form, CSRF-checked. Reading it is the only async step, so handlers stay plain ``def``
#: and FastAPI runs them in its thread pool: issuing seals and converts, and must not block (or run
#: on) the event loop.
Posted = Annotated[Any, Depends(_posted)]
#: The login form (there is no session yet to derive a CSRF token from).
LoginForm = Annotated[Any, Depends(_raw_form)]


def render(web: Web | None, request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    notes = request.cookies.get(FLASH)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "web": web,
            "me": web.actor if web else None,
            "csrf": web.csrf if web else "",
            "flash": unquote(notes) if notes else "",
            "P": PREFIX,
            "form_name": _form_namer(request),
            **context,
        },
        status_code=code,
    )
    if notes:
        response.delete_cookie(FLASH, path="/")
    return response


def posted_date(raw: Any, field: str, label: str, *, default: dt.date | None = None) -> dt.date:
    """A date typed into a form (YYYY-MM-DD); empty gives ``default`` when there is one."""
    text = str(raw or "").strip()
    if not text and default is not None:
        return default
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            [FieldError(field, label, field, "应为日期（年-月-日）", "must be a date (YYYY-MM-DD)")]
        ) from None
    bounds.check_date(day, field, label, field)
    return day


def _form_namer(request: Request) -> Any:
    catalogue = request.app.state.archive.kernel.rules.catalogue
    names = {f.id: f.name for f in catalogue.forms}
    return lambda form_id: names.get(form_id, form_id)


def redirect(url: str, note: str = "") -> Response:
    """Post/redirect/get; ``note`` is shown once on the next page (加载后即清除)."""
    response = RedirectResponse(url, status_code=303)
    if note:
        response.set_cookie(FLASH, quote(note), max_age=60, httponly=True, samesite="lax", path="/")
    return response


def flash(response: Response, note: str) -> Response:
    response.set_cookie(FLASH, quote(note), max_age=60, httponly=True, samesite="lax", path="/")
    return response


_HEADINGS = {
    400: "请求有误",
    401: "请先登录",
    403: "无权操作",
    404: "未找到",
    409: "无法完成",
    413: "超出限制",
    422: "输入有误",
    429: "请求过于频繁",
}


def error_page(request: Request, exc: Any, status: int) -> Response:
    """An archive error as a page: the same status and code the API gives, in Chinese and English."""
    try:
        web: Web | None = _viewer(request)
    except LoginRequired:
        web = None
    heading = _HEADINGS.get(status, "服务暂不可用" if status == 503 else "出错了")
    if getattr(request.state, "in_frame", False):  # a page shown in a frame (the draft preview): no site
        return render(web, request, "preview_message.html", code=status, title=heading, message=exc.message_zh)
    return render(web, request, "error.html", code=status, title=heading, heading=heading, error=exc)
