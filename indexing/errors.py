"""Errors of the indexing layer::

IndexingError      index_error       the index cannot be read or written
├── IndexLocked    index_locked      another writer held the lock past the timeout
└── InvalidQuery   invalid_query     the query string does not parse (details: position)
"""

from __future__ import annotations

from anjuan.errors import AnjuanError

from .query import QuerySyntaxError

__all__ = ["IndexLocked", "IndexingError", "InvalidQuery"]


class IndexingError(AnjuanError):
    code = "index_error"


class IndexLocked(IndexingError):
    code = "index_locked"


class InvalidQuery(IndexingError):
    code = "invalid_query"

    @classmethod
    def from_syntax(cls, exc: QuerySyntaxError, query: str) -> InvalidQuery:
        return cls(
            f"查询语句有误：{exc.message_zh}",
            f"invalid query: {exc.message_en}",
            details={"query": query, "position": exc.position},
        )
