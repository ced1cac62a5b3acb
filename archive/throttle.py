"""Login throttling (登录失败限制): exponential back-off per account and per client address.

Each failed login counts against two keys, ``user:<name>`` (whoever tries it, from anywhere) and
``addr:<ip>`` (whatever account it tries). Past a key's limit it must wait: the first wait is
``base`` seconds, each further failure doubles it, up to ``cap``. A refused attempt is answered
*before* the password is hashed, so throttled guessing costs the server almost nothing and tells
the guesser nothing (a right password gets the same 429). A successful login clears its account's
count; an address's count is forgotten after a quiet period (an office behind one address keeps
working after a colleague's typos, and a guesser cannot clear it by logging in to an account of
its own).

The counts live in the database (``login_throttle``), so every server worker and the CLI share them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .config import Settings
from .errors import TooManyRequests
from .models import LoginThrottle

__all__ = ["ThrottlePolicy", "blocked_for", "clear", "keys_for", "record_failure", "throttled"]


@dataclass(frozen=True)
class ThrottlePolicy:
    after_account: int = 5
    after_address: int = 20
    base: float = 1.0
    cap: float = 900.0
    forget: dt.timedelta = dt.timedelta(hours=1)

    @classmethod
    def of(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            after_account=settings.login_throttle_after,
            after_address=settings.login_throttle_after_address,
            base=settings.login_throttle_base_seconds,
            cap=settings.login_throttle_max_seconds,
            forget=dt.timedelta(minutes=settings.login_throttle_forget_minutes),
        )

    def limit(self, key: str) -> int:
        return self.after_address if key.startswith("addr:") else self.after_account

    def wait(self, key: str, failures: int) -> float:
        """Seconds to wait after ``failures`` failures of ``key`` (0 below the limit)."""
        over = failures - self.limit(key)
        if over < 0:
            return 0.0
        # min() before the power would overflow: 2**over grows past any cap quickly.
        return min(self.cap, self.base * 2 ** min(over, 64))


def keys_for(username: str, address: str | None) -> list[str]:
    # Login names are case-sensitive in the users table; the key is too (no second count by case).
    keys = [f"user:{username[:150]}"]
    if address:
        keys.append(f"addr:{address[:150]}")
    return keys


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


def blocked_for(session: Session, keys: list[str], now: dt.datetime) -> tuple[str, float] | None:
    """The key that must still wait and how many seconds, or None when every key may try."""
    worst: tuple[str, float] | None = None
    for key in keys:
        row = session.get(LoginThrottle, key)
        until = _aware(row.blocked_until) if row is not None else None
        if until is not None and until > now:
            left = (until - now).total_seconds()
            if worst is None or left > worst[1]:
                worst = (key, left)
    return worst


def throttled(key: str, seconds: float, policy: ThrottlePolicy) -> TooManyRequests:
    """The refusal: which limit (account or address), the limit and how long to wait."""
    wait = max(1, math.ceil(seconds))
    kind = "address" if key.startswith("addr:") else "account"
    limit = policy.limit(key)
    where = "此地址" if kind == "address" else "此账号"
    return TooManyRequests(
        f"{where}登录失败次数过多（超过{limit}次），请{wait}秒后再试",
        f"too many failed logins for this {kind} (more than {limit}); try again in {wait} s",
        retry_after=wait,
        code="login_throttled",
        details={
            "limit": limit,
            "scope": kind,
            "setting": f"login_throttle_after{'_address' if kind == 'address' else ''}",
        },
    )


def record_failure(session: Session, keys: list[str], now: dt.datetime, policy: ThrottlePolicy) -> None:
    """Count one failure against every key (in the caller's transaction)."""
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif (_aware(row.last_failure_at) or now) + policy.forget < now:
            row.failures = 0  # a quiet period: start counting again
        row.failures += 1
        row.last_failure_at = now
        wait = policy.wait(key, row.failures)
        row.blocked_until = now + dt.timedelta(seconds=wait) if wait else None


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
