"""templates layer."""

from typing import TYPE_CHECKING

from anjuan.lazy import lazy_exports

if TYPE_CHECKING:
    from .context import ApprovalInfo, CaseInfo, DocInfo, DocumentContext, OfficerInfo, OrgInfo, PartyInfo
    from .errors import RenderError, TemplateError
    from .formatting import checkbox, cn_date, cn_datetime, cn_datetime_range, money, money_upper
    from .generic import SEAL_BOOKMARK, render_generic
    from .render import FORMS_DIR, DocxRenderer

# Names are imported from their module on first use (PEP 562), not when the package is: the heavy
# libraries behind some of them (pyHanko, python-docx, pikepdf …) cost a command-line call that
# never uses them seconds of start-up.
_EXPORTS = {
    "ApprovalInfo": "context",
    "CaseInfo": "context",
    "DocInfo": "context",
    "DocumentContext": "context",
    "OfficerInfo": "context",
    "OrgInfo": "context",
    "PartyInfo": "context",
    "RenderError": "errors",
    "TemplateError": "errors",
    "checkbox": "formatting",
    "cn_date": "formatting",
    "cn_datetime": "formatting",
    "cn_datetime_range": "formatting",
    "money": "formatting",
    "money_upper": "formatting",
    "SEAL_BOOKMARK": "generic",
    "render_generic": "generic",
    "FORMS_DIR": "render",
    "DocxRenderer": "render",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


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
