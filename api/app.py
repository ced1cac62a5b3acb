"""FastAPI application factory (``anjuan serve``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anjuan.archive.config import Settings
from anjuan.archive.service import Archive
from fastapi import Depends, FastAPI

from anjuan import __version__

from . import errors, guard, web
from .limits import BodyLimit
from .ratelimit import PublicRateLimit
from .routes import audit, auth, casefiles, documents, registry, seals, search, stats
from .security import SecurityHeaders

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, archive: Archive | None = None) -> FastAPI:
    """Build the app; pass ``archive`` to share one (tests), else one is made from ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = archive is None
        app.state.archive = archive or Archive(settings or Settings())
        if own:
            app.state.archive.migrate()
            app.state.archive.check_rules()  # a bad rule file stops the server now, not a request later
        try:
            yield
        finally:
            app.state.jobs.close()
            if own:
                app.state.archive.close()

    app = FastAPI(
        title="anjuan 案卷",
        version=__version__,
        description="安全生产行政执法文书与案卷 — enforcement documents, seals, case files and archive",
        lifespan=lifespan,
        # Every route: no control characters in any text of the request, no over-deep JSON.
        dependencies=[Depends(guard.check_request)],
    )
    errors.install(app)
    # outside the error machinery: an oversized body is refused before any of it is read
    app.add_middleware(BodyLimit)
    app.add_middleware(PublicRateLimit)  # routes that need no login: per client address, before the body is read
    app.include_router(auth.router, prefix="/api")
    app.include_router(registry.router, prefix="/api")
    app.include_router(documents.router, prefix="/api")
    app.include_router(seals.router, prefix="/api")
    app.include_router(casefiles.router, prefix="/api")
    app.include_router(search.router, prefix="/api")
    app.include_router(stats.router, prefix="/api")
    app.include_router(audit.router, prefix="/api")
    app.include_router(search.public_router)
    # The public check of a copy also answers at the top level (/verify), where outside users look first.
    app.add_api_route("/verify", seals.verify, methods=["POST"], tags=["seals"])
    web.install(app)  # the browser UI under /web (and / redirects there)
    # Added last, so it wraps the others: error answers (LastResort's too) get the headers.
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, Any]:
        """``degraded`` while a dependency is failing: which one, and the code its requests get."""
        outages = app.state.archive.kernel.outages.current()
        return {"status": "degraded" if outages else "ok", "version": __version__, "outages": outages}

    guard.declare_errors(app)  # the OpenAPI document lists each operation's 4xx answers
    return app
