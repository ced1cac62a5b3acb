"""内部审批: documents whose catalogue entry has approval steps go draft → submitted → each step
(审核, 审批 …) by a person holding a role for it → issued. A rejection returns the document to its
handler with the reason; the next submission starts a new round. Nobody approves their own
submission. Who may take a step is data (``procedure/approvals.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from anjuan.templates.context import ApprovalInfo
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..catalogue import Catalogue, FormSpec, resolve_form
from ..clock import beijing_time
from ..datafile import read_yaml
from ..errors import ArchiveError, Conflict, FieldError, Forbidden, ValidationFailed
from ..models import Approval, Document, Officer, Organisation
from ..registry import get_officer

__all__ = [
    "ApprovalRules",
    "StepRule",
    "approval_infos",
    "decide",
    "load_approval_rules",
    "pending_step",
    "step_name",
    "submit",
]


class StepRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    roles: tuple[str, ...]


class ApprovalRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    steps: dict[str, StepRule]


@cache
def load_approval_rules(path: Path | None = None) -> ApprovalRules:
    """approvals.yaml: the packaged file, or ``path`` (setting ``approvals_path``); read once per source."""
    data, _label = read_yaml("anjuan.archive.procedure", "approvals.yaml", path, ArchiveError)
    return ApprovalRules.model_validate(data)


def step_name(step: str | None, rules: ApprovalRules | None = None) -> str:
    """The Chinese name of an approval step (审核, 审批 …), from approvals.yaml."""
    rule = (rules or load_approval_rules()).steps.get(step or "")
    return rule.name if rule else str(step)


def _round_decisions(session: Session, doc: Document) -> list[Approval]:
    return list(
        session.scalars(
            select(Approval).where(Approval.document_id == doc.id, Approval.round == doc.round).order_by(Approval.id)
        )
    )


def pending_step(session: Session, doc: Document, form: FormSpec) -> str | None:
    """The next step of the current round still to be approved; None when all are."""
    done = {a.step for a in _round_decisions(session, doc) if a.decision == "approved"}
    return next((step.value for step in form.approval if step.value not in done), None)


def approval_infos(session: Session, doc: Document) -> tuple[ApprovalInfo, ...]:
    """The opinions the rendered document shows in its 审核意见/审批意见 cells."""
    if doc.round == 0:
        return ()
    # A corrected edition (更正) shows the approvals its first edition was issued under.
    origin = doc
    while origin.supersedes_id is not None:
        earlier = session.get(Document, origin.supersedes_id)
        assert earlier is not None
        origin = earlier
    return tuple(
        # In Beijing time: an opinion given at 01:00 on the 8th (17:00 UTC on the 7th) is dated the 8th.
        ApprovalInfo(step=a.step, opinion=a.opinion, name=a.officer.name, at=beijing_time(a.at))
        for a in _round_decisions(session, origin)
        if a.decision == "approved"
    )


def _in_scope(session: Session, officer: Officer, org_id: int) -> bool:
    """An approver belongs to the document's organisation or one above it."""
    org = session.get(Organisation, org_id)
    while org is not None:
        if org.id == officer.org_id:
            return True
        org = org.parent
    return False


def submit(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: str,
    doc: Document,
    officer_id: int,
    check_complete: Callable[[Document], None],
) -> Document:
    """报送审批 of ``doc``; ``check_complete`` refuses a draft that could not be issued as it stands
    (approvers see a complete document)."""
    form = resolve_form(catalogue, doc.form_id)
    if not form.approval:
        raise Conflict(
            f"《{form.name}》无需内部审批，可直接签发",
            f"{form.id} has no approval steps; issue it directly",
            code="no_approval_steps",
        )
    if doc.status != "draft":
        raise Conflict(
            "只有草稿可以报送审批", "only a draft can be submitted", code="not_a_draft", details={"status": doc.status}
        )
    officer = get_officer(session, officer_id)
    if officer.org_id != doc.org_id:
        raise Forbidden(
            "报送人不属于本机关", "the submitter is not in the document's organisation", code="not_permitted"
        )
    check_complete(doc)
    doc.status, doc.submitted_by, doc.round = "submitted", officer.id, doc.round + 1
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="document",
        entity_id=doc.id,
        action="submitted",
        officer_id=officer.id,
        round=doc.round,
        next_step=pending_step(session, doc, form),
    )
    return doc


def decide(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: str,
    doc: Document,
    officer_id: int,
    opinion: str,
    approve: bool,
    step: str | None = None,
    rules: ApprovalRules | None = None,
) -> Document:
    """审核/审批: record one decision on the pending step; a rejection sends the document back."""
    rules = rules or load_approval_rules()
    if not (opinion or "").strip():
        raise ValidationFailed([FieldError("opinion", "意见", "opinion", "必填", "is required")])
    form = resolve_form(catalogue, doc.form_id)
    if doc.status != "submitted":
        raise Conflict(
            "文书未报送审批",
            "the document is not awaiting approval",
            code="not_submitted",
            details={"status": doc.status},
        )
    pending = pending_step(session, doc, form)
    assert pending is not None  # a submitted document always has a pending step until it is issued
    if step is not None and step != pending:
        raise Conflict(
            f"当前应进行{step_name(pending, rules)}，不是{step_name(step, rules)}",
            f"the pending step is {pending}, not {step}",
            code="wrong_step",
            details={"pending": pending},
        )
    officer = get_officer(session, officer_id)
    allowed = rules.steps[pending].roles
    if not set(officer.roles) & set(allowed):
        raise Forbidden(
            f"{officer.name}无权{step_name(pending, rules)}（需要角色：{'、'.join(allowed)}）",
            f"{officer.name} may not take the {pending} step (roles allowed: {', '.join(allowed)})",
            code="not_permitted",
            details={"step": pending, "roles": list(allowed)},
        )
    if officer.id == doc.submitted_by:
        raise Forbidden("不能审批本人报送的文书", "nobody approves their own submission", code="self_approval")
    if not _in_scope(session, officer, doc.org_id):
        raise Forbidden(
            "审批人不属于本机关或其上级机关",
            "the approver is outside the organisation and its superiors",
            code="not_permitted",
        )
    decision = "approved" if approve else "rejected"
    session.add(
        Approval(
            document_id=doc.id,
            round=doc.round,
            step=pending,
            decision=decision,
            opinion=opinion.strip(),
            officer_id=officer.id,
        )
    )
    if not approve:
        doc.status = "draft"  # back to the handler with the reason; the next submission is a new round
    session.flush()
    data: dict[str, Any] = {"step": pending, "officer_id": officer.id, "round": doc.round, "opinion": opinion.strip()}
    events.record(session, actor=actor, entity="document", entity_id=doc.id, action=decision, **data)
    return doc
