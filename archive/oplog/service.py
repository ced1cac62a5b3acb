"""操作日志 (seed 003 第七条 同步留存操作日志): list the event log with filters, in the reader's scope.

Who may read it: the holders of ``audit`` (执法监督人员, 法制审核, 负责人, 系统管理员 — roles.yaml).
What they see: events of the organisations in their scope. An event names an entity, not an
organisation, so its organisation is worked out in SQL — a case's, a document's, a user's, an
officer's, the organisation itself — and, for entities that have none (当事人, 质量检查, 系统 …),
the organisation of the user who acted. An event with neither (the installer, the system's own
work, the platform administrator's) is the platform administrator's alone.

The chain's status on top is checked incrementally: the service remembers how far the chain was
found sound (sequence number and hash) and reads only the entries after it, at most
``oplog_verify_batch`` per call, so a page view costs the new entries, not the whole log. The entry
it trusted last is re-read each time (changing it breaks the chain there); a full re-check of older
entries is ``anjuan audit verify``.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from .. import bounds
from ..access import Principal, require, require_case
from ..accounts import display_names
from ..audit import GENESIS, AuditReport, verify_chain
from ..catalogue import resolve_form
from ..clock import CHINA, beijing_time
from ..datafile import read_yaml
from ..errors import ArchiveError, FieldError, ValidationFailed
from ..kernel import Kernel
from ..models import Case, Document, Event, Officer, Organisation, User

__all__ = [
    "ChainStatus",
    "EventFilter",
    "EventPage",
    "EventRow",
    "OpLogService",
    "action_labels",
    "entity_labels",
    "person_names",
]


class OpLogLabels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    actions: dict[str, str]
    entities: dict[str, str]


class LabelsFileError(ArchiveError):
    code = "oplog_labels_invalid"


@cache
def _labels(path: Path | None = None) -> OpLogLabels:
    data, _label = read_yaml("anjuan.archive.oplog", "labels.yaml", path, LabelsFileError)
    return OpLogLabels.model_validate(data)


def action_labels() -> dict[str, str]:
    """Every recorded ``action`` → its Chinese label (labels.yaml)."""
    return dict(_labels().actions)


def entity_labels() -> dict[str, str]:
    """Every ``entity`` kind of the log → its Chinese name (labels.yaml)."""
    return dict(_labels().entities)


# Actors that are no user: the installer and the archive's own work.
_NON_USERS = {"install": "系统安装", "system": "系统"}


def person_names(session: Session, logins: set[str]) -> dict[str, str]:
    """The people behind login names, as the log shows them: the user's 姓名, else the officer's
    name (accounts.display_names, the one resolution every page uses); the system's own actors by
    their Chinese names; else the login name."""
    names = {login: _NON_USERS.get(login, login) for login in logins}
    names.update({login: name for login, name in display_names(session, logins).items() if name != login})
    return names


@dataclass(frozen=True)
class EventFilter:
    """What to list: each given filter narrows; ``after`` continues a page (entries older than it)."""

    actor: str | None = None  # login name or the officer's name
    action: str | None = None
    entity: str | None = None  # case | document | user | …
    case_id: int | None = None
    since: dt.date | None = None  # Beijing dates, inclusive
    until: dt.date | None = None
    limit: int | None = None
    after: int | None = None  # an event id: list the entries before it (newest first)


@dataclass(frozen=True)
class EventRow:
    id: int
    seq: int | None
    at: dt.datetime  # aware UTC
    actor: str  # the login name, as recorded
    person: str  # the person's name
    action: str
    action_zh: str
    entity: str
    entity_zh: str
    entity_id: int
    object_zh: str  # what the entity is, in words (a case's name, a document's form and number …)
    case_id: int | None  # the case the event concerns, when there is one
    data: dict[str, Any]

    @property
    def at_beijing(self) -> str:
        return beijing_time(self.at).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class EventPage:
    rows: tuple[EventRow, ...]
    limit: int
    next_after: int | None  # pass as ``after`` for the next (older) page; None at the end


@dataclass(frozen=True)
class ChainStatus:
    """审计链状态: sound up to ``checked_seq`` (all of it when ``complete``), or broken at ``broken_seq``."""

    ok: bool
    checked_seq: int
    complete: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    reason_zh: str = ""

    @property
    def text_zh(self) -> str:
        if not self.ok:
            where = f"第{self.broken_seq}条" if self.broken_seq is not None else f"日志条目{self.broken_id}"
            return f"审计链断裂：{where}（{self.reason_zh}）"
        if not self.complete:
            return f"已核验至第{self.checked_seq}条，其余待下次核验"
        return f"审计链完整（共{self.checked_seq}条）"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked_seq": self.checked_seq,
            "complete": self.complete,
            "broken_seq": self.broken_seq,
            "broken_id": self.broken_id,
            "reason_zh": self.reason_zh,
            "text_zh": self.text_zh,
        }


def _org_of_event() -> ColumnElement[Any]:
    """SQL: the organisation an event belongs to (see the module docstring), NULL if none."""
    acting_users_org = select(User.org_id).where(User.username == Event.actor).scalar_subquery()
    own = sql_case(
        (Event.entity == "case", select(Case.org_id).where(Case.id == Event.entity_id).scalar_subquery()),
        (Event.entity == "document", select(Document.org_id).where(Document.id == Event.entity_id).scalar_subquery()),
        (Event.entity == "user", select(User.org_id).where(User.id == Event.entity_id).scalar_subquery()),
        (Event.entity == "officer", select(Officer.org_id).where(Officer.id == Event.entity_id).scalar_subquery()),
        (Event.entity == "organisation", Event.entity_id),
        else_=literal(None),
    )
    return func.coalesce(own, acting_users_org)


def _case_of_event() -> ColumnElement[Any]:
    return sql_case(
        (Event.entity == "case", Event.entity_id),
        (Event.entity == "document", select(Document.case_id).where(Document.id == Event.entity_id).scalar_subquery()),
        else_=literal(None),
    )


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, CHINA).astimezone(dt.UTC)


class OpLogService:
    """操作日志 (``archive.oplog``): the event log as its readers see it."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._lock = threading.Lock()
        self._sound: tuple[int, str] = (0, GENESIS)  # (seq, hash) the chain was found sound up to
        self._sweep: tuple[int, str] = (0, GENESIS)  # where the re-check of older entries stands

    # -- listing -------------------------------------------------------------------------------------

    def _limit(self, wanted: int | None) -> int:
        settings = self.kernel.settings
        limit = settings.oplog_page_size if wanted is None else wanted
        if limit < 1 or limit > settings.oplog_page_max:
            raise ValidationFailed(
                [
                    FieldError(
                        "limit",
                        "每页条数",
                        "limit",
                        f"每页条数须在1至{settings.oplog_page_max}之间",
                        f"limit must be between 1 and {settings.oplog_page_max}",
                        {"limit": settings.oplog_page_max, "setting": "ANJUAN_OPLOG_PAGE_MAX"},
                    )
                ],
                code="limit_out_of_range",
            )
        return limit

    def _query(self, session: Session, actor: Principal, flt: EventFilter) -> Select[tuple[Event]]:
        query = select(Event)
        if actor.orgs is not None:
            query = query.where(_org_of_event().in_(actor.orgs) if actor.orgs else literal(False))
        if flt.actor:
            officers_logins = (
                select(User.username).join(Officer, Officer.id == User.officer_id).where(Officer.name == flt.actor)
            )
            query = query.where(or_(Event.actor == flt.actor, Event.actor.in_(officers_logins)))
        if flt.action:
            query = query.where(Event.action == flt.action)
        if flt.entity:
            query = query.where(Event.entity == flt.entity)
        if flt.case_id is not None:
            require_case(session, actor, flt.case_id)  # another county's case: 404, as everywhere
            query = query.where(_case_of_event() == flt.case_id)
        if flt.since is not None:
            query = query.where(Event.at >= _beijing_midnight(flt.since))
        if flt.until is not None:
            query = query.where(Event.at < _beijing_midnight(flt.until + dt.timedelta(days=1)))
        if flt.after is not None:
            query = query.where(Event.id < flt.after)
        return query

    def events(self, *, actor: Principal, filters: EventFilter | None = None) -> EventPage:
        """The entries matching ``filters``, newest first, one page (``oplog_page_size``, at most
        ``oplog_page_max``); only those of organisations in the actor's scope."""
        require(actor, "audit")
        flt = filters or EventFilter()
        limit = self._limit(flt.limit)
        bounds.check_date(flt.since, "since", "起始日期", "since")
        bounds.check_date(flt.until, "until", "截止日期", "until")
        for name, value in (("actor", flt.actor), ("action", flt.action), ("entity", flt.entity)):
            bounds.check_text(value, name)
        if flt.since is not None and flt.until is not None and flt.since > flt.until:
            raise ValidationFailed(
                [FieldError("since", "起始日期", "since", "起始日期晚于截止日期", "since is after until")],
                code="bad_period",
            )
        with self.kernel.db.read() as s:
            events = list(s.scalars(self._query(s, actor, flt).order_by(Event.id.desc()).limit(limit + 1)))
            more = len(events) > limit
            events = events[:limit]
            rows = self._rows(s, events)
        return EventPage(rows=tuple(rows), limit=limit, next_after=events[-1].id if more and events else None)

    def _rows(self, s: Session, events: list[Event]) -> list[EventRow]:
        actions, entities = action_labels(), entity_labels()
        names = person_names(s, {e.actor for e in events})
        ids: dict[str, set[int]] = {}
        for e in events:
            ids.setdefault(e.entity, set()).add(e.entity_id)
        docs = {
            d.id: d
            for d in s.execute(
                select(Document.id, Document.case_id, Document.form_id, Document.number).where(
                    Document.id.in_(ids.get("document", set()))
                )
            )
        }
        case_ids = ids.get("case", set()) | {d.case_id for d in docs.values()}
        cases = dict(s.execute(select(Case.id, Case.name).where(Case.id.in_(case_ids))).all()) if case_ids else {}
        plain_names: dict[str, dict[int, str]] = {
            kind: dict(s.execute(select(key, name).where(key.in_(ids.get(kind, set())))).all())
            for kind, key, name in (
                ("user", User.id, User.username),
                ("officer", Officer.id, Officer.name),
                ("organisation", Organisation.id, Organisation.name),
            )
        }
        out: list[EventRow] = []
        for e in events:
            case_id: int | None = None
            if e.entity == "case" and e.entity_id in cases:
                case_id, what = e.entity_id, cases[e.entity_id]
            elif e.entity == "document" and e.entity_id in docs:
                doc = docs[e.entity_id]
                case_id, what = doc.case_id, self._form_name(doc.form_id) + (f"（{doc.number}）" if doc.number else "")
            else:
                what = plain_names.get(e.entity, {}).get(e.entity_id, "")
            out.append(
                EventRow(
                    id=e.id,
                    seq=e.seq,
                    at=beijing_time(e.at).astimezone(dt.UTC),
                    actor=e.actor,
                    person=names.get(e.actor, e.actor),
                    action=e.action,
                    action_zh=actions.get(e.action, e.action),
                    entity=e.entity,
                    entity_zh=entities.get(e.entity, e.entity),
                    entity_id=e.entity_id,
                    object_zh=what,
                    case_id=case_id,
                    data=dict(e.data or {}),
                )
            )
        return out

    def _form_name(self, form_id: str) -> str:
        try:
            return resolve_form(self.kernel.rules.catalogue, form_id).name
        except ArchiveError:  # a form retired from the catalogue: its id is still a fair name
            return form_id

    # -- the chain's status --------------------------------------------------------------------------

    def chain_status(self, *, actor: Principal) -> ChainStatus:
        """Whether the hash chain is intact, checked from where the last check left off (bounded)."""
        require(actor, "audit")
        batch = self.kernel.settings.oplog_verify_batch
        with self._lock, self.kernel.db.read() as s:
            seq, digest = self._sound
            if seq and s.scalar(select(Event.hash).where(Event.seq == seq)) != digest:
                seq, digest = 0, GENESIS  # the entry trusted last has changed: check from the start
            forward = verify_chain(s, after_seq=seq, prev_hash=digest, limit=batch)
            if not forward.ok:
                self._sound = (seq, digest)
                return _broken(forward)
            self._sound = (forward.checked_seq, forward.checked_hash)
            if seq:
                # Entries found sound before are swept again, a batch per look, so an edit made
                # after they were checked is found without reading the whole log at once.
                swept, sweep_hash = self._sweep if self._sweep[0] < seq else (0, GENESIS)
                sweep = verify_chain(s, after_seq=swept, prev_hash=sweep_hash, limit=min(batch, seq - swept))
                if not sweep.ok:
                    self._sweep = (0, GENESIS)
                    return _broken(sweep)
                self._sweep = (sweep.checked_seq, sweep.checked_hash)
            return ChainStatus(ok=True, checked_seq=forward.checked_seq, complete=forward.complete)


def _broken(report: AuditReport) -> ChainStatus:
    return ChainStatus(
        ok=False,
        checked_seq=max((report.first_broken_seq or 1) - 1, 0),
        complete=True,
        broken_seq=report.first_broken_seq,
        broken_id=report.first_broken_id,
        reason_zh=report.reason_zh,
    )
