"""Who is acting, and what they may see and do.

A :class:`Principal` is the acting user of one request or command: their organisation, their
officer (执法人员) if they are enforcement staff, their roles, and the organisations in their scope.
The rules are data (``roles.yaml``): a handler's scope is their case team (办案组); supervisors,
reviewers, leaders and administrators see their organisation and every organisation below it
(seed 003 第七条). Anything outside a user's scope does not exist for them: reads and writes of
another county's case answer "not found", never "forbidden", so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from .datafile import read_yaml
from .errors import ArchiveError, Forbidden, NotFound
from .models import Case, Document, Officer, Organisation, User, case_officers

__all__ = [
    "Principal",
    "RoleRules",
    "case_clause",
    "document_clause",
    "load_roles",
    "org_subtree",
    "principal_for",
    "require",
    "require_case",
    "require_document",
    "require_org",
]

Capability = Literal[
    "draft",
    "request_change",
    "manage_registry",
    "manage_users",
    "manage_keys",
    "apply_change",
    "audit",
    "assemble",
    "file",
    "guide",
    "review",
]


class RoleRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    scope: Literal["team", "subtree"]
    can: tuple[Capability, ...] = ()


class RoleRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    roles: dict[str, RoleRule]


class RolesFileError(ArchiveError):
    code = "roles_file_invalid"


@cache
def load_roles(path: Path | None = None) -> RoleRules:
    """roles.yaml: the packaged file, or ``path`` (setting ``roles_path``); read once per source."""
    data, _label = read_yaml("anjuan.archive", "roles.yaml", path, RolesFileError)
    return RoleRules.model_validate(data)


@dataclass(frozen=True)
class Principal:
    """The acting user. ``orgs`` is None only for the platform administrator and in-process system
    work (migrations, installation); every request from outside acts as a stored user."""

    name: str  # recorded in the event log
    user_id: int | None = None
    org_id: int | None = None
    officer_id: int | None = None
    roles: frozenset[str] = frozenset()
    orgs: frozenset[int] | None = None
    # The role rules the archive that made this principal runs on (the packaged roles.yaml if None).
    rules: RoleRules | None = field(default=None, compare=False, repr=False)

    @property
    def role_rules(self) -> dict[str, RoleRule]:
        return (self.rules or load_roles()).roles

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        return cls(name=name, roles=frozenset({"admin"}))

    @property
    def everywhere(self) -> bool:
        return self.orgs is None

    @property
    def wide(self) -> bool:
        """Sees whole organisations (subtree scope) rather than only a case team."""
        rules = self.role_rules
        return self.everywhere or any(rules[r].scope == "subtree" for r in self.roles if r in rules)

    def can(self, capability: Capability) -> bool:
        rules = self.role_rules
        return any(capability in rules[r].can for r in self.roles if r in rules)

    def sees_org(self, org_id: int) -> bool:
        return self.orgs is None or org_id in self.orgs


def org_subtree(session: Session, org_id: int) -> frozenset[int]:
    """The organisation and all below it (province → city → county)."""
    children: dict[int | None, list[int]] = {}
    for oid, parent in session.execute(select(Organisation.id, Organisation.parent_id)):
        children.setdefault(parent, []).append(oid)
    out, todo = {org_id}, [org_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return frozenset(out)


def principal_for(session: Session, user: User, rules: RoleRules | None = None) -> Principal:
    roles = set(user.roles)
    if user.officer is not None:
        roles |= set(user.officer.roles)
    known = (rules or load_roles()).roles
    wide = any(known[r].scope == "subtree" for r in roles if r in known)
    if user.org_id is None:
        orgs: frozenset[int] | None = None
    elif wide:
        orgs = org_subtree(session, user.org_id)
    else:
        orgs = frozenset({user.org_id})
    return Principal(
        name=user.username,
        user_id=user.id,
        org_id=user.org_id,
        officer_id=user.officer_id,
        roles=frozenset(roles),
        orgs=orgs,
        rules=rules,
    )


def require(actor: Principal, capability: Capability) -> None:
    if not actor.can(capability):
        holders = [name for name, rule in actor.role_rules.items() if capability in rule.can]
        raise Forbidden(
            f"{actor.name}无此权限（{capability}，需要角色：{'、'.join(holders)}）",
            f"{actor.name} may not do this ({capability}; roles allowed: {', '.join(holders)})",
            code="not_permitted",
            details={"capability": capability, "roles": holders},
        )


def case_clause(actor: Principal) -> ColumnElement[bool]:
    """WHERE clause selecting the cases ``actor`` can see."""
    if actor.orgs is None:
        return true()
    if not actor.orgs:
        return false()
    in_orgs = Case.org_id.in_(actor.orgs)
    if actor.wide:
        return in_orgs
    team = (
        select(case_officers.c.case_id).where(case_officers.c.officer_id == actor.officer_id)
        if actor.officer_id is not None
        else select(case_officers.c.case_id).where(false())
    )
    return in_orgs & or_(Case.created_by == actor.name, Case.id.in_(team))


def document_clause(actor: Principal) -> ColumnElement[bool]:
    """WHERE clause selecting the documents ``actor`` can see (those of visible cases, and their own)."""
    if actor.orgs is None:
        return true()
    visible_cases = select(Case.id).where(case_clause(actor))
    own = Document.org_id.in_(actor.orgs) & (Document.created_by == actor.name)
    return or_(Document.case_id.in_(visible_cases), own)


def _not_found(entity_zh: str, entity_en: str, ident: int) -> NotFound:
    code = {"organisation": "org"}.get(entity_en, entity_en)
    return NotFound(
        f"{entity_zh}{ident}不存在", f"{entity_en} {ident} not found", code=f"{code}_not_found", details={"id": ident}
    )


def require_case(session: Session, actor: Principal, case_id: int) -> Case:
    case = session.scalar(select(Case).where(Case.id == case_id, case_clause(actor)))
    if case is None:
        raise _not_found("案件", "case", case_id)
    return case


def require_document(session: Session, actor: Principal, doc_id: int) -> Document:
    doc = session.scalar(select(Document).where(Document.id == doc_id, document_clause(actor)))
    if doc is None:
        raise _not_found("文书", "document", doc_id)
    return doc


def require_org(session: Session, actor: Principal, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None or not actor.sees_org(org_id):
        raise _not_found("机关", "organisation", org_id)
    return org


def require_officers_in(session: Session, actor: Principal, officer_ids: Iterable[int]) -> None:
    """Officers named on a case or document must be people the actor can see."""
    for officer_id in officer_ids:
        officer = session.get(Officer, officer_id)
        if officer is None or not actor.sees_org(officer.org_id):
            raise _not_found("执法人员", "officer", officer_id)
