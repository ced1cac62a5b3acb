"""RFC 3161 timestamp authority clients (PAdES B-T and above).

The interface is pyHanko's :class:`~pyhanko.sign.timestamps.TimeStamper`; the real implementation is
its aiohttp-based ``HTTPTimeStamper``, the test one ``DummyTimeStamper`` (an in-process TSA, see
``tests/fixtures/tsa.py``). The TSA is asked once per signature; its certificate must chain to a
trust root given to the verifier, or the timestamp is reported but not trusted.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from .errors import SealingError

__all__ = ["TimeStamper", "timestamper_for"]


@lru_cache(maxsize=16)
def timestamper_for(url: str, *, timeout: float = 10.0) -> HTTPTimeStamper:
    """The HTTP(S) timestamp client for ``url`` (one per URL: pyHanko caches its dry-run response,
    which it uses to size the signature container, on the instance)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SealingError(
            f"时间戳服务地址无效：{url}",
            f"not an http(s) timestamp authority URL: {url}",
            code="bad_tsa_url",
            details={"url": url},
        )
    return HTTPTimeStamper(url, timeout=timeout)
