"""Per-client rate limit on the endpoints anyone may call without logging in.

``/verify`` and ``/api/verify`` (a PDF checked in a worker process), and ``/api/pki/root.pem``: each
client address has a token bucket of ``public_rate_burst`` requests, refilled at
``public_rate_per_minute``; a request that finds it empty is answered 429 ``rate_limited`` with
``Retry-After`` before its body is read. The login routes are left to the login throttle (per account
and per address, with back-off) and ``/healthz`` to the monitors that poll it.

The state is in this process: a server run with several worker processes limits in each separately
(a client gets ``workers × burst`` at most) — acceptable for a bound on abuse, not an accounting. The
address is the peer's, or — only when the peer is one of ``ANJUAN_TRUSTED_PROXIES`` — the address
that proxy forwarded (:func:`api.client.client_address`): a forwarded header from anyone else is not
believed, since anyone can write one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from anjuan.archive.errors import TooManyRequests
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .client import client_address
from .errors import respond

__all__ = ["PUBLIC_ROUTES", "PublicRateLimit", "TokenBuckets"]

#: (method, path) of the routes that need no login and are rate limited per client address.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {("POST", "/verify"), ("POST", "/api/verify"), ("GET", "/api/pki/root.pem")}
)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One token bucket per key: ``burst`` at most, ``per_minute`` added back a minute. Thread-safe."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0 if there was one, else the seconds until there is."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping those keeps memory bounded
        # however many addresses call; if all are still draining, the oldest go.
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.stamp) * self.rate >= self.burst]
        for key in full or sorted(self._buckets, key=lambda k: self._buckets[k].stamp)[: self.max_keys // 10 or 1]:
            del self._buckets[key]


class PublicRateLimit:
    """ASGI middleware: :data:`PUBLIC_ROUTES` limited per client address (see the module docstring).
    The limits are read from the archive's settings on the first request (the archive is made at
    start-up, after this middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._buckets: TokenBuckets | None = None

    def buckets(self, scope: Scope) -> TokenBuckets:
        if self._buckets is None:
            settings = scope["app"].state.archive.kernel.settings
            self._buckets = TokenBuckets(settings.public_rate_per_minute, settings.public_rate_burst)
        return self._buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) not in PUBLIC_ROUTES:
            await self.app(scope, receive, send)
            return
        # The same notion of "client" as login throttling: the peer, or behind a trusted proxy
        # (ANJUAN_TRUSTED_PROXIES) the address it forwarded.
        wait = self.buckets(scope).take(client_address(Request(scope)) or "unknown")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        buckets = self.buckets(scope)
        per_minute = round(buckets.rate * 60, 3)
        error = TooManyRequests(
            f"请求过于频繁（每分钟 {per_minute:g} 次，连续最多 {buckets.burst:g} 次），请稍后重试",
            f"too many requests from this address (limit {per_minute:g} a minute, {buckets.burst:g} at once)",
            retry_after=math.ceil(wait),
            code="rate_limited",
            details={
                "limit": per_minute,
                "setting": "public_rate_per_minute",
                "burst": buckets.burst,
            },
        )
        await respond(Request(scope), error)(scope, receive, send)
