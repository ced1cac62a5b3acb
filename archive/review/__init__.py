"""案卷评查: review items as data (items.yaml), their checks, scoring and rating."""

from .engine import ReviewItem, ReviewRules, load_review_rules, run_review
from .service import ReviewService

__all__ = ["ReviewItem", "ReviewRules", "ReviewService", "load_review_rules", "run_review"]
