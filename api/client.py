"""Who the client is: its address and whether it came over https, believing a reverse proxy's
``X-Forwarded-For`` / ``X-Forwarded-Proto`` only when the TCP peer is one of the trusted proxies
(``ANJUAN_TRUSTED_PROXIES``; default none). Anyone can send those headers; only our own proxy's are
evidence. ``anjuan serve`` turns uvicorn's own proxy-header handling off, so this is the one place.
"""

from __future__ import annotations

import ipaddress

from anjuan.archive.config import Settings
from starlette.requests import HTTPConnection

__all__ = ["client_address", "cookie_secure", "is_https"]


def _settings(request: HTTPConnection) -> Settings:
    return request.app.state.archive.kernel.settings  # type: ignore[no-any-return]


def _trusted(host: str | None, settings: Settings) -> bool:
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip in net for net in settings.trusted_proxy_networks)


def _peer(request: HTTPConnection) -> str | None:
    return request.client.host if request.client else None


def client_address(request: HTTPConnection) -> str | None:
    """The client's address: the TCP peer, or behind trusted proxies the right-most address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (the left part is the client's say)."""
    settings = _settings(request)
    peer = _peer(request)
    if not _trusted(peer, settings):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, settings):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy's client: count it against the proxy's hop
    return peer


def is_https(request: HTTPConnection) -> bool:
    if request.url.scheme == "https":
        return True
    if _trusted(_peer(request), _settings(request)):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


def cookie_secure(request: HTTPConnection) -> bool:
    """The session cookie's Secure flag (``ANJUAN_COOKIE_SECURE``: auto, true or false)."""
    mode = _settings(request).cookie_secure
    return is_https(request) if mode == "auto" else mode == "true"
