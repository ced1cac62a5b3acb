"""审核/审批 as users act on them (``archive.approvals``): submit a draft, decide a step, the inbox."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..access import Principal, document_clause, org_subtree, require, require_document
from ..casefile.service import CaseFileService
from ..catalogue import resolve_form
from ..errors import Forbidden
from ..fields import FieldLimits
from ..kernel import Kernel
from ..models import Approval, Document, Officer
from ..views import ApprovalDecisionView, ApprovalState, DeskDocument, DocumentView, HandlerDesk, InboxItem
from . import approvals, lifecycle

__all__ = ["ApprovalService"]


class ApprovalService:
    """审核/审批 (``archive.approvals``): the steps each form requires (``procedure/approvals.yaml``),
    taken by officers who hold a role for the step, in their organisation or one above."""

    def __init__(self, kernel: Kernel, *, casefiles: CaseFileService) -> None:
        self.kernel = kernel
        self.rules = kernel.rules
        self.casefiles = casefiles

    def _acting_officer(self, actor: Principal) -> int:
        if actor.officer_id is None:
            raise Forbidden(
                f"{actor.name}不是执法人员，不能报送或审批文书",
                f"{actor.name} is not an officer; only officers submit and approve documents",
                code="not_an_officer",
            )
        return actor.officer_id

    def submit(self, *, actor: Principal, doc_id: int) -> DocumentView:
        """报送审批: the handler sends a complete draft to the approval steps its form requires."""
        require(actor, "draft")
        officer_id = self._acting_officer(actor)
        self.casefiles.guard(actor, "submit", doc_id=doc_id)
        with self.kernel.db.write() as s:
            doc = require_document(s, actor, doc_id)
            return DocumentView.of(
                approvals.submit(
                    s,
                    catalogue=self.rules.catalogue,
                    actor=actor.name,
                    doc=doc,
                    officer_id=officer_id,
                    check_complete=lambda d: lifecycle.validate_for_issue(
                        s, catalogue=self.rules.catalogue, doc=d, limits=FieldLimits.of(self.kernel.settings)
                    ),
                )
            )

    def decide(
        self, *, actor: Principal, doc_id: int, opinion: str, approve: bool, step: str | None = None
    ) -> DocumentView:
        """审核/审批 the pending step (approve, or reject back to the handler with the reason)."""
        officer_id = self._acting_officer(actor)
        self.casefiles.guard(actor, "decide", doc_id=doc_id)
        with self.kernel.db.write() as s:
            doc = require_document(s, actor, doc_id)
            return DocumentView.of(
                approvals.decide(
                    s,
                    catalogue=self.rules.catalogue,
                    actor=actor.name,
                    doc=doc,
                    officer_id=officer_id,
                    opinion=opinion,
                    approve=approve,
                    step=step,
                    rules=self.rules.approvals,
                )
            )

    def approval_state(self, *, actor: Principal, doc_id: int) -> ApprovalState:
        with self.kernel.db.read() as s:
            doc = require_document(s, actor, doc_id)
            form = resolve_form(self.rules.catalogue, doc.form_id)
            decisions = s.scalars(select(Approval).where(Approval.document_id == doc.id).order_by(Approval.id)).all()
            return ApprovalState(
                status=doc.status,
                round=doc.round,
                steps=tuple(a.value for a in form.approval),
                pending_step=approvals.pending_step(s, doc, form) if doc.status == "submitted" else None,
                decisions=tuple(
                    ApprovalDecisionView(
                        round=a.round,
                        step=a.step,
                        decision=a.decision,
                        opinion=a.opinion,
                        officer_id=a.officer_id,
                        officer=a.officer.name,
                        at=a.at,
                    )
                    for a in decisions
                ),
            )

    def desk(self, *, actor: Principal) -> HandlerDesk:
        """我的文书 on the 工作台: the user's drafts and submissions by where they stand — 草稿, 被退回,
        审批中 (a step still pending) and 待签发 (every step of this round approved, ready to issue).
        Read from the approval decisions, as issuing reads them, so the desk never says 审批中 of a
        document that may be issued."""
        mine = Document.created_by == actor.name
        if actor.officer_id is not None:
            mine = or_(mine, Document.submitted_by == actor.officer_id)
        steps = self.rules.approvals.steps
        stages: dict[str, list[DeskDocument]] = {"draft": [], "returned": [], "waiting": [], "to_issue": []}
        with self.kernel.db.read() as s:
            query = (
                select(Document)
                .where(document_clause(actor), mine, Document.status.in_(("draft", "submitted")))
                .order_by(Document.id)
            )
            for doc in s.scalars(query):
                form = resolve_form(self.rules.catalogue, doc.form_id)
                pending = approvals.pending_step(s, doc, form) if doc.status == "submitted" else None
                if doc.status == "draft":
                    stage = "returned" if doc.round > 0 else "draft"
                else:
                    stage = "waiting" if pending is not None else "to_issue"
                stages[stage].append(
                    DeskDocument(
                        id=doc.id,
                        form_id=form.id,
                        form=form.name,
                        case_id=doc.case_id,
                        case=doc.case.name,
                        stage=stage,
                        pending_step=pending,
                        pending_step_name=steps[pending].name if pending in steps else pending,
                        round=doc.round,
                    )
                )
        return HandlerDesk(
            drafts=tuple(stages["draft"]),
            returned=tuple(stages["returned"]),
            waiting=tuple(stages["waiting"]),
            to_issue=tuple(stages["to_issue"]),
        )

    def step_name(self, step: str) -> str:
        """审核, 审批 … — an approval step's Chinese name (``procedure/approvals.yaml``)."""
        return approvals.step_name(step, self.rules.approvals)

    def inbox(self, *, actor: Principal) -> list[InboxItem]:
        """待审批: submitted documents whose pending step this user may take now (their officer holds
        a role for the step, they did not submit it, and it is their organisation's or one below)."""
        if actor.officer_id is None:
            return []
        rules = self.rules.approvals.steps
        out: list[InboxItem] = []
        with self.kernel.db.read() as s:
            officer = s.get(Officer, actor.officer_id)
            if officer is None:
                return []
            below = org_subtree(s, officer.org_id)
            query = (
                select(Document)
                .where(document_clause(actor), Document.status == "submitted", Document.org_id.in_(below))
                .order_by(Document.id)
            )
            for doc in s.scalars(query):
                form = resolve_form(self.rules.catalogue, doc.form_id)
                step = approvals.pending_step(s, doc, form)
                if step is None or doc.submitted_by == officer.id:
                    continue
                if not set(officer.roles) & set(rules[step].roles):
                    continue
                submitter = s.get(Officer, doc.submitted_by) if doc.submitted_by else None
                out.append(
                    InboxItem(
                        id=doc.id,
                        form=form.name,
                        form_id=form.id,
                        case_id=doc.case_id,
                        case=doc.case.name,
                        org=doc.case.org.name,
                        step=step,
                        step_name=rules[step].name,
                        round=doc.round,
                        submitted_by=submitter.name if submitter else "",
                    )
                )
        return out
