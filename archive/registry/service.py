"""机关、执法人员、当事人、案件 as users act on them (``archive.registry``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import events
from ..access import Principal, case_clause, require, require_case, require_officers_in, require_org
from ..errors import ArchiveError, Conflict, Forbidden
from ..kernel import Kernel
from ..models import Case
from ..numbering import set_start
from ..views import CaseView, OfficerView, OrgView, PartyView
from . import (
    create_case,
    create_officer,
    create_org,
    create_party,
    list_officers,
    list_orgs,
    list_parties,
    resolve_org,
    resolve_party,
    set_major,
)

__all__ = ["RegistryService"]


class RegistryService:
    """机关、执法人员、当事人、案件 (``archive.registry``): the register as users see it, each call
    checked against the actor's rights and scope, and logged."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def create_org(self, *, actor: Principal, **data: Any) -> OrgView:
        require(actor, "manage_registry")
        with self.kernel.db.write() as s:
            parent = data.get("parent_id")
            if parent is not None:
                require_org(s, actor, parent)
            elif not actor.everywhere:
                raise Forbidden("只能在本机关之下新建机关", "new organisations go below your own", code="not_permitted")
            return OrgView.of(create_org(s, actor=actor.name, **data))

    def create_officer(self, *, actor: Principal, **data: Any) -> OfficerView:
        require(actor, "manage_registry")
        with self.kernel.db.write() as s:
            require_org(s, actor, data["org_id"])
            return OfficerView.of(create_officer(s, actor=actor.name, role_rules=self.kernel.rules.roles, **data))

    def create_party(self, *, actor: Principal, **data: Any) -> PartyView:
        if not (actor.can("draft") or actor.can("manage_registry")):
            require(actor, "draft")
        with self.kernel.db.write() as s:
            return PartyView.of(create_party(s, actor=actor.name, **data))

    def create_case(self, *, actor: Principal, **data: Any) -> CaseView:
        require(actor, "draft")
        with self.kernel.db.write() as s:
            require_org(s, actor, data["org_id"])
            require_officers_in(s, actor, data.get("officer_ids") or [])
            return CaseView.of(create_case(s, actor=actor.name, **data))

    def set_major(self, *, actor: Principal, case_id: int, major: bool, reason: str) -> CaseView:
        """重大案件: mark (or unmark) an open case, with the reason; the gates then demand 集体讨论 and
        法制审核 before its decision. A closed or filed case keeps what it was decided under."""
        require(actor, "draft")
        with self.kernel.db.write() as s:
            case = require_case(s, actor, case_id)
            if case.status != "open" or case.filed_at is not None:
                raise Conflict(
                    "案件已结案，不能再改变重大案件认定",
                    "the case is closed; whether it is major can no longer change",
                    code="case_closed",
                )
            return CaseView.of(set_major(s, actor=actor.name, case=case, major=major, reason=reason))

    def orgs(self, *, actor: Principal) -> list[OrgView]:
        with self.kernel.db.read() as s:
            return [OrgView.of(o) for o in list_orgs(s) if actor.sees_org(o.id)]

    def org(self, *, actor: Principal, org_id: int) -> OrgView:
        with self.kernel.db.read() as s:
            return OrgView.of(require_org(s, actor, org_id))

    def officers(self, *, actor: Principal, org_id: int | None = None) -> list[OfficerView]:
        with self.kernel.db.read() as s:
            return [OfficerView.of(o) for o in list_officers(s, org_id=org_id) if actor.sees_org(o.org_id)]

    def parties(self, *, actor: Principal) -> list[PartyView]:
        # The register of 执法对象 is shared across organisations (one entry per credit code).
        with self.kernel.db.read() as s:
            return [PartyView.of(p) for p in list_parties(s)]

    def party(self, *, actor: Principal, key: str | int) -> PartyView:
        with self.kernel.db.read() as s:
            return PartyView.of(resolve_party(s, key))

    def resolve_org(self, *, actor: Principal, key: str | int) -> OrgView:
        with self.kernel.db.read() as s:
            org = resolve_org(s, key)
            return OrgView.of(require_org(s, actor, org.id))

    def cases(self, *, actor: Principal, org_id: int | None = None) -> list[CaseView]:
        with self.kernel.db.read() as s:
            query = (
                select(Case)
                .where(case_clause(actor))
                .order_by(Case.id)
                .options(selectinload(Case.officers), selectinload(Case.party), selectinload(Case.org))
            )
            if org_id is not None:
                query = query.where(Case.org_id == org_id)
            return [CaseView.of(c) for c in s.scalars(query)]

    def case(self, *, actor: Principal, case_id: int) -> CaseView:
        with self.kernel.db.read() as s:
            return CaseView.of(require_case(s, actor, case_id))

    def set_counter_start(self, *, actor: Principal, org_id: int, year: int, counter: str, start: int) -> None:
        require(actor, "manage_registry")
        known = {c.id for c in self.kernel.rules.catalogue.counters}
        if counter not in known and not counter.startswith("code:"):
            raise ArchiveError(
                f"计数器{counter}不存在",
                f"unknown counter {counter}",
                code="unknown_counter",
                details={"counters": sorted(known)},
            )
        with self.kernel.db.write() as s:
            require_org(s, actor, org_id)
            set_start(s, org_id=org_id, year=year, counter=counter, start=start)
            events.record(
                s,
                actor=actor.name,
                entity="organisation",
                entity_id=org_id,
                action="counter_start_set",
                year=year,
                counter=counter,
                start=start,
            )
