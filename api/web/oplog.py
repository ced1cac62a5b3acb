"""操作日志 page: the event log with a filter form, each row linking to its object, the chain's
status on top (``archive.oplog``; for the holders of ``audit``, in their scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from anjuan.archive import bounds
from anjuan.archive.access import Principal
from anjuan.archive.errors import FieldError, ValidationFailed
from anjuan.archive.oplog import EventFilter, EventRow, action_labels, entity_labels
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..routes.audit import object_path
from .context import Viewer, posted_date, render

__all__ = ["router"]

router = APIRouter()


def _id(raw: str, field: str, label: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= bounds.MAX_ID:
        raise ValidationFailed([FieldError(field, label, field, "应为正整数编号", "must be a positive id")])
    return int(text)


@router.get("/audit", response_class=HTMLResponse)
def oplog(
    request: Request,
    web: Viewer,
    actor: str = "",
    action: str = "",
    entity: str = "",
    case: str = "",
    since: str = "",
    until: str = "",
    after: str = "",
) -> Response:
    params = {"actor": actor, "action": action, "entity": entity, "case": case, "since": since, "until": until}
    filters = EventFilter(
        actor=actor.strip() or None,
        action=action or None,
        entity=entity or None,
        case_id=_id(case, "case", "案件编号"),
        since=posted_date(since, "since", "起始日期") if since.strip() else None,
        until=posted_date(until, "until", "截止日期") if until.strip() else None,
        after=_id(after, "after", "起始记录"),
    )
    page = web.archive.oplog.events(actor=web.actor, filters=filters)
    chain = web.archive.oplog.chain_status(actor=web.actor)
    older = None
    if page.next_after is not None:
        older = "?" + urlencode({**{k: v for k, v in params.items() if v}, "after": page.next_after})
    context: dict[str, Any] = {
        "title": "操作日志",
        "nav": "audit",
        "page": page,
        "chain": chain,
        "params": params,
        "older": older,
        "actions": action_labels(),
        "entities": entity_labels(),
        "link": _link_for(web.actor),
    }
    return render(web, request, "audit.html", **context)


#: objects whose page needs a right beyond reading the log: no link for a reader without it (the
#: crawl found a supervisor shown links to 用户管理 and 机构与人员 that answered 403)
_PAGE_NEEDS = {"user": "manage_users", "organisation": "manage_registry", "officer": "manage_registry"}


def _link_for(actor: Principal) -> Callable[[EventRow], str | None]:
    def link(row: EventRow) -> str | None:
        need = _PAGE_NEEDS.get(row.entity)
        if need is not None and not actor.can(need):  # type: ignore[arg-type]
            return None
        return object_path(row)

    return link
