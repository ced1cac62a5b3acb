"""登录, 退出, the home page per role (工作台) and the progress of long jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from anjuan.archive.errors import Unauthenticated
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..schemas import PathId
from .context import COOKIE, PREFIX, LoginForm, Posted, Viewer, Web, redirect, render
from .jobs import JobRunner

__all__ = ["router"]

router = APIRouter()


def _safe_next(url: str) -> str:
    # Only a path inside the web UI: never an absolute URL (no open redirect after login).
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX):
        return f"{PREFIX}/"
    return url


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return render(None, request, "login.html", title="登录", next=_safe_next(next), error="", username="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: LoginForm) -> Response:
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    try:
        result = request.app.state.archive.accounts.login(username=username, password=password)
    except Unauthenticated as exc:
        return render(
            None, request, "login.html", code=401, title="登录", next=target, error=exc.message_zh, username=username
        )
    response = redirect(target)
    ttl = int((result.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    response.set_cookie(
        COOKIE,
        result.token,
        max_age=max(ttl, 60),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(web: Viewer, _posted: Posted) -> Response:
    web.archive.accounts.logout(web.token)
    response = redirect(f"{PREFIX}/login", "已退出登录")
    response.delete_cookie(COOKIE, path="/")
    return response


def _my_documents(web: Web) -> dict[str, list[Any]]:
    """The user's drafts (草稿), those sent back by an approver (被退回) and those awaiting approval."""
    mine = [d for d in web.archive.documents.list(actor=web.actor) if d.created_by == web.actor.name]
    return {
        "drafts": [d for d in mine if d.status == "draft" and d.round == 0],
        "returned": [d for d in mine if d.status == "draft" and d.round > 0],
        "waiting": [d for d in mine if d.status == "submitted"],
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, web: Viewer) -> Response:
    actor, archive = web.actor, web.archive
    context: dict[str, Any] = {"title": "工作台", "nav": "home", "today": archive.kernel.clock.today()}
    if actor.can("draft"):
        context["cases"] = [c for c in archive.registry.cases(actor=actor) if c.status == "open"][:20]
        context["mine"] = _my_documents(web)
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
