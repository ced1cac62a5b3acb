"""程序时限 of cases as users ask for them: one case's deadlines, and what falls due across cases.

The engine (:mod:`.deadlines`) computes from facts; this service reads the facts of a case — its
issued documents and its 公示 records — from the database, under the rules and the calendar of the
kernel, and answers within the acting user's scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal, case_clause, org_subtree, require_case
from ..documents import lifecycle as documents
from ..kernel import Kernel
from ..models import Case
from ..qc.publication import published_events
from .deadlines import Deadline, compute_deadlines, events_from_documents
from .stored import doc_facts

__all__ = ["ProcedureService"]


@dataclass(frozen=True)
class DueItem:
    """到期提醒: one deadline of one open case that falls due soon or is overdue."""

    case_id: int
    case: str  # the case's name
    deadline: Deadline

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case": self.case, **self.deadline.to_dict()}


class ProcedureService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def deadlines(self, *, actor: Principal, case_id: int, today: dt.date | None = None) -> list[Deadline]:
        """程序时限 of a case, computed from its issued documents under the rules in force when it opened."""
        with self.kernel.db.read() as s:
            case = require_case(s, actor, case_id)
            return self.deadlines_of(s, case, today or self.kernel.clock.today())

    def deadlines_of(self, session: Session, case: Case, today: dt.date) -> list[Deadline]:
        rules = self.kernel.rules
        # The documents only, in id order: the case-level facts (party, area) are not needed here.
        facts = [doc_facts(d) for d in documents.list_documents(session, case_id=case.id)]
        dated = [d.doc_date for d in facts if d.doc_date and d.status == "issued"]
        filing = next((d.doc_date for d in facts if d.form_id == "case_filing_approval" and d.status == "issued"), None)
        opened = filing or (min(dated) if dated else case.created_at.date())
        # 公示 records (archive/qc) are events too: the publication deadline is met when one exists.
        published = published_events(session, [d.id for d in facts])
        events = events_from_documents(facts, case.procedure, rules=rules.deadlines, extra=published)
        return compute_deadlines(
            events, rules.deadlines, procedure=case.procedure, opened_on=opened, today=today, calendar=rules.calendar
        )

    def due(
        self, *, actor: Principal, days: int, today: dt.date | None = None, org_id: int | None = None
    ) -> list[DueItem]:
        """What falls due within ``days`` or is overdue, across the open cases the actor can see."""
        today = today or self.kernel.clock.today()
        out: list[DueItem] = []
        with self.kernel.db.read() as s:
            query = select(Case).where(case_clause(actor), Case.status == "open").order_by(Case.id)
            if org_id is not None:
                query = query.where(Case.org_id.in_(org_subtree(s, org_id)))
            for case in s.scalars(query):
                for d in self.deadlines_of(s, case, today):
                    if d.due is None or d.status not in ("pending", "due_soon", "overdue"):
                        continue
                    if d.status == "overdue" or (d.due - today).days <= days:
                        out.append(DueItem(case_id=case.id, case=case.name, deadline=d))
        return sorted(out, key=lambda r: (r.deadline.due or dt.date.max, r.case_id))
