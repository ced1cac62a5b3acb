"""Number counters (编号计数器): one row per (organisation, year, counter family).

The increment is a single ``UPDATE … RETURNING`` inside the caller's transaction: PostgreSQL holds
the row lock until commit, SQLite's write transactions are serialised (``BEGIN IMMEDIATE``), so two
issuers can never read the same value, and a rolled-back transaction gives its value back — no
duplicates, no silent gaps.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import NumberCounter

__all__ = ["next_value", "peek_value", "set_start"]


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(NumberCounter)


def next_value(session: Session, *, org_id: int, year: int, counter: str, start: int = 1) -> int:
    """Take the next 序号 of ``counter`` for ``org_id`` in ``year``."""
    session.execute(
        _insert(session).values(org_id=org_id, year=year, counter=counter, next_value=start).on_conflict_do_nothing()
    )
    value = session.execute(
        update(NumberCounter)
        .where(NumberCounter.org_id == org_id, NumberCounter.year == year, NumberCounter.counter == counter)
        .values(next_value=NumberCounter.next_value + 1)
        .returning(NumberCounter.next_value)
    ).scalar_one()
    return value - 1


def peek_value(session: Session, *, org_id: int, year: int, counter: str, start: int = 1) -> int:
    """The 序号 :func:`next_value` would take now, without taking it (to render a document with its
    number before the number is taken, in the transaction that records the document)."""
    value = session.scalar(
        select(NumberCounter.next_value).where(
            NumberCounter.org_id == org_id, NumberCounter.year == year, NumberCounter.counter == counter
        )
    )
    return start if value is None else int(value)


def set_start(session: Session, *, org_id: int, year: int, counter: str, start: int) -> None:
    """设置文书编号起始值: only forward, so a number already issued can never be issued again."""
    from ..errors import Conflict

    current = session.execute(
        select(NumberCounter.next_value).where(
            NumberCounter.org_id == org_id, NumberCounter.year == year, NumberCounter.counter == counter
        )
    ).scalar_one_or_none()
    if current is not None and start < current:
        raise Conflict(
            f"起始值{start}小于下一个可用序号{current}，会产生重号",
            f"start {start} is below the next free value {current}; numbers would repeat",
            code="counter_backwards",
        )
    session.execute(
        _insert(session)
        .values(org_id=org_id, year=year, counter=counter, next_value=start)
        .on_conflict_do_update(index_elements=["org_id", "year", "counter"], set_={"next_value": start})
    )
