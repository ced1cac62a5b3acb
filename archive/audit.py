"""The event log as a hash chain (审计链): each entry stores the hash of the one before it.

Triggers already refuse UPDATE and DELETE on ``events``; the chain catches what triggers cannot —
someone with database rights who drops a trigger, edits an entry or removes one. ``verify_chain``
recomputes every hash and names the first entry that does not fit.

Appending takes the single ``audit_head`` row with ``UPDATE … RETURNING``: the row lock (PostgreSQL)
or the write lock (SQLite) serialises writers, so two transactions can never chain onto the same
tip — the price is that writes commit one at a time, which the short write transactions allow. On
PostgreSQL every write transaction has locked that row already, as its first statement
(:meth:`~anjuan.archive.db.Database.write`): taken here, late, it would deadlock with the number
counter or a case row that another writer locked first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import AuditHead, Event

__all__ = ["GENESIS", "AuditReport", "chain", "entry_hash", "verify_chain"]

GENESIS = "0" * 64


def _utc_naive(at: dt.datetime) -> dt.datetime:
    # SQLite hands datetimes back without a zone, PostgreSQL in the session's zone: hash one form.
    return at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    entity: str,
    entity_id: int,
    action: str,
    data: dict[str, Any],
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": _utc_naive(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "data": data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def chain(session: Session, event: Event) -> None:
    """Give ``event`` its place in the chain; call before it is flushed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AuditHead).values(id=1, seq=0, last_hash=GENESIS).on_conflict_do_nothing())
    seq, prev = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    event.at = event.at or dt.datetime.now(dt.UTC)
    event.seq, event.prev_hash = seq, prev
    event.hash = entry_hash(
        prev,
        seq=seq,
        at=event.at,
        actor=event.actor,
        entity=event.entity,
        entity_id=event.entity_id,
        action=event.action,
        data=event.data or {},
    )
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))


@dataclass(frozen=True)
class AuditReport:
    entries: int
    ok: bool
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    reason_zh: str = ""
    reason_en: str = ""
    # Where the check stopped (the last entry found sound) — an incremental check goes on from here.
    checked_seq: int = 0
    checked_hash: str = GENESIS
    # False when ``limit`` stopped the check before the chain's end: sound so far, not yet to the end.
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "ok": self.ok,
            "first_broken_seq": self.first_broken_seq,
            "first_broken_id": self.first_broken_id,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "checked_seq": self.checked_seq,
            "complete": self.complete,
        }


def verify_chain(
    session: Session, *, after_seq: int = 0, prev_hash: str = GENESIS, limit: int | None = None
) -> AuditReport:
    """Check the chain from the start, or (``after_seq``, ``prev_hash``: where an earlier check
    stopped) only the entries after it; ``limit`` bounds how many entries one call reads."""
    prev, expected_seq, count = prev_hash, after_seq + 1, 0
    query = select(Event).where((Event.seq > after_seq) | (Event.seq.is_(None))).order_by(Event.seq, Event.id)
    if limit is not None:
        query = query.limit(limit + 1)
    for event in session.scalars(query).yield_per(1000):
        if limit is not None and count == limit:
            return AuditReport(count, True, checked_seq=expected_seq - 1, checked_hash=prev, complete=False)
        count += 1
        if event.seq is None:
            return AuditReport(count, False, None, event.id, "日志条目不在审计链中", "entry is outside the chain")
        if event.seq != expected_seq:
            return AuditReport(
                count, False, expected_seq, event.id, f"缺少第{expected_seq}条日志", f"entry {expected_seq} is missing"
            )
        if event.prev_hash != prev:
            return AuditReport(
                count,
                False,
                event.seq,
                event.id,
                "前序哈希不符（上一条被改动或删除）",
                "previous hash does not match (the entry before was changed or removed)",
            )
        digest = entry_hash(
            prev,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            entity=event.entity,
            entity_id=event.entity_id,
            action=event.action,
            data=event.data or {},
        )
        if digest != event.hash:
            return AuditReport(
                count,
                False,
                event.seq,
                event.id,
                "日志内容与哈希不符（条目被改动）",
                "entry content does not match its hash (the entry was changed)",
            )
        prev, expected_seq = event.hash, expected_seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev):
        return AuditReport(
            count,
            False,
            expected_seq,
            None,
            f"链尾缺少第{expected_seq}条起的日志",
            f"entries from {expected_seq} on are missing at the end of the chain",
        )
    return AuditReport(count, True, checked_seq=expected_seq - 1, checked_hash=prev)
