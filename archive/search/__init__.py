"""全文检索: what the archive puts into the search index, and searching it as a user."""

from anjuan.indexing.api import FACETS, SearchRequest, SearchResult
from anjuan.indexing.errors import IndexingError, IndexLocked, InvalidQuery

from .service import SearchService
from .views import IndexStatus

# What a caller of the search service hands it and gets back (the index's own request and result
# types), and the index's failures: the API sees them through the archive, not the index library.
__all__ = [
    "FACETS",
    "IndexLocked",
    "IndexStatus",
    "IndexingError",
    "InvalidQuery",
    "SearchRequest",
    "SearchResult",
    "SearchService",
]
