"""Bring a database to the newest schema (Alembic), for SQLite and PostgreSQL alike.

Every command-line call opens the archive and so asks for the newest schema. When the database is
already there — the usual case — that is answered by one ``SELECT`` against the revision the
migration scripts name as head, without importing Alembic (≈ 0.2 s of start-up with Mako); any
doubt (no version table, another revision, scripts that do not parse) goes through Alembic.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .db import Database

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*(?:None|["']([^"']*)["'])""", re.M)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("anjuan.archive") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The one revision no script builds on, read from the scripts' text; None if unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("anjuan.archive.migrations") / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("__"):
            continue
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(db: Database) -> str | None:
    """The schema revision recorded in the database, or None (a new database, or unreadable)."""
    try:
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def upgrade(db: Database, revision: str = "head") -> None:
    if revision == "head" and head_revision() is not None and current_revision(db) == head_revision():
        return
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
