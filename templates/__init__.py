"""templates layer."""

from .context import ApprovalInfo, CaseInfo, DocInfo, DocumentContext, OfficerInfo, OrgInfo, PartyInfo
from .errors import RenderError, TemplateError
from .formatting import checkbox, cn_date, cn_datetime, cn_datetime_range, money, money_upper
from .generic import SEAL_BOOKMARK, render_generic
from .render import FORMS_DIR, DocxRenderer

__all__ = [
    "FORMS_DIR",
    "SEAL_BOOKMARK",
    "ApprovalInfo",
    "CaseInfo",
    "DocInfo",
    "DocumentContext",
    "DocxRenderer",
    "OfficerInfo",
    "OrgInfo",
    "PartyInfo",
    "RenderError",
    "TemplateError",
    "checkbox",
    "cn_date",
    "cn_datetime",
    "cn_datetime_range",
    "money",
    "money_upper",
    "render_generic",
]
