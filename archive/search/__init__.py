"""全文检索: what the archive puts into the search index, and searching it as a user."""

from .service import SearchService

__all__ = ["SearchService"]
