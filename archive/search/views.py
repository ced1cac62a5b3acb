"""What the search service reports about its index (``archive.search.status``): a frozen read model;
``api/schemas.py`` turns it into JSON. Searches answer with the index's own ``SearchResult``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["IndexStatus"]


class IndexStatus(BaseModel):  # 检索索引状态: the index compared with the archive
    model_config = ConfigDict(frozen=True)

    # Counts and keys are those within the caller's scope: a county user does not learn how much
    # other counties hold. The event counters are the whole archive's, so only the whole view has them.
    records: int  # 记录数 in the index (in scope)
    schema_version: int  # the index's schema (another version is rebuilt)
    current: bool  # built with this version's schema
    location: str  # where the index lives: relative to the data directory (never an absolute path), or memory
    checkpoint: int | None  # the last archive event absorbed (events.seq); None outside the whole view
    last_event: int | None  # the archive's latest event; None outside the whole view
    scope: str = "all"  # all | orgs: what the counts cover
    missing: tuple[str, ...]  # 缺少: keys of records the index lacks (the first 50)
    missing_count: int
    stale: tuple[str, ...]  # 多余: keys the index holds that the archive no longer has (the first 50)
    stale_count: int
