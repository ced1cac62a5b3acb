"""Bring a database to the newest schema (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from .db import Database

__all__ = ["alembic_config", "upgrade"]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("anjuan.archive") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    cfg = alembic_config(db.url)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
