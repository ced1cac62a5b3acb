"""质量检查 (quality checks): the standing queries reviewers run, saved as data (queries.yaml) and
run by name over the acting user's scope; and the publication record (公示) of penalty decisions."""

from .checks import CHECKS, CheckContext, Finding
from .publication import AlreadyPublished, NotPublishable, publishable_forms, published_events, record_publication
from .queries import PARAMS, QcQueries, QcQueriesError, QcQuery, load_queries
from .service import QualityService
from .views import Notice, PublicationView, QcRun

__all__ = [
    "CHECKS",
    "PARAMS",
    "AlreadyPublished",
    "CheckContext",
    "Finding",
    "NotPublishable",
    "Notice",
    "PublicationView",
    "QcQueries",
    "QcQueriesError",
    "QcQuery",
    "QcRun",
    "QualityService",
    "load_queries",
    "publishable_forms",
    "published_events",
    "record_publication",
]
