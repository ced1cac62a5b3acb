"""Login (登录) and user accounts (用户)."""

from __future__ import annotations

from typing import Any

from anjuan.archive.access import Principal
from fastapi import APIRouter, Request, Response

from ..client import client_address
from ..deps import Actor, ArchiveDep, Token
from ..schemas import (
    DisplayNameChange,
    LoginRequest,
    LoginResponse,
    PasswordChange,
    PasswordReset,
    PathId,
    UserCreate,
    UserRead,
)

__all__ = ["router"]

router = APIRouter()


def _me(p: Principal) -> dict[str, Any]:
    return {
        "username": p.name,
        "user_id": p.user_id,
        "org_id": p.org_id,
        "officer_id": p.officer_id,
        "roles": sorted(p.roles),
        "scope": "all" if p.orgs is None else sorted(p.orgs),
    }


@router.post("/auth/login", response_model=LoginResponse, tags=["auth"])
def login(body: LoginRequest, archive: ArchiveDep, request: Request) -> LoginResponse:
    """Exchange a username and password for a bearer token (send it as ``Authorization: Bearer …``).

    Failed logins are counted per account and per client address; past the limit the answer is
    429 ``login_throttled`` with ``Retry-After`` (even for the right password) until the wait ends."""
    result = archive.accounts.login(username=body.username, password=body.password, address=client_address(request))
    return LoginResponse(token=result.token, expires_at=result.expires_at, user=_me(result.principal))


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(archive: ArchiveDep, token: Token, actor: Actor) -> Response:
    archive.accounts.logout(token)
    return Response(status_code=204)


@router.get("/auth/me", tags=["auth"])
def me(actor: Actor) -> dict[str, Any]:
    """Who the token belongs to: organisation, officer, roles and the organisations in scope."""
    return _me(actor)


@router.post("/users", response_model=UserRead, status_code=201, tags=["users"])
def create_user(body: UserCreate, archive: ArchiveDep, actor: Actor) -> UserRead:
    return UserRead.model_validate(archive.accounts.create_user(actor=actor, **body.model_dump()))


@router.get("/users", response_model=list[UserRead], tags=["users"])
def list_users(archive: ArchiveDep, actor: Actor) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in archive.accounts.users(actor=actor)]


@router.post("/auth/password", status_code=204, tags=["auth"])
def change_password(body: PasswordChange, archive: ArchiveDep, token: Token, actor: Actor) -> Response:
    """修改密码: the user's own password (the current one required). The token of this request stays
    valid; every other session of the user ends."""
    archive.accounts.change_password(
        actor=actor, old_password=body.old_password, new_password=body.new_password, keep_token=token
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/password", response_model=UserRead, tags=["users"])
def reset_password(user_id: int, body: PasswordReset, archive: ArchiveDep, actor: Actor) -> UserRead:
    """重置密码 by an administrator (``manage_users``) of a user in scope; every session of the user ends."""
    return UserRead.model_validate(
        archive.accounts.reset_password(actor=actor, user_id=user_id, new_password=body.new_password)
    )


@router.post("/users/{user_id}/name", response_model=UserRead, tags=["users"])
def rename_user(user_id: PathId, body: DisplayNameChange, archive: ArchiveDep, actor: Actor) -> UserRead:
    """设置姓名: what pages, PDFs and the operation log show instead of the login name (empty: the
    officer's name, or the login name for staff without one)."""
    return UserRead.model_validate(
        archive.accounts.set_display_name(actor=actor, user_id=user_id, display_name=body.display_name)
    )


@router.post("/users/{user_id}/deactivate", response_model=UserRead, tags=["users"])
def deactivate_user(user_id: int, archive: ArchiveDep, actor: Actor) -> UserRead:
    """停用: the user can no longer log in, and every token of the user stops working at once."""
    return UserRead.model_validate(archive.accounts.set_active(actor=actor, user_id=user_id, active=False))


@router.post("/users/{user_id}/activate", response_model=UserRead, tags=["users"])
def activate_user(user_id: int, archive: ArchiveDep, actor: Actor) -> UserRead:
    """启用: a deactivated user may log in again (old sessions stay ended)."""
    return UserRead.model_validate(archive.accounts.set_active(actor=actor, user_id=user_id, active=True))
