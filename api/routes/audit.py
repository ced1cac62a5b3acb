"""操作日志: ``GET /api/audit/events`` — the event log in the reader's scope, with the chain's status
(``archive.oplog``). Administrators, supervisors, 法制审核 and leaders (capability ``audit``)."""

from __future__ import annotations

from typing import Annotated, Any

from anjuan.archive.oplog import ChainStatus, EventFilter, EventRow
from fastapi import APIRouter, Query

from ..deps import Actor, ArchiveDep
from ..schemas import OptionalDay, QueryId, instant

__all__ = ["event_json", "object_path", "router"]

router = APIRouter(tags=["audit"])

# The web page of each kind of object an event can name (None: it has no page of its own).
_PAGES = {
    "case": "/web/cases/{id}",
    "document": "/web/documents/{id}",
    "user": "/web/users",
    "organisation": "/web/admin",
    "officer": "/web/admin",
}


def object_path(row: EventRow) -> str | None:
    """The page that shows the event's object (a case, a document, the users …), if any."""
    page = _PAGES.get(row.entity)
    return page.format(id=row.entity_id) if page and row.entity_id > 0 else None


def event_json(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "seq": row.seq,
        "at": instant(row.at),
        "at_beijing": row.at_beijing,
        "actor": row.actor,
        "person": row.person,
        "action": row.action,
        "action_zh": row.action_zh,
        "object": {
            "kind": row.entity,
            "kind_zh": row.entity_zh,
            "id": row.entity_id,
            "name": row.object_zh,
            "url": object_path(row),
        },
        "case_id": row.case_id,
        "data": row.data,
    }


def chain_json(status: ChainStatus) -> dict[str, Any]:
    return status.to_dict()


@router.get("/audit/events")
def audit_events(
    archive: ArchiveDep,
    actor: Actor,
    who: Annotated[str | None, Query(alias="actor", max_length=100, description="login name or person's name")] = None,
    action: Annotated[str | None, Query(max_length=40, description="an action code, e.g. closed")] = None,
    entity: Annotated[str | None, Query(max_length=40, description="case | document | user | …")] = None,
    case_id: QueryId = None,
    since: Annotated[OptionalDay, Query(description="from this Beijing date (inclusive)")] = None,
    until: Annotated[OptionalDay, Query(description="to this Beijing date (inclusive)")] = None,
    limit: Annotated[int | None, Query(ge=1, description="entries per page (setting oplog_page_max caps it)")] = None,
    after: QueryId = None,
) -> dict[str, Any]:
    """操作日志, newest first: ``events`` (each with Beijing time, the person's name, the action in
    Chinese and the object with its page), ``next_after`` (pass as ``after`` for older entries) and
    ``chain`` (the hash chain's status: intact, or where it breaks)."""
    page = archive.oplog.events(
        actor=actor,
        filters=EventFilter(
            actor=who,
            action=action,
            entity=entity,
            case_id=case_id,
            since=since,
            until=until,
            limit=limit,
            after=after,
        ),
    )
    return {
        "chain": chain_json(archive.oplog.chain_status(actor=actor)),
        "events": [event_json(r) for r in page.rows],
        "limit": page.limit,
        "next_after": page.next_after,
    }
