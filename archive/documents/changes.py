"""更改/作废/删除执法记录 (seed 003 第七条): an issued record changes only through an approved request.

request → each approval step (by role, at the organisation level the rule names) → approved →
carried out by an administrator of that level. A correction (更正) issues a new edition under the
same number and marks the old one superseded; a deletion is soft (status ``deleted``) and keeps
every byte; a void keeps the number. Nothing changes before the last approval, and every step is
an event in the hash-chained log. The steps are data (``procedure/changes.yaml``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..access import Principal
from ..catalogue import Catalogue, resolve_form
from ..datafile import read_yaml
from ..errors import ArchiveError, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from ..fields import DEFAULT_FIELD_LIMITS, FieldLimits, validate_fields
from ..models import ChangeRequest, Document, Organisation
from ..views import ChangeRequestView
from .lifecycle import IssueStep, validate_for_issue, void_document

__all__ = [
    "ChangeRules",
    "apply_delete",
    "apply_void",
    "decide_change",
    "finish_correction",
    "get_request",
    "load_change_rules",
    "pending_step",
    "prepare_correction",
    "request_change",
    "request_view",
]

Level = Literal["own", "parent", "top"]


class StepRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    step: str
    name: str
    roles: tuple[str, ...]
    level: Level = "own"


class ExecutorRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    roles: tuple[str, ...]
    level: Level = "own"


class KindRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    statuses: tuple[str, ...]
    steps: tuple[StepRule, ...]
    executor: ExecutorRule


class ChangeRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    kinds: dict[str, KindRule]


class ChangeRulesError(ArchiveError):
    code = "change_rules_invalid"


@cache
def load_change_rules(path: Path | None = None) -> ChangeRules:
    """changes.yaml: the packaged file, or ``path`` (setting ``changes_path``); read once per source."""
    data, _label = read_yaml("anjuan.archive.procedure", "changes.yaml", path, ChangeRulesError)
    return ChangeRules.model_validate(data)


def _rule(kind: str, rules_file: ChangeRules | None = None) -> KindRule:
    rules = (rules_file or load_change_rules()).kinds
    if kind not in rules:
        raise ValidationFailed(
            [
                FieldError(
                    "kind",
                    "申请类型",
                    "kind",
                    f"应为{'、'.join(f'{k}（{r.name}）' for k, r in rules.items())}",
                    f"must be one of {', '.join(rules)}",
                )
            ]
        )
    return rules[kind]


def _level_org(session: Session, org_id: int, level: Level) -> Organisation:
    org = session.get(Organisation, org_id)
    assert org is not None
    if level == "parent":
        return org.parent or org
    if level == "top":
        while org.parent is not None:
            org = org.parent
    return org


def get_request(session: Session, request_id: int) -> ChangeRequest:
    request = session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFound(f"申请{request_id}不存在", f"change request {request_id} not found", details={"id": request_id})
    return request


def pending_step(request: ChangeRequest, rules: ChangeRules | None = None) -> str | None:
    done = {d["step"] for d in request.decisions if d["decision"] == "approved"}
    return next((s.step for s in _rule(request.kind, rules).steps if s.step not in done), None)


def request_change(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: Principal,
    doc: Document,
    kind: str,
    reason: str,
    changes: dict[str, Any] | None = None,
    rules: ChangeRules | None = None,
    limits: FieldLimits = DEFAULT_FIELD_LIMITS,
) -> ChangeRequest:
    """申请: a handler may ask about their own records, a supervisor about any in their scope."""
    rule = _rule(kind, rules)
    if not (reason or "").strip():
        raise ValidationFailed([FieldError("reason", "申请理由", "reason", "必填", "is required")])
    own = doc.created_by == actor.name or any(o.id == actor.officer_id for o in doc.officers)
    if not (own or (actor.wide and actor.can("request_change"))):
        raise Forbidden(
            "只能申请更改或删除本人的执法记录",
            "handlers may only ask to change their own records",
            code="not_permitted",
        )
    if doc.status not in rule.statuses or (kind == "void" and doc.number is None):
        raise Conflict(
            f"文书状态为{doc.status}，不能申请{rule.name}",
            f"a {doc.status} document cannot be the subject of a {kind} request",
            code="change_not_allowed",
            details={"status": doc.status, "allowed": list(rule.statuses)},
        )
    open_request = session.scalar(
        select(ChangeRequest.id).where(
            ChangeRequest.document_id == doc.id, ChangeRequest.status.in_(("pending", "approved"))
        )
    )
    if open_request is not None:
        raise Conflict(
            f"该文书已有未办结的申请（{open_request}）",
            f"the document already has an open change request ({open_request})",
            code="change_pending",
            details={"request_id": open_request},
        )
    clean: dict[str, Any] = {}
    if kind == "correct":
        if not changes:
            raise ValidationFailed([FieldError("changes", "更改内容", "changes", "必填", "is required")])
        form = resolve_form(catalogue, doc.form_id)
        merged = validate_fields(form, {**doc.fields, **changes}, require=True, limits=limits)
        clean = {k: merged[k] for k in changes if k in merged}
        if all(doc.fields.get(k) == v for k, v in clean.items()):
            raise ValidationFailed([FieldError("changes", "更改内容", "changes", "与原文书相同", "changes nothing")])
    request = ChangeRequest(
        document_id=doc.id,
        kind=kind,
        status="pending",
        reason=reason.strip(),
        changes=clean,
        requested_by=actor.user_id,
        decisions=[],
    )
    session.add(request)
    session.flush()
    events.record(
        session,
        actor=actor.name,
        entity="document",
        entity_id=doc.id,
        action=f"{kind}_requested",
        request_id=request.id,
        reason=request.reason,
        changes=clean,
    )
    return request


def decide_change(
    session: Session,
    *,
    actor: Principal,
    request: ChangeRequest,
    approve: bool,
    opinion: str,
    rules: ChangeRules | None = None,
) -> ChangeRequest:
    if not (opinion or "").strip():
        raise ValidationFailed([FieldError("opinion", "意见", "opinion", "必填", "is required")])
    if request.status != "pending":
        raise Conflict(
            "申请不在审批中",
            "the request is not awaiting a decision",
            code="not_pending",
            details={"status": request.status},
        )
    rule = _rule(request.kind, rules)
    step = next(s for s in rule.steps if s.step == pending_step(request, rules))
    doc = session.get(Document, request.document_id)
    assert doc is not None
    where = _level_org(session, doc.org_id, step.level)
    if not (set(actor.roles) & set(step.roles)) or (actor.org_id is not None and actor.org_id != where.id):
        raise Forbidden(
            f"{step.name}应由{where.name}的{'、'.join(step.roles)}进行",
            f"the {step.step} step belongs to {'/'.join(step.roles)} of {where.name}",
            code="not_permitted",
            details={"step": step.step, "roles": list(step.roles), "org_id": where.id},
        )
    if actor.user_id == request.requested_by:
        raise Forbidden("不能审批本人的申请", "nobody approves their own request", code="self_approval")
    decision = {
        "step": step.step,
        "name": step.name,
        "decision": "approved" if approve else "rejected",
        "opinion": opinion.strip(),
        "user_id": actor.user_id,
        "user": actor.name,
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }
    request.decisions = [*request.decisions, decision]
    if not approve:
        request.status = "rejected"
    elif pending_step(request, rules) is None:
        request.status = "approved"
    session.flush()
    events.record(
        session,
        actor=actor.name,
        entity="document",
        entity_id=doc.id,
        action=f"{request.kind}_{decision['decision']}",
        request_id=request.id,
        step=step.step,
        opinion=decision["opinion"],
    )
    return request


def check_executor(
    session: Session, *, actor: Principal, request: ChangeRequest, rules: ChangeRules | None = None
) -> Document:
    """Only an administrator of the level the rule names carries out an approved request."""
    if request.status != "approved":
        raise Conflict(
            "申请尚未批准，不能执行",
            "the request is not approved; nothing is changed",
            code="not_approved",
            details={"status": request.status, "pending_step": pending_step(request, rules)},
        )
    executor = _rule(request.kind, rules).executor
    doc = session.get(Document, request.document_id)
    assert doc is not None
    where = _level_org(session, doc.org_id, executor.level)
    if not (set(actor.roles) & set(executor.roles)) or (actor.org_id is not None and actor.org_id != where.id):
        raise Forbidden(
            f"应由{where.name}的执法系统管理员执行",
            f"only an administrator of {where.name} carries this out",
            code="not_permitted",
            details={"roles": list(executor.roles), "org_id": where.id},
        )
    return doc


def _applied(session: Session, actor: Principal, request: ChangeRequest, result: int | None = None) -> None:
    request.status = "applied"
    request.applied_by = actor.user_id
    request.applied_at = dt.datetime.now(dt.UTC)
    request.result_document_id = result
    session.flush()


def apply_void(
    session: Session, *, actor: Principal, request: ChangeRequest, rules: ChangeRules | None = None
) -> Document:
    check_executor(session, actor=actor, request=request, rules=rules)
    doc = void_document(session, actor=actor.name, doc_id=request.document_id, reason=request.reason)
    _applied(session, actor, request)
    return doc


def apply_delete(
    session: Session, *, actor: Principal, request: ChangeRequest, rules: ChangeRules | None = None
) -> Document:
    """Soft delete: the row, its number and every stored byte stay; listings stop showing it."""
    doc = check_executor(session, actor=actor, request=request, rules=rules)
    previous = doc.status
    doc.status = "deleted"
    doc.deleted_by = actor.name
    doc.deleted_at = dt.datetime.now(dt.UTC)
    _applied(session, actor, request)
    events.record(
        session,
        actor=actor.name,
        entity="document",
        entity_id=doc.id,
        action="deleted",
        request_id=request.id,
        number=doc.number,
        previous_status=previous,
        pdf_sha256=doc.pdf_sha256,
    )
    return doc


def prepare_correction(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: Principal,
    request: ChangeRequest,
    rules: ChangeRules | None = None,
) -> IssueStep:
    """The next edition as a draft under the same number; the caller renders, seals and stores it."""
    old = check_executor(session, actor=actor, request=request, rules=rules)
    if old.status != "issued":
        raise Conflict("原文书已不是签发状态", "the document is no longer issued", code="change_not_allowed")
    new = Document(
        org_id=old.org_id,
        case_id=old.case_id,
        form_id=old.form_id,
        status="draft",
        parent=old.parent,
        fields={**old.fields, **request.changes},
        doc_date=old.doc_date,
        counter=old.counter,
        year=old.year,
        seq=old.seq,
        suffix=old.suffix,
        number=old.number,
        created_by=actor.name,
        officers=list(old.officers),
        edition=old.edition + 1,
        supersedes_id=old.id,
        round=old.round,
        submitted_by=old.submitted_by,
    )
    session.add(new)
    session.flush()
    validate_for_issue(session, catalogue=catalogue, doc=new)
    events.record(
        session,
        actor=actor.name,
        entity="document",
        entity_id=new.id,
        action="correction_drafted",
        request_id=request.id,
        supersedes=old.id,
        edition=new.edition,
        changes=request.changes,
    )
    return IssueStep(doc_id=new.id, version=new.version, number=new.number or "")


def finish_correction(session: Session, *, actor: Principal, request: ChangeRequest, new_id: int) -> Document:
    old = session.get(Document, request.document_id, with_for_update=True)
    assert old is not None
    old.status = "superseded"
    _applied(session, actor, request, result=new_id)
    events.record(
        session,
        actor=actor.name,
        entity="document",
        entity_id=old.id,
        action="superseded",
        request_id=request.id,
        by=new_id,
    )
    return old


def request_view(request: ChangeRequest, rules: ChangeRules | None = None) -> ChangeRequestView:
    rule = _rule(request.kind, rules)
    return ChangeRequestView(
        id=request.id,
        document_id=request.document_id,
        kind=request.kind,
        kind_name=rule.name,
        status=request.status,
        reason=request.reason,
        changes=request.changes,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        steps=tuple(s.step for s in rule.steps),
        pending_step=pending_step(request, rules) if request.status == "pending" else None,
        decisions=tuple(request.decisions),
        applied_at=request.applied_at,
        result_document_id=request.result_document_id,
    )
