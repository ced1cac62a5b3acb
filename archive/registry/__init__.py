"""Organisations (机关), officers (执法人员), parties (当事人) and cases (案件).

Keyword-only service functions over a session (the caller owns the transaction); each change is
recorded in the event log. :class:`~.service.RegistryService` (``archive.registry``) is what users
act through: rights and scope checked, one transaction per call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..access import RoleRules, load_roles
from ..errors import Conflict, FieldError, NotFound, ValidationFailed
from ..identifiers import credit_code_problem, distinct_ids, normalise_credit_code
from ..models import Case, Officer, Organisation, Party

__all__ = [
    "CASE_KINDS",
    "LEVELS",
    "PROCEDURES",
    "create_case",
    "create_officer",
    "create_org",
    "create_party",
    "get_case",
    "get_officer",
    "get_org",
    "get_party",
    "list_cases",
    "list_officers",
    "list_orgs",
    "list_parties",
    "resolve_org",
    "resolve_party",
    "set_major",
]

LEVELS = {"province": "省", "city": "市", "county": "县"}
CASE_KINDS = {"inspection": "检查", "penalty": "行政处罚"}
PROCEDURES = {"general": "一般程序", "simple": "简易程序"}
_LEVEL_ALIASES = {v: k for k, v in LEVELS.items()} | {
    "省级": "province",
    "市级": "city",
    "县级": "county",
    "区": "county",
}
_KIND_ALIASES = {v: k for k, v in CASE_KINDS.items()} | {"处罚": "penalty", "检查链": "inspection"}
_PROC_ALIASES = {v: k for k, v in PROCEDURES.items()} | {
    "一般": "general",
    "简易": "simple",
    "当场": "simple",
}


def _choice(value: str, allowed: dict[str, str], aliases: dict[str, str], field: str, zh: str) -> str:
    key = aliases.get(value, value)
    if key not in allowed:
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    zh,
                    field,
                    f"应为{'、'.join(allowed.values())}之一",
                    f"must be one of {', '.join(allowed)}",
                )
            ]
        )
    return key


def _missing(field: str, zh: str, en: str) -> FieldError:
    return FieldError(field, zh, en, "必填", "is required")


# -- organisations ------------------------------------------------------------------------------


def create_org(
    session: Session,
    *,
    actor: str,
    name: str,
    area: str,
    code: str,
    level: str,
    parent_id: int | None = None,
    **extra: Any,
) -> Organisation:
    errors = [
        _missing(f, zh, en)
        for f, zh, en, v in (
            ("name", "机关全称", "full name", name),
            ("area", "行政区划简称", "area abbreviation", area),
            ("code", "机关代字", "organisation code", code),
        )
        if not (v or "").strip()
    ]
    try:
        level = _choice(level, LEVELS, _LEVEL_ALIASES, "level", "层级")
    except ValidationFailed as bad:
        errors += bad.errors
    if errors:
        raise ValidationFailed(errors)
    if parent_id is not None:
        get_org(session, parent_id)
    if session.scalar(select(Organisation).where(Organisation.name == name.strip())):
        raise Conflict(f"机关“{name}”已存在", f"organisation '{name}' already exists", code="org_exists")
    org = Organisation(
        name=name.strip(),
        area=area.strip().strip("（）()"),
        code=code.strip(),
        level=level,
        parent_id=parent_id,
        **{k: v for k, v in extra.items() if v is not None},
    )
    session.add(org)
    session.flush()
    events.record(session, actor=actor, entity="organisation", entity_id=org.id, action="created", name=org.name)
    return org


def get_org(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"机关{org_id}不存在", f"organisation {org_id} not found", code="org_not_found")
    return org


def resolve_org(session: Session, key: str | int) -> Organisation:
    """An organisation by id or full name."""
    if isinstance(key, int) or str(key).isdigit():
        return get_org(session, int(key))
    org = session.scalar(select(Organisation).where(Organisation.name == str(key)))
    if org is None:
        raise NotFound(f"机关“{key}”不存在", f"organisation '{key}' not found", code="org_not_found")
    return org


def list_orgs(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


# -- officers -----------------------------------------------------------------------------------


def create_officer(
    session: Session,
    *,
    actor: str,
    org_id: int,
    name: str,
    cert_no: str,
    roles: list[str] | None = None,
    role_rules: RoleRules | None = None,
) -> Officer:
    errors = [
        _missing(f, zh, en)
        for f, zh, en, v in (
            ("name", "姓名", "name", name),
            ("cert_no", "执法证号", "enforcement certificate no.", cert_no),
        )
        if not (v or "").strip()
    ]
    if errors:
        raise ValidationFailed(errors)
    get_org(session, org_id)
    if session.scalar(select(Officer).where(Officer.cert_no == cert_no.strip())):
        raise Conflict(
            f"执法证号{cert_no}已登记", f"certificate {cert_no} is already registered", code="officer_exists"
        )
    known = {key: rule.name for key, rule in (role_rules or load_roles()).roles.items()}  # roles.yaml
    aliases = {label: key for key, label in known.items()}
    roles = [aliases.get(r, r) for r in (roles or ["handler"])]
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationFailed(
            [
                FieldError(
                    "roles",
                    "角色",
                    "roles",
                    f"未知角色：{'、'.join(unknown)}",
                    f"unknown roles: {', '.join(unknown)}; known: {', '.join(known)}",
                )
            ]
        )
    officer = Officer(org_id=org_id, name=name.strip(), cert_no=cert_no.strip(), roles=list(dict.fromkeys(roles)))
    session.add(officer)
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="officer",
        entity_id=officer.id,
        action="created",
        name=officer.name,
        cert_no=officer.cert_no,
        org_id=org_id,
    )
    return officer


def get_officer(session: Session, officer_id: int) -> Officer:
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotFound(f"执法人员{officer_id}不存在", f"officer {officer_id} not found", code="officer_not_found")
    return officer


def list_officers(session: Session, *, org_id: int | None = None) -> list[Officer]:
    query = select(Officer).order_by(Officer.id)
    if org_id is not None:
        query = query.where(Officer.org_id == org_id)
    return list(session.scalars(query))


# -- parties ------------------------------------------------------------------------------------


def create_party(
    session: Session, *, actor: str, kind: str, name: str, credit_code: str | None = None, **extra: Any
) -> Party:
    kind = {"单位": "organisation", "企业": "organisation", "个人": "person"}.get(kind, kind)
    errors: list[FieldError] = []
    if kind not in ("organisation", "person"):
        errors.append(
            FieldError("kind", "当事人类型", "party kind", "应为单位或个人", "must be organisation or person")
        )
    if not (name or "").strip():
        errors.append(_missing("name", "名称", "name"))
    code = normalise_credit_code(credit_code) if credit_code else None
    if kind == "organisation":
        if not code:
            errors.append(_missing("credit_code", "统一社会信用代码", "unified social credit code"))
        elif problem := credit_code_problem(code):
            errors.append(FieldError("credit_code", "统一社会信用代码", "unified social credit code", *problem))
    elif code and (problem := credit_code_problem(code)):
        errors.append(FieldError("credit_code", "统一社会信用代码", "unified social credit code", *problem))
    if errors:
        raise ValidationFailed(errors)
    if code and session.scalar(select(Party).where(Party.credit_code == code)):
        raise Conflict(
            f"统一社会信用代码{code}已登记", f"credit code {code} is already registered", code="party_exists"
        )
    party = Party(kind=kind, name=name.strip(), credit_code=code, **{k: v for k, v in extra.items() if v is not None})
    session.add(party)
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="party",
        entity_id=party.id,
        action="created",
        name=party.name,
        credit_code=code,
    )
    return party


def get_party(session: Session, party_id: int) -> Party:
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"当事人{party_id}不存在", f"party {party_id} not found", code="party_not_found")
    return party


def resolve_party(session: Session, key: str | int) -> Party:
    """A party by id, 统一社会信用代码 or exact name."""
    if isinstance(key, int) or str(key).isdigit():
        return get_party(session, int(key))
    code = normalise_credit_code(str(key))
    party = session.scalar(select(Party).where(Party.credit_code == code)) or session.scalar(
        select(Party).where(Party.name == str(key)).order_by(Party.id)
    )
    if party is None:
        raise NotFound(f"当事人“{key}”不存在", f"party '{key}' not found", code="party_not_found")
    return party


def list_parties(session: Session) -> list[Party]:
    return list(session.scalars(select(Party).order_by(Party.id)))


# -- cases --------------------------------------------------------------------------------------


def _major_reason(reason: str | None) -> str:
    """重大案件 is a legal finding with consequences (集体讨论, 法制审核): it is never set without why."""
    if not (reason or "").strip():
        raise ValidationFailed(
            [
                FieldError(
                    "major_reason", "重大案件认定理由", "reason", "认定为重大案件须写明理由", "a reason is required"
                )
            ]
        )
    return reason.strip()


def set_major(session: Session, *, actor: str, case: Case, major: bool, reason: str) -> Case:
    """Mark a case 重大 (with its reason) or take the mark away (with the reason for that); logged."""
    reason = _major_reason(reason)
    case.major = major
    case.major_reason = reason if major else ""
    events.record(
        session, actor=actor, entity="case", entity_id=case.id, action="major_set", major=major, reason=reason
    )
    return case


def create_case(
    session: Session,
    *,
    actor: str,
    org_id: int,
    kind: str,
    party_id: int,
    procedure: str = "general",
    name: str | None = None,
    cause: str = "",
    officer_ids: list[int] | None = None,
    major: bool = False,
    major_reason: str = "",
) -> Case:
    kind = _choice(kind, CASE_KINDS, _KIND_ALIASES, "kind", "案件类型")
    procedure = _choice(procedure, PROCEDURES, _PROC_ALIASES, "procedure", "程序")
    org = get_org(session, org_id)
    party = get_party(session, party_id)
    ids = distinct_ids(officer_ids or [], "officer_ids", "执法人员", "officers")
    officers = [get_officer(session, i) for i in ids]
    for officer in officers:
        if officer.org_id != org.id:
            raise Conflict(
                f"执法人员{officer.name}不属于{org.name}",
                f"officer {officer.name} is not in {org.name}",
                code="officer_wrong_org",
            )
    if major:
        major_reason = _major_reason(major_reason)
    if not name:
        name = f"{party.name}安全生产违法行为行政处罚案" if kind == "penalty" else f"{party.name}安全生产现场检查"
    case = Case(
        org_id=org.id,
        kind=kind,
        procedure=procedure,
        name=name,
        cause=cause,
        party_id=party.id,
        created_by=actor,
        officers=officers,
        major=major,
        major_reason=major_reason.strip() if major else "",
    )
    session.add(case)
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="case",
        entity_id=case.id,
        action="created",
        kind=kind,
        procedure=procedure,
        name=name,
        party_id=party.id,
        officer_ids=[o.id for o in officers],
    )
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"案件{case_id}不存在", f"case {case_id} not found", code="case_not_found")
    return case


def list_cases(session: Session, *, org_id: int | None = None) -> list[Case]:
    query = select(Case).order_by(Case.id)
    if org_id is not None:
        query = query.where(Case.org_id == org_id)
    return list(session.scalars(query))
