"""案卷评查: review items as data (items.yaml), their checks, scoring and rating."""

from .engine import ReviewItem, ReviewRules, load_review_rules, run_review
from .report import CategoryScore, GuidanceView, ItemResult, ReviewedVolume, ReviewFinding, ReviewReport, ReviewScore
from .service import ReviewService

__all__ = [
    "CategoryScore",
    "GuidanceView",
    "ItemResult",
    "ReviewFinding",
    "ReviewItem",
    "ReviewReport",
    "ReviewRules",
    "ReviewScore",
    "ReviewService",
    "ReviewedVolume",
    "load_review_rules",
    "run_review",
]
