"""User accounts: passwords (scrypt), login tokens, the first administrator.

Passwords are stored as ``scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`` (RFC 7914 through the standard
library), so the cost can rise later without invalidating stored hashes. Login hands out a random
bearer token; only its SHA-256 is stored, so a copy of the database grants no sessions.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import bounds, events, throttle
from .access import Principal, RoleRule, RoleRules, principal_for, require, require_org
from .errors import Conflict, FieldError, NotFound, Unauthenticated, ValidationFailed
from .kernel import Kernel
from .models import ApiToken, Officer, Organisation, User
from .throttle import ThrottlePolicy
from .views import UserView

__all__ = [
    "AccountService",
    "BadLogin",
    "LoginResult",
    "Unauthenticated",
    "authenticate",
    "bootstrap_admin",
    "change_password",
    "check_password",
    "create_user",
    "display_name_of",
    "display_names",
    "hash_password",
    "login",
    "logout",
    "principal_by_name",
    "reset_password",
    "revoke_tokens",
    "set_active",
    "set_display_name",
    "verify_password",
]

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8
DISPLAY_NAME_MAX = 50  # the column's width (users.display_name)


def hash_password(password: str, *, log2_n: int = 15, r: int = 8, p: int = 1) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**log2_n, r=r, p=p, maxmem=2**27, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${log2_n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=2 ** int(log2_n),
            r=int(r),
            p=int(p),
            maxmem=2**27,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _password_error(password: str, field: str = "password") -> FieldError | None:
    if len(password or "") < MIN_PASSWORD:
        return FieldError(field, "密码", field, f"至少{MIN_PASSWORD}位", f"at least {MIN_PASSWORD} characters")
    return None


def _validate(username: str, password: str, roles: list[str], known: dict[str, RoleRule]) -> list[str]:
    errors: list[FieldError] = []
    if not _USERNAME.match(username or ""):
        errors.append(
            FieldError(
                "username",
                "用户名",
                "username",
                "应为2–64位字母、数字或 _ . @ -",
                "2–64 letters, digits or _ . @ -",
            )
        )
    if (bad := _password_error(password)) is not None:
        errors.append(bad)
    aliases = {rule.name: key for key, rule in known.items()}
    roles = [aliases.get(r, r) for r in roles]
    unknown = [r for r in roles if r not in known]
    if unknown:
        errors.append(
            FieldError(
                "roles",
                "角色",
                "roles",
                f"未知角色：{'、'.join(unknown)}",
                f"unknown roles: {', '.join(unknown)}; known: {', '.join(known)}",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return sorted(set(roles))


def bootstrap_admin(session: Session, *, username: str, password: str, log2_n: int) -> User:
    """The platform administrator, created once at installation while no user exists yet."""
    if session.scalar(select(func.count()).select_from(User)):
        raise Conflict(
            "已有用户，初始管理员只能在安装时创建",
            "users exist already; the first administrator is created only at installation",
            code="already_bootstrapped",
        )
    _validate(username, password, [], {})
    user = User(
        username=username,
        password_hash=hash_password(password, log2_n=log2_n),
        org_id=None,
        officer_id=None,
        roles=["admin"],
        created_by="install",
    )
    session.add(user)
    session.flush()
    events.record(session, actor="install", entity="user", entity_id=user.id, action="admin_bootstrapped")
    return user


def create_user(
    session: Session,
    *,
    actor: Principal,
    username: str,
    password: str,
    org_id: int | None = None,
    officer_id: int | None = None,
    roles: list[str] | None = None,
    display_name: str = "",
    log2_n: int,
) -> User:
    """A login for an officer (roles come with the officer) or for staff without 执法证 (archivists,
    reviewers, administrators), always in an organisation the administrator can see.

    ``display_name`` (姓名) is what pages, PDFs and the operation log show instead of the login
    name; an officer's login takes the officer's name when none is given."""
    require(actor, "manage_users")
    clean = _validate(username, password, roles or [], actor.role_rules)
    display_name = _display_name(display_name)
    if officer_id is not None:
        officer = session.get(Officer, officer_id)
        if officer is None or not actor.sees_org(officer.org_id):
            raise NotFound(f"执法人员{officer_id}不存在", f"officer {officer_id} not found", details={"id": officer_id})
        if org_id is not None and org_id != officer.org_id:
            raise ValidationFailed(
                [FieldError("org_id", "机关", "organisation", "与执法人员所属机关不一致", "differs from the officer's")]
            )
        org_id = officer.org_id
        display_name = display_name or officer.name
        if session.scalar(select(User.id).where(User.officer_id == officer_id)):
            raise Conflict(
                f"{officer.name}已有用户账号", f"officer {officer_id} already has a user", code="duplicate_user"
            )
    if org_id is None:
        raise ValidationFailed(
            [FieldError("org_id", "机关", "organisation", "必填（或指定执法人员）", "required (or give an officer)")]
        )
    require_org(session, actor, org_id)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名{username}已存在", f"username {username} is taken", code="duplicate_user")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password, log2_n=log2_n),
        org_id=org_id,
        officer_id=officer_id,
        roles=clean,
        created_by=actor.name,
    )
    session.add(user)
    session.flush()
    events.record(
        session,
        actor=actor.name,
        entity="user",
        entity_id=user.id,
        action="user_created",
        username=username,
        display_name=display_name,
        org_id=org_id,
        officer_id=officer_id,
        roles=clean,
    )
    return user


def _display_name(raw: str | None) -> str:
    name = " ".join(str(raw or "").split())  # one line: it is printed in tables and on the volume
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):  # NUL & co: no database stores them
        raise ValidationFailed(
            [FieldError("display_name", "姓名", "display name", "含有不可见的控制字符", "contains control characters")]
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationFailed(
            [
                FieldError(
                    "display_name",
                    "姓名",
                    "display name",
                    f"不超过{DISPLAY_NAME_MAX}字",
                    f"at most {DISPLAY_NAME_MAX} characters",
                )
            ]
        )
    return name


def display_names(session: Session, logins: Iterable[str]) -> dict[str, str]:
    """Login name → the name people read: the user's 姓名, else the officer's name, else the login
    name itself (also for names that are no user: ``install``, ``system``, a deleted login).

    One query for any number of logins, so a page listing many actors (the operation log, a case's
    documents) resolves them together."""
    wanted = {str(login) for login in logins if login}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.username, User.display_name, Officer.name)
        .outerjoin(Officer, Officer.id == User.officer_id)
        .where(User.username.in_(wanted))
    ).all()
    found = {username: (own or officer or username) for username, own, officer in rows}
    return {login: found.get(login, login) for login in wanted}


def display_name_of(session: Session, login: str) -> str:
    """The name people read for one login (see :func:`display_names`)."""
    return display_names(session, [login]).get(login, login) if login else ""


def revoke_tokens(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """Revoke every live token of the user at once (but ``keep``, a token's SHA-256); how many."""
    now = dt.datetime.now(dt.UTC)
    query = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(ApiToken.token_sha256 != keep)
    return int(session.execute(query.values(revoked_at=now)).rowcount or 0)  # type: ignore[attr-defined]


def _managed_user(session: Session, actor: Principal, user_id: int) -> User:
    """A user the administrator may manage: in scope, else 404 as for anything out of scope (an
    administrator of one county does not learn which users another has)."""
    require(actor, "manage_users")
    user = session.get(User, user_id)
    if user is None or not (actor.everywhere or (user.org_id is not None and actor.sees_org(user.org_id))):
        raise NotFound(
            f"用户{user_id}不存在", f"user {user_id} not found", code="user_not_found", details={"id": user_id}
        )
    return user


def change_password(
    session: Session, *, actor: Principal, old_password: str, new_password: str, keep_token: str | None, log2_n: int
) -> int:
    """The user's own new password; the user's other sessions end (the one in use stays, so the
    page or command that changed it keeps working). Returns how many sessions ended."""
    if (bad := _password_error(new_password, "new_password")) is not None:
        raise ValidationFailed([bad])
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        raise Unauthenticated("用户已停用", "the user is deactivated", code="invalid_token")
    if not verify_password(old_password, user.password_hash):
        raise WrongOldPassword()
    user.password_hash = hash_password(new_password, log2_n=log2_n)
    ended = revoke_tokens(session, user.id, keep=_digest(keep_token) if keep_token else None)
    events.record(
        session, actor=actor.name, entity="user", entity_id=user.id, action="password_changed", sessions_ended=ended
    )
    return ended


class WrongOldPassword(ValidationFailed):
    """The current password given to change it is wrong (counts as a failed login)."""

    def __init__(self) -> None:
        super().__init__(
            [FieldError("old_password", "原密码", "old_password", "原密码不正确", "the current password is wrong")],
            code="wrong_password",
        )


def reset_password(session: Session, *, actor: Principal, user_id: int, new_password: str, log2_n: int) -> User:
    """An administrator sets a new password for a user in scope; every session of that user ends
    and the user's failed-login count is cleared."""
    user = _managed_user(session, actor, user_id)
    if (bad := _password_error(new_password)) is not None:
        raise ValidationFailed([bad])
    user.password_hash = hash_password(new_password, log2_n=log2_n)
    ended = revoke_tokens(session, user.id)
    throttle.clear(session, throttle.keys_for(user.username, None)[0])
    events.record(
        session,
        actor=actor.name,
        entity="user",
        entity_id=user.id,
        action="password_reset",
        username=user.username,
        sessions_ended=ended,
    )
    return user


def set_active(session: Session, *, actor: Principal, user_id: int, active: bool) -> User:
    """停用/启用 a user in scope. Deactivation ends every session of that user at once; nobody
    deactivates themselves or the last active platform administrator (the archive would have no
    one left who sees everything)."""
    user = _managed_user(session, actor, user_id)
    if not active:
        if user.id == actor.user_id:
            raise Conflict(
                "不能停用自己的账号", "you cannot deactivate your own account", code="cannot_deactivate_self"
            )
        if user.org_id is None and "admin" in (user.roles or []) and user.active:
            others = session.scalars(
                select(User).where(User.org_id.is_(None), User.active.is_(True), User.id != user.id)
            ).all()
            if not any("admin" in (u.roles or []) for u in others):
                raise Conflict(
                    "不能停用最后一个系统管理员",
                    "this is the last active platform administrator",
                    code="last_platform_admin",
                )
    if user.active == active:
        return user  # already so: nothing changes, nothing to log
    user.active = active
    ended = revoke_tokens(session, user.id) if not active else 0
    events.record(
        session,
        actor=actor.name,
        entity="user",
        entity_id=user.id,
        action="user_activated" if active else "user_deactivated",
        username=user.username,
        sessions_ended=ended,
    )
    return user


def set_display_name(session: Session, *, actor: Principal, user_id: int, display_name: str) -> User:
    """姓名 of a user in scope (an archivist or administrator without an officer has none until
    given one; until then pages show the login name). Empty falls back to the officer's name."""
    user = _managed_user(session, actor, user_id)
    name = _display_name(display_name) or (user.officer.name if user.officer is not None else "")
    if user.display_name == name:
        return user
    previous, user.display_name = user.display_name, name
    events.record(
        session,
        actor=actor.name,
        entity="user",
        entity_id=user.id,
        action="user_renamed",
        username=user.username,
        display_name=name,
        previous=previous,
    )
    return user


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: dt.datetime
    principal: Principal


_BAD_LOGIN = ("用户名或密码错误", "wrong username or password")


def login(
    session: Session,
    *,
    username: str,
    password: str,
    ttl: dt.timedelta,
    log2_n: int = 15,
    roles: RoleRules | None = None,
) -> LoginResult:
    user = _checked_user(session, username, password, log2_n)
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    session.add(ApiToken(token_sha256=_digest(token), user_id=user.id, created_at=now, expires_at=now + ttl))
    events.record(session, actor=user.username, entity="user", entity_id=user.id, action="logged_in")
    return LoginResult(token=token, expires_at=now + ttl, principal=principal_for(session, user, roles))


class BadLogin(Unauthenticated):
    """A refused login. ``reason`` (unknown_user, wrong_password, inactive) is for the event log
    only: the answer is the same for all three, so it does not reveal which names exist."""

    def __init__(self, reason: str) -> None:
        super().__init__(*_BAD_LOGIN, code="bad_credentials")
        self.reason = reason


def _checked_user(session: Session, username: str, password: str, log2_n: int) -> User:
    bounds.check_text(username, "username", "用户名", "username")  # a NUL is refused as such (422)
    # A name no user can have (the creation rule) is not looked up: it cannot match, and odd
    # characters never reach the database.
    user = session.scalar(select(User).where(User.username == username)) if _USERNAME.match(username) else None
    # Verify against a dummy hash for unknown users too, so timing does not reveal which names exist.
    stored = user.password_hash if user is not None else _dummy_hash(log2_n)
    right = verify_password(password, stored)
    if user is None:
        raise BadLogin("unknown_user")
    if not right:
        raise BadLogin("wrong_password")
    if not user.active:
        raise BadLogin("inactive")
    return user


def check_password(
    session: Session, *, username: str, password: str, log2_n: int = 15, roles: RoleRules | None = None
) -> Principal:
    """The user's principal if the password is right — for one CLI command, without a session token."""
    return principal_for(session, _checked_user(session, username, password, log2_n), roles)


def authenticate(session: Session, token: str, roles: RoleRules | None = None) -> Principal:
    row = session.get(ApiToken, _digest(token)) if token else None
    now = dt.datetime.now(dt.UTC)
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        raise Unauthenticated("登录已失效，请重新登录", "invalid or expired token; log in again", code="invalid_token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("用户已停用", "the user is deactivated", code="invalid_token")
    return principal_for(session, user, roles)


def principal_by_name(session: Session, username: str, roles: RoleRules | None = None) -> Principal:
    """A stored user's principal without a password — for in-process callers that already trust
    the caller (the demo, tests, the CLI after it checked the password)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise Unauthenticated(*_BAD_LOGIN, code="bad_credentials")
    return principal_for(session, user, roles)


def logout(session: Session, token: str) -> None:
    row = session.get(ApiToken, _digest(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
        user = session.get(User, row.user_id)
        events.record(
            session, actor=user.username if user else "?", entity="user", entity_id=row.user_id, action="logged_out"
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@cache
def _dummy_hash(log2_n: int) -> str:
    return hash_password(secrets.token_hex(8), log2_n=log2_n)


class AccountService:
    """用户与登录 (``archive.accounts``): the first administrator, users, logins and sessions, and the
    principal each request acts as — with the kernel's role rules (roles.yaml)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def bootstrap_admin(self, *, username: str, password: str) -> UserView:
        """The platform administrator (系统管理员), once, at installation."""
        with self.kernel.db.write() as s:
            user = bootstrap_admin(s, username=username, password=password, log2_n=self.kernel.settings.password_log2_n)
            return UserView.of(user)

    def create_user(self, *, actor: Principal, **data: Any) -> UserView:
        with self.kernel.db.write() as s:
            return UserView.of(create_user(s, actor=actor, log2_n=self.kernel.settings.password_log2_n, **data))

    def users(self, *, actor: Principal) -> list[UserView]:
        require(actor, "manage_users")
        with self.kernel.db.read() as s:
            rows = s.scalars(select(User).order_by(User.id)).all()
            return [
                UserView.of(u) for u in rows if actor.everywhere or (u.org_id is not None and actor.sees_org(u.org_id))
            ]

    @property
    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy.of(self.kernel.settings)

    def login(self, *, username: str, password: str, address: str | None = None) -> LoginResult:
        """A session token for a right password. ``address`` is the client's (None from the CLI):
        failures count against the account and the address, and a key past its limit is refused
        (429 ``login_throttled``) before the password is even hashed."""
        settings = self.kernel.settings
        keys = self._throttle_gate(username, address)
        try:
            with self.kernel.db.write() as s:
                result = login(
                    s,
                    username=username,
                    password=password,
                    ttl=dt.timedelta(hours=settings.token_ttl_hours),
                    log2_n=settings.password_log2_n,
                    roles=self.kernel.rules.roles,
                )
                throttle.clear(s, keys[0])  # a right password ends the account's count
                return result
        except BadLogin as exc:
            self._failed(username, address, keys, exc.reason)
            raise

    def check_password(self, *, username: str, password: str) -> Principal:
        """The principal for a right password (one CLI command); throttled and logged as a login."""
        keys = self._throttle_gate(username, None)
        try:
            with self.kernel.db.read() as s:
                return check_password(
                    s,
                    username=username,
                    password=password,
                    log2_n=self.kernel.settings.password_log2_n,
                    roles=self.kernel.rules.roles,
                )
        except BadLogin as exc:
            self._failed(username, None, keys, exc.reason)
            raise

    def _throttle_gate(self, username: str, address: str | None) -> list[str]:
        # Before anything reaches the database (the throttle's own table too): a NUL is a 422.
        bounds.check_text(username, "username", "用户名", "username")
        keys = throttle.keys_for(username, address)
        now = dt.datetime.now(dt.UTC)
        with self.kernel.db.read() as s:
            blocked = throttle.blocked_for(s, keys, now)
        if blocked is not None:
            self._failed(username, address, [], "throttled")  # logged, not counted: the wait does not grow
            raise throttle.throttled(*blocked, self.throttle_policy)
        return keys

    def _failed(self, username: str, address: str | None, keys: list[str], reason: str) -> None:
        """Count and log a failed login in a transaction of its own: the login's own transaction is
        rolled back by the refusal. Never the password; the name as tried (printable, cut short)."""
        now = dt.datetime.now(dt.UTC)
        tried = "".join(c if c.isprintable() else "?" for c in username[:64])
        with self.kernel.db.write() as s:
            user_id = s.scalar(select(User.id).where(User.username == tried)) if _USERNAME.match(tried) else None
            throttle.record_failure(s, keys, now, self.throttle_policy)
            events.record(
                s,
                actor="anonymous",
                entity="user",
                entity_id=user_id or 0,
                action="login_failed",
                username=tried,
                address=address,
                reason=reason,
            )

    def change_password(
        self, *, actor: Principal, old_password: str, new_password: str, keep_token: str | None = None
    ) -> int:
        """The user's own password (old one required). Throttled like a login: the old-password
        check must not become a way around the login limits for someone holding a session."""
        keys = self._throttle_gate(actor.name, None)
        try:
            with self.kernel.db.write() as s:
                return change_password(
                    s,
                    actor=actor,
                    old_password=old_password,
                    new_password=new_password,
                    keep_token=keep_token,
                    log2_n=self.kernel.settings.password_log2_n,
                )
        except WrongOldPassword:
            self._failed(actor.name, None, keys, "wrong_old_password")
            raise

    def reset_password(self, *, actor: Principal, user_id: int, new_password: str) -> UserView:
        with self.kernel.db.write() as s:
            return UserView.of(
                reset_password(
                    s,
                    actor=actor,
                    user_id=user_id,
                    new_password=new_password,
                    log2_n=self.kernel.settings.password_log2_n,
                )
            )

    def set_active(self, *, actor: Principal, user_id: int, active: bool) -> UserView:
        with self.kernel.db.write() as s:
            return UserView.of(set_active(s, actor=actor, user_id=user_id, active=active))

    def set_display_name(self, *, actor: Principal, user_id: int, display_name: str) -> UserView:
        with self.kernel.db.write() as s:
            return UserView.of(set_display_name(s, actor=actor, user_id=user_id, display_name=display_name))

    def authenticate(self, token: str) -> Principal:
        with self.kernel.db.read() as s:
            return authenticate(s, token, self.kernel.rules.roles)

    def logout(self, token: str) -> None:
        with self.kernel.db.write() as s:
            logout(s, token)

    def principal(self, username: str) -> Principal:
        """A stored user acting in-process (demo, tests, a CLI that checked the password)."""
        with self.kernel.db.read() as s:
            return principal_by_name(s, username, self.kernel.rules.roles)

    def display_name(self, actor: Principal) -> str:
        """How a user is shown: the name and organisation (张伟 · 尧都区应急管理局)."""
        with self.kernel.db.read() as s:
            org = s.get(Organisation, actor.org_id) if actor.org_id else None
            who = display_name_of(s, actor.name)
            return f"{who} · {org.name}" if org else who

    def display_name_of(self, login: str) -> str:
        """The name people read for a login name (制作人, 立卷人, an operation log's actor): the
        user's 姓名, else the officer's name, else the login name (``install``, ``system``)."""
        with self.kernel.db.read() as s:
            return display_name_of(s, login)

    def display_names(self, logins: Iterable[str]) -> dict[str, str]:
        """Login name → name for many logins in one query (a page of operation-log rows)."""
        with self.kernel.db.read() as s:
            return display_names(s, logins)
