"""Typed FastAPI dependencies: the archive and the acting user (from the bearer token)."""

from __future__ import annotations

from typing import Annotated

from anjuan.archive.access import Principal
from anjuan.archive.errors import Unauthenticated
from anjuan.archive.service import Archive
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

__all__ = ["Actor", "ArchiveDep", "Token"]

# auto_error=False: a missing token becomes our own 401 body (code + zh/en message), not FastAPI's.
_bearer = HTTPBearer(auto_error=False, description="POST /api/auth/login for a token")


def _archive(request: Request) -> Archive:
    return request.app.state.archive  # type: ignore[no-any-return]


def _token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("请先登录", "log in first: send Authorization: Bearer <token>", code="unauthenticated")
    return credentials.credentials


def _actor(archive: Annotated[Archive, Depends(_archive)], token: Annotated[str, Depends(_token)]) -> Principal:
    return archive.accounts.authenticate(token)


ArchiveDep = Annotated[Archive, Depends(_archive)]
Token = Annotated[str, Depends(_token)]
Actor = Annotated[Principal, Depends(_actor)]
