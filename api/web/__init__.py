"""The web UI (网页端): server-rendered pages for case handlers, approvers, archivists and reviewers.

Pages live under ``/web``; they call the same :class:`~anjuan.archive.service.Archive` methods as
the JSON API, so every rule, scope check and event log entry is the archive's, not the page's.
Jinja2 renders, htmx (vendored in ``static/``) adds polling and small partial updates; there is no
front-end build.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from . import accounts, cases, documents, home, oplog, reports, work
from .context import PREFIX, LoginRequired
from .jobs import JobRunner

__all__ = ["PREFIX", "install"]


def install(app: FastAPI) -> None:
    app.state.jobs = JobRunner()
    app.mount(f"{PREFIX}/static", StaticFiles(directory=Path(__file__).with_name("static")), name="web-static")
    for module in (home, accounts, cases, documents, work, reports, oplog):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"{PREFIX}/login?next={quote(exc.next_url)}", status_code=303)

    @app.get("/", include_in_schema=False)
    def _root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
