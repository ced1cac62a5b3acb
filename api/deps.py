"""Typed FastAPI dependencies: the archive and the acting user."""

from __future__ import annotations

from typing import Annotated

from anjuan.archive.service import Archive
from fastapi import Depends, Header, Request

__all__ = ["Actor", "ArchiveDep"]


def _archive(request: Request) -> Archive:
    return request.app.state.archive  # type: ignore[no-any-return]


def _actor(x_anjuan_user: Annotated[str | None, Header()] = None) -> str:
    # Authentication arrives with the procedure issue; until then the caller names itself.
    return (x_anjuan_user or "api").strip() or "api"


ArchiveDep = Annotated[Archive, Depends(_archive)]
Actor = Annotated[str, Depends(_actor)]
