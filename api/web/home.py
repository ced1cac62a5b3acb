"""登录, 退出, the home page per role (工作台) and the progress of long jobs."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from anjuan.archive.errors import TooManyRequests, Unauthenticated
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..client import client_address, cookie_secure
from ..schemas import PathId
from .context import COOKIE, PREFIX, LoginForm, Posted, Viewer, redirect, render
from .jobs import JobRunner

__all__ = ["router"]

router = APIRouter()


def _safe_next(url: str) -> str:
    # Only a path inside the web UI: never an absolute URL (no open redirect after login).
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX):
        return f"{PREFIX}/"
    return url


LOGIN_CSRF = "anjuan_login_csrf"


def _login_page(request: Request, *, code: int = 200, next: str, error: str = "", username: str = "") -> Response:
    """The login form with a fresh double-submit CSRF token: the same random value in a cookie and
    in a hidden field. A foreign site can make the browser post the form but can neither read nor
    set our cookie, so it cannot log a victim in to an account of the attacker's choosing."""
    token = secrets.token_hex(16)
    response = render(
        None, request, "login.html", code=code, title="登录", next=next, error=error, username=username, csrf=token
    )
    response.set_cookie(
        LOGIN_CSRF,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path=f"{PREFIX}/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: LoginForm) -> Response:
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    cookie, sent = request.cookies.get(LOGIN_CSRF, ""), str(form.get("csrf", ""))
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        # Checked before the password: a forged post costs no scrypt and counts as no failure.
        error = "页面已过期或来源不明，请重新登录（csrf_failed）"
        return _login_page(request, code=403, next=target, error=error, username=username)
    try:
        result = request.app.state.archive.accounts.login(
            username=username, password=password, address=client_address(request)
        )
    except (Unauthenticated, TooManyRequests) as exc:
        code = 429 if isinstance(exc, TooManyRequests) else 401
        response = _login_page(request, code=code, next=target, error=exc.message_zh, username=username)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = redirect(target)
    response.delete_cookie(LOGIN_CSRF, path=f"{PREFIX}/login")
    ttl = int((result.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    response.set_cookie(
        COOKIE,
        result.token,
        max_age=max(ttl, 60),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )
    return response


@router.post("/logout")
def logout(web: Viewer, _posted: Posted) -> Response:
    web.archive.accounts.logout(web.token)
    response = redirect(f"{PREFIX}/login", "已退出登录")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, web: Viewer) -> Response:
    actor, archive = web.actor, web.archive
    context: dict[str, Any] = {"title": "工作台", "nav": "home", "today": archive.kernel.clock.today()}
    if actor.can("draft"):
        context["cases"] = [c for c in archive.registry.cases(actor=actor) if c.status == "open"][:20]
        context["mine"] = archive.approvals.desk(actor=actor)
        context["due"] = archive.procedure.due(actor=actor, days=7)
    if web.approver:
        context["inbox"] = archive.approvals.inbox(actor=actor)
    if actor.can("file"):
        context["desk"] = archive.casefiles.desk(actor=actor, limit=10)
    if actor.can("guide"):
        context["filed"] = [c for c in archive.registry.cases(actor=actor) if c.filed_at is not None][-10:]
    return render(web, request, "home.html", **context)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job(request: Request, job_id: PathId, web: Viewer) -> Response:
    """A job's progress: a full page, or (htmx polling) just the progress box."""
    runner: JobRunner = request.app.state.jobs
    found = runner.get(job_id, web.actor.name)
    partial = request.headers.get("hx-request") == "true"
    return render(web, request, "_job.html" if partial else "job.html", job=found, title=found.title)
