"""操作日志: every state change is one append-only Event row, and one log line."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from typing import Any

from sqlalchemy.orm import Session

from .audit import chain
from .models import Event

__all__ = ["record"]

log = logging.getLogger("anjuan.events")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record(session: Session, *, actor: str, entity: str, entity_id: int, action: str, **data: Any) -> Event:
    event = Event(
        actor=actor, entity=entity, entity_id=entity_id, action=action, data=_jsonable(data), at=dt.datetime.now(dt.UTC)
    )
    chain(session, event)
    session.add(event)
    log.info("%s %s#%s by %s %s", action, entity, entity_id, actor, _jsonable(data))
    return event
