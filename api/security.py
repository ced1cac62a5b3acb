"""Security headers on every response (web pages, API answers, errors, static files).

- ``Content-Security-Policy``: only our own scripts, styles, images and frames; no inline script
  (the pages keep their JavaScript in ``static/anjuan.js``; htmx is told not to inject its indicator
  ``<style>`` and not to ``eval``, by the ``htmx-config`` meta tag in ``base.html``). Inline
  ``style=""`` *attributes* stay allowed (``style-src-attr``): they cannot run code, and a few
  pages size things with them (a job's progress bar).
- ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``: no other site can frame a page to
  trick a click. Our own PDFs are framed by our own pages (draft preview, case-file viewer), so a
  PDF may be framed by the same origin.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.

The interactive API docs (``/docs``, ``/redoc``) are FastAPI's pages, which load Swagger UI from a
CDN with an inline start-up script: they get a policy that allows exactly that.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PAGE_POLICY", "SecurityHeaders"]

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'self'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# Our PDFs, framed by our own pages; nothing else, so the browser's PDF viewer is not hindered.
_FRAMED_POLICY = "frame-ancestors 'self'"
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
)
_DOCS = ("/docs", "/docs/oauth2-redirect", "/redoc")


class SecurityHeaders:
    """A pure ASGI middleware (no buffering: streamed downloads stay streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "") in _DOCS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                framed = headers.get("content-type", "").startswith("application/pdf")
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = (
                        _DOCS_POLICY if docs else _FRAMED_POLICY if framed else PAGE_POLICY
                    )
                headers.setdefault("X-Frame-Options", "SAMEORIGIN" if framed else "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
