"""Login (登录) and user accounts (用户)."""

from __future__ import annotations

from typing import Any

from anjuan.archive.access import Principal
from fastapi import APIRouter, Response

from ..deps import Actor, ArchiveDep, Token
from ..schemas import LoginRequest, LoginResponse, UserCreate, UserRead

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
def login(body: LoginRequest, archive: ArchiveDep) -> LoginResponse:
    """Exchange a username and password for a bearer token (send it as ``Authorization: Bearer …``)."""
    result = archive.accounts.login(username=body.username, password=body.password)
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
