"""The archive as one object: settings, database, blob store, catalogue, renderer and converter.

``api`` (HTTP, CLI) talks to this facade only. Every method takes the acting user (``actor``, a
:class:`~anjuan.archive.access.Principal`): it is checked against the user's roles and scope here, in
one place, and recorded in the event log. Each call runs in its own transaction; reads return
detached ORM rows or plain data. Whatever lies outside the actor's scope answers "not found".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anjuan.indexing.api import SearchBackend
from anjuan.signing import ORG_UNIT_BY_ROLE, SealRole, SigningError
from anjuan.templates.convert import Converter
from anjuan.templates.errors import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from anjuan.errors import AnjuanError

from . import accounts, approvals, documents, events, idempotency, packaging, registry
from . import changes as change_requests
from .access import (
    Principal,
    document_clause,
    org_subtree,
    require,
    require_case,
    require_document,
    require_org,
)
from .audit import verify_chain
from .blobs import BlobStore, FileBlobStore
from .casefile.service import CaseFileService
from .catalogue import Catalogue, ClauseSet, FormSpec, resolve_form
from .clock import Clock
from .config import Settings
from .db import Database
from .errors import (
    ArchiveError,
    Conflict,
    FieldError,
    Forbidden,
    IssueIncomplete,
    NotFound,
    RenderFailed,
    ValidationFailed,
)
from .fixity import run_fixity
from .kernel import Kernel
from .maintenance import DEFAULT_BLOB_GRACE, DEFAULT_PROFILE_GRACE, MaintenanceReport, run_maintenance
from .migrate import upgrade
from .models import Approval, ChangeRequest, Document, Officer
from .numbering import NumberingProfile
from .procedure import RuleSet, WorkingCalendar
from .procedure.gates import GateRules
from .procedure.service import ProcedureService
from .qc import QualityService
from .registry.service import RegistryService
from .review import ReviewService
from .sealing import revision_digests
from .search import SearchService
from .stats.service import StatsService

if TYPE_CHECKING:
    from anjuan.templates.render import DocxRenderer

__all__ = ["Archive", "IssueIncomplete", "RenderFailed"]

log = logging.getLogger("anjuan.archive")


def _seal_role(role: str) -> str:
    role = {"机关印章": "organ", "公章": "organ", "行政执法专用章": "enforcement", "执法章": "enforcement"}.get(
        role, role
    )
    if role not in ("organ", "enforcement"):
        raise ValidationFailed(
            [
                FieldError(
                    "role",
                    "印章类型",
                    "seal type",
                    "应为机关印章或行政执法专用章",
                    "must be organ (机关印章) or enforcement (行政执法专用章)",
                )
            ]
        )
    return role


class Archive:
    """The composition root: builds the kernel and the services on it, for the API and the CLI.

    The services (``archive.accounts``, ``archive.registry``, ``archive.search``,
    ``archive.casefiles``, ``archive.reviews``, ``archive.qc``, ``archive.stats``,
    ``archive.procedure``) each take the kernel and the peers they need. The methods below are the
    document lifecycle, not yet a service of its own (issue 15 moves it next)."""

    def __init__(
        self,
        settings: Settings,
        *,
        converter: Converter | None = None,
        blobs: BlobStore | None = None,
        db: Database | None = None,
        search_backend: SearchBackend | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.kernel = kernel = Kernel(settings, db=db, blobs=blobs, converter=converter, clock=clock)
        self.settings = settings
        self.db = kernel.db
        self.outages = kernel.outages
        self.blobs = kernel.blobs
        self.sealing = kernel.sealing
        self.publisher = kernel.publisher
        self.catalogue: Catalogue = kernel.rules.catalogue
        self.profile: NumberingProfile = kernel.rules.profile
        # 全文检索 (indexing/ behind its interface): the Whoosh index in the data dir unless given one;
        # it follows every change the kernel announces.
        self.search = SearchService(kernel, search_backend)
        kernel.on_change(self.search.after_change)
        self.procedure = ProcedureService(kernel)  # 程序时限
        self.accounts = accounts.AccountService(kernel)  # 用户与登录
        self.registry = RegistryService(kernel)  # 机关、执法人员、当事人、案件
        # The other rule files and the services built on them (clauses, gates, deadlines, case-file
        # order, review items, quality queries, statistics tables) are read on first use: a command
        # that needs none of them starts faster. A server reads them all at start-up (check_rules).

    # -- rules and the services built on them (on first use) ----------------------------------------

    @property
    def clauses(self) -> ClauseSet:
        return self.kernel.rules.clauses

    @property
    def gates(self) -> GateRules:
        """Procedure rules (data): the gates every document passes before it takes a number."""
        return self.kernel.rules.gates

    @property
    def deadline_rules(self) -> RuleSet:
        return self.kernel.rules.deadlines

    @property
    def calendar(self) -> WorkingCalendar:
        return self.kernel.rules.calendar

    @cached_property
    def casefiles(self) -> CaseFileService:  # 卷宗: attachments, assembly, checks
        return CaseFileService(self.kernel)

    @cached_property
    def reviews(self) -> ReviewService:  # 案卷评查
        return ReviewService(self.kernel, casefiles=self.casefiles, procedure=self.procedure)

    @cached_property
    def qc(self) -> QualityService:  # 质量检查: saved quality queries
        return QualityService(self.kernel)

    @cached_property
    def stats(self) -> StatsService:  # 执法统计: report tables, rankings, facts
        return StatsService(self.kernel)

    def check_rules(self) -> None:
        """Read and validate every rule file now (a server at start-up): a bad file fails here."""
        self.kernel.rules.check()
        for name in ("casefiles", "reviews", "qc", "stats"):
            getattr(self, name)

    # -- lifecycle ------------------------------------------------------------------------------

    def migrate(self) -> None:
        upgrade(self.db)

    @property
    def renderer(self) -> DocxRenderer:
        return self.kernel.renderer

    @property
    def converter(self) -> Converter:
        """The warm LibreOffice pool, started on first use (so read-only commands never pay for it)."""
        return self.kernel.converter

    def close(self) -> None:
        self.search.close()
        self.kernel.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- catalogue ------------------------------------------------------------------------------

    def form(self, key: str) -> FormSpec:
        return resolve_form(self.catalogue, key)

    def _counter_start(self, counter: str) -> int:
        spec = next((c for c in self.catalogue.counters if c.id == counter), None)
        return spec.start if spec else 1

    # -- documents ------------------------------------------------------------------------------

    def create_draft(
        self,
        *,
        actor: Principal,
        case_id: int,
        form_key: str,
        fields: dict[str, Any],
        officer_ids: list[int] | None = None,
        parent_id: int | None = None,
        doc_date: dt.date | None = None,
    ) -> Document:
        require(actor, "draft")
        self.casefiles.guard(actor, "create_draft", case_id=case_id)
        with self.db.write() as s:
            require_case(s, actor, case_id)
            if parent_id is not None:
                require_document(s, actor, parent_id)
            return self._loaded(
                documents.create_draft(
                    s,
                    catalogue=self.catalogue,
                    actor=actor.name,
                    case_id=case_id,
                    form_key=form_key,
                    fields=fields,
                    officer_ids=officer_ids,
                    parent_id=parent_id,
                    doc_date=doc_date,
                )
            )

    def update_draft(self, *, actor: Principal, doc_id: int, **changes: Any) -> Document:
        require(actor, "draft")
        self.casefiles.guard(actor, "update_draft", doc_id=doc_id)
        with self.db.write() as s:
            require_document(s, actor, doc_id)
            return self._loaded(
                documents.update_draft(s, catalogue=self.catalogue, actor=actor.name, doc_id=doc_id, **changes)
            )

    def issue(self, *, actor: Principal, doc_id: int, idempotency_key: str | None = None) -> Document:
        """签发 a saved draft: number, render, convert, store (see :mod:`archive.documents`).

        Also completes a numbered draft an earlier attempt left half-way (same number). With an
        ``idempotency_key``, repeating the call answers with the document the first call issued."""
        require(actor, "draft")
        self.casefiles.guard(actor, "issue", doc_id=doc_id)

        def reserve(s: Session) -> documents.IssueStep:
            require_document(s, actor, doc_id)
            return self._reserve(s, actor.name, doc_id)  # an issued document is refused here (409)

        return self._issue_once(actor, idempotency_key, ("issue", {"doc_id": doc_id}), reserve)

    def issue_new(self, *, actor: Principal, idempotency_key: str | None = None, **request: Any) -> Document:
        """Create and issue in one call (same arguments as :meth:`create_draft`). The draft and its
        number are written in one transaction, so input that fails any check leaves no trace at all.
        With an ``idempotency_key``, repeating the call never makes a second document or number: it
        answers with the first (completing it if the first attempt stopped after taking the number)."""
        require(actor, "draft")
        self.casefiles.guard(actor, "issue", case_id=request["case_id"])

        def reserve(s: Session) -> documents.IssueStep:
            require_case(s, actor, request["case_id"])
            if request.get("parent_id") is not None:
                require_document(s, actor, request["parent_id"])
            draft = documents.create_draft(s, catalogue=self.catalogue, actor=actor.name, complete=True, **request)
            return self._reserve(s, actor.name, draft.id)

        return self._issue_once(actor, idempotency_key, ("issue_new", request), reserve)

    def _issue_once(
        self,
        actor: Principal,
        idempotency_key: str | None,
        request: tuple[str, dict[str, Any]],
        reserve: Callable[[Session], documents.IssueStep],
    ) -> Document:
        """Step 1 (``reserve``: the number) in one retried transaction — together with the key, when
        there is one — then steps 2 and 3. A key seen before resumes its document instead."""
        key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None
        request_sha = idempotency.fingerprint(*request)

        def once(s: Session) -> documents.IssueStep | int:
            if key is not None:
                done = idempotency.find(s, actor=actor.name, key=key, request_sha256=request_sha)
                if done is not None:
                    return done
            step = reserve(s)
            if key is not None:
                idempotency.remember(s, actor=actor.name, key=key, request_sha256=request_sha, document_id=step.doc_id)
            return step

        reserved = self.db.run_write(once)
        if isinstance(reserved, int):
            return self._resume(actor, reserved)
        return self._finish(actor, reserved)

    def _resume(self, actor: Principal, doc_id: int) -> Document:
        """A repeated request: the document as the first attempt left it, completed if it must be."""
        with self.db.read() as s:
            doc = require_document(s, actor, doc_id)
            if doc.status not in ("draft", "submitted"):
                return self._loaded(doc)  # issued (or since voided): the first answer stands
        step = self.db.run_write(lambda s: self._reserve(s, actor.name, doc_id))
        return self._finish(actor, step)

    def _finish(self, actor: Principal, step: documents.IssueStep) -> Document:
        """Steps 2 and 3 of issuing. If they fail, the draft keeps its number: the error names the
        document and number and how to complete it, so nothing disappears and a retry reuses it."""
        try:
            doc = self._complete(actor.name, step)
        except Exception as exc:
            raise self._incomplete(exc, step) from exc
        self.kernel.after_change()
        return doc

    @staticmethod
    def _incomplete(exc: Exception, step: documents.IssueStep) -> Exception:
        hint = {
            "document_id": step.doc_id,
            "number": step.number or None,
            "retry_issue": {
                "method": "POST",
                "path": f"/api/documents/{step.doc_id}/issue",
                "cli": f"anjuan doc issue-draft {step.doc_id}",
            },
        }
        if isinstance(exc, AnjuanError):
            exc.details = {**exc.details, **hint}
            if step.number:
                exc.message_zh += f"（文号{step.number}已保留在文书{step.doc_id}上，重试签发即可完成，文号不变）"
                exc.message_en += f" (number {step.number} is held by document {step.doc_id}; issue it again)"
            return exc
        log.exception("issuing document %s stopped after it took its number", step.doc_id)
        return IssueIncomplete(
            f"签发未完成（文号{step.number or '无'}保留在文书{step.doc_id}上），请重试签发",
            f"issuing stopped half-way ({exc.__class__.__name__}); document {step.doc_id} keeps "
            f"{step.number or 'its place'}: issue it again",
            details=hint,
        )

    def _reserve(self, session: Any, actor: str, doc_id: int) -> documents.IssueStep:
        return documents.reserve_number(
            session,
            catalogue=self.catalogue,
            profile=self.profile,
            counter_start=self._counter_start,
            actor=actor,
            doc_id=doc_id,
            gates=self.gates if self.settings.enforce_gates else None,
            is_workday=self.calendar.lenient().is_working_day,
            approval_rules=self.kernel.rules.approvals,
        )

    def _complete(self, actor: str, step: documents.IssueStep) -> Document:
        with self.db.read() as s:
            doc = documents.get_document(s, step.doc_id)
            form = self.form(doc.form_id)
            plan = self.sealing.plan(doc, form)
            title = form.name if doc.edition == 1 else f"{form.name}（更正，第{doc.edition}版）"
        docx, rendition = self._render(step.doc_id, pdf=True)
        assert rendition is not None
        sealed, signers = self.publisher.seal(plan, rendition, title=title)
        docx_sha, rendition_sha, pdf_sha = self.publisher.store(docx, rendition, sealed)
        revisions = [rendition_sha, *(d for d in revision_digests(sealed)[:-1] if d != rendition_sha)]
        pages = documents.pdf_page_count(sealed)

        def finish(s: Session) -> Document:
            done = documents.finish_issue(
                s,
                actor=actor,
                step=step,
                docx_sha256=docx_sha,
                rendition_sha256=rendition_sha,
                pdf_sha256=pdf_sha,
                pages=pages,
                signatures=signers,
                revisions=revisions,
            )
            return self._loaded(done)

        return self.db.run_write(finish)

    def _acting_officer(self, actor: Principal) -> int:
        if actor.officer_id is None:
            raise Forbidden(
                f"{actor.name}不是执法人员，不能报送或审批文书",
                f"{actor.name} is not an officer; only officers submit and approve documents",
                code="not_an_officer",
            )
        return actor.officer_id

    def submit(self, *, actor: Principal, doc_id: int) -> Document:
        """报送审批: the handler sends a complete draft to the approval steps its form requires."""
        require(actor, "draft")
        officer_id = self._acting_officer(actor)
        self.casefiles.guard(actor, "submit", doc_id=doc_id)
        with self.db.write() as s:
            doc = require_document(s, actor, doc_id)
            return self._loaded(
                approvals.submit(
                    s,
                    catalogue=self.catalogue,
                    actor=actor.name,
                    doc=doc,
                    officer_id=officer_id,
                    check_complete=lambda d: documents.validate_for_issue(s, catalogue=self.catalogue, doc=d),
                )
            )

    def decide(
        self, *, actor: Principal, doc_id: int, opinion: str, approve: bool, step: str | None = None
    ) -> Document:
        """审核/审批 the pending step (approve, or reject back to the handler with the reason)."""
        officer_id = self._acting_officer(actor)
        self.casefiles.guard(actor, "decide", doc_id=doc_id)
        with self.db.write() as s:
            doc = require_document(s, actor, doc_id)
            return self._loaded(
                approvals.decide(
                    s,
                    catalogue=self.catalogue,
                    actor=actor.name,
                    doc=doc,
                    officer_id=officer_id,
                    opinion=opinion,
                    approve=approve,
                    step=step,
                    rules=self.kernel.rules.approvals,
                )
            )

    def approval_state(self, *, actor: Principal, doc_id: int) -> dict[str, Any]:
        with self.db.read() as s:
            doc = require_document(s, actor, doc_id)
            form = self.form(doc.form_id)
            decisions = s.scalars(select(Approval).where(Approval.document_id == doc.id).order_by(Approval.id)).all()
            return {
                "status": doc.status,
                "round": doc.round,
                "steps": [a.value for a in form.approval],
                "pending_step": approvals.pending_step(s, doc, form) if doc.status == "submitted" else None,
                "decisions": [
                    {
                        "round": a.round,
                        "step": a.step,
                        "decision": a.decision,
                        "opinion": a.opinion,
                        "officer_id": a.officer_id,
                        "officer": a.officer.name,
                        "at": a.at.isoformat(),
                    }
                    for a in decisions
                ],
            }

    def step_name(self, step: str) -> str:
        """审核, 审批 … — an approval step's Chinese name (``procedure/approvals.yaml``)."""
        return approvals.step_name(step, self.kernel.rules.approvals)

    def inbox(self, *, actor: Principal) -> list[dict[str, Any]]:
        """待审批: submitted documents whose pending step this user may take now (their officer holds
        a role for the step, they did not submit it, and it is their organisation's or one below)."""
        if actor.officer_id is None:
            return []
        rules = self.kernel.rules.approvals.steps
        out: list[dict[str, Any]] = []
        with self.db.read() as s:
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
                form = self.form(doc.form_id)
                step = approvals.pending_step(s, doc, form)
                if step is None or doc.submitted_by == officer.id:
                    continue
                if not set(officer.roles) & set(rules[step].roles):
                    continue
                submitter = s.get(Officer, doc.submitted_by) if doc.submitted_by else None
                out.append(
                    {
                        "id": doc.id,
                        "form": form.name,
                        "form_id": form.id,
                        "case_id": doc.case_id,
                        "case": doc.case.name,
                        "org": doc.case.org.name,
                        "step": step,
                        "step_name": rules[step].name,
                        "round": doc.round,
                        "submitted_by": submitter.name if submitter else "",
                    }
                )
        return out

    def discard_draft(self, *, actor: Principal, doc_id: int, reason: str) -> None:
        """Delete a draft that never got a number (nothing was issued, so nothing is lost)."""
        require(actor, "draft")
        self.casefiles.guard(actor, "discard_draft", doc_id=doc_id)
        with self.db.write() as s:
            doc = require_document(s, actor, doc_id)
            if doc.status != "draft" or doc.number is not None:
                raise Conflict(
                    "只能删除尚无文号的草稿",
                    "only drafts without a number can be discarded",
                    code="cannot_discard",
                )
            events.record(
                s, actor=actor.name, entity="document", entity_id=doc.id, action="draft_discarded", reason=reason
            )
            s.delete(doc)

    # -- changes to issued records (更改/作废/删除, 第七条) ------------------------------------------

    def request_change(
        self,
        *,
        actor: Principal,
        doc_id: int,
        kind: str,
        reason: str,
        changes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.casefiles.guard(actor, "request_change", doc_id=doc_id)
        with self.db.write() as s:
            doc = require_document(s, actor, doc_id)
            require(actor, "request_change")
            request = change_requests.request_change(
                s,
                catalogue=self.catalogue,
                actor=actor,
                doc=doc,
                kind=kind,
                reason=reason,
                changes=changes,
                rules=self.kernel.rules.changes,
            )
            return change_requests.request_dict(request, self.kernel.rules.changes)

    def change_request(self, *, actor: Principal, request_id: int) -> dict[str, Any]:
        with self.db.read() as s:
            return change_requests.request_dict(self._visible_request(s, actor, request_id), self.kernel.rules.changes)

    def change_requests(self, *, actor: Principal, status: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as s:
            query = (
                select(ChangeRequest)
                .join(Document, Document.id == ChangeRequest.document_id)
                .where(document_clause(actor))
                .order_by(ChangeRequest.id)
            )
            if status:
                query = query.where(ChangeRequest.status == status)
            return [change_requests.request_dict(r, self.kernel.rules.changes) for r in s.scalars(query)]

    def decide_change(self, *, actor: Principal, request_id: int, approve: bool, opinion: str) -> dict[str, Any]:
        self.casefiles.guard(actor, "decide_change", doc_id=self._request_document(request_id))
        with self.db.write() as s:
            request = self._visible_request(s, actor, request_id)
            rules = self.kernel.rules.changes
            decided = change_requests.decide_change(
                s, actor=actor, request=request, approve=approve, opinion=opinion, rules=rules
            )
            return change_requests.request_dict(decided, rules)

    def apply_change(self, *, actor: Principal, request_id: int) -> Document:
        """The administrator carries out an approved request; a correction issues the next edition."""
        require(actor, "apply_change")
        self.casefiles.guard(actor, "apply_change", doc_id=self._request_document(request_id))
        with self.db.write() as s:
            request = self._visible_request(s, actor, request_id)
            if request.kind in ("void", "delete"):
                apply = change_requests.apply_void if request.kind == "void" else change_requests.apply_delete
                done = self._loaded(apply(s, actor=actor, request=request, rules=self.kernel.rules.changes))
                step = None
            else:
                step = change_requests.prepare_correction(
                    s, catalogue=self.catalogue, actor=actor, request=request, rules=self.kernel.rules.changes
                )
        if step is None:
            self.kernel.after_change()
            return done
        try:
            new = self._complete(actor.name, step)
        except Exception:
            with self.db.write() as s:
                # Leave nothing half-done: the request stays approved and can be carried out again.
                draft = s.get(Document, step.doc_id)
                if draft is not None and draft.status == "draft":
                    events.record(
                        s, actor=actor.name, entity="document", entity_id=draft.id, action="correction_failed"
                    )
                    draft.status = "voided"
                    draft.void_reason = "更正签发失败 correction failed to issue"
            raise
        with self.db.write() as s:
            request = change_requests.get_request(s, request_id)
            change_requests.finish_correction(s, actor=actor, request=request, new_id=new.id)
        self.kernel.after_change()
        return new

    def _request_document(self, request_id: int) -> int | None:
        with self.db.read() as s:
            request = s.get(ChangeRequest, request_id)
            return request.document_id if request is not None else None

    @staticmethod
    def _visible_request(session: Any, actor: Principal, request_id: int) -> ChangeRequest:
        request = change_requests.get_request(session, request_id)
        try:
            require_document(session, actor, request.document_id)
        except NotFound:
            raise NotFound(
                f"申请{request_id}不存在", f"change request {request_id} not found", details={"id": request_id}
            ) from None
        return request

    # -- reading and rendering ------------------------------------------------------------------

    def render(self, *, actor: Principal, doc_id: int, pdf: bool) -> tuple[bytes, bytes | None]:
        """DOCX (and PDF) of a document as it stands now: a preview for drafts."""
        with self.db.read() as s:
            require_document(s, actor, doc_id)
        return self._render(doc_id, pdf=pdf)

    def _render(self, doc_id: int, *, pdf: bool) -> tuple[bytes, bytes | None]:
        with self.db.read() as s:
            doc = documents.get_document(s, doc_id)
            form = self.form(doc.form_id)
            context = documents.build_context(s, catalogue=self.catalogue, clauses=self.clauses, doc=doc)
        try:
            if form.template:
                docx = self.renderer.render(form.template, context)
            else:
                docx = self.renderer.render_generic(form.name, form.fields, context)
        except TemplateError as exc:
            raise RenderFailed(exc.message_zh, exc.message_en, details={"form": form.id}) from exc
        if not pdf:
            return docx, None
        return docx, self.publisher.convert(docx, details={"form": form.id})

    def file(self, *, actor: Principal, doc_id: int, kind: str) -> bytes:
        """The stored DOCX or PDF of an issued document (deleted ones too: their bytes are kept)."""
        with self.db.read() as s:
            doc = require_document(s, actor, doc_id)
            digest = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
        if digest is None:
            raise Conflict(
                "文书尚未签发，没有存档文件",
                "the document has not been issued; no stored file",
                code="not_issued",
            )
        return self.blobs.get(digest)

    # -- seals and verification -----------------------------------------------------------------

    def pki_init(self, *, actor: Principal) -> dict[str, Any]:
        """Root, organisation seal keys (机关印章 and 行政执法专用章), officer keys and seal images —
        created where missing, never replaced (the development PKI; production imports its own)."""
        require(actor, "manage_keys")
        keys: list[dict[str, Any]] = []
        with self.db.read() as s:
            orgs = [(o.id, o.name) for o in registry.list_orgs(s) if actor.sees_org(o.id)]
            officers = [
                (o.id, o.name, o.cert_no, o.org.name) for o in registry.list_officers(s) if actor.sees_org(o.org_id)
            ]
        for org_id, name in orgs:
            for role in ("organ", "enforcement"):
                key = self.sealing.org_key(org_id, name, role)
                self.sealing.seal_image(self.db.write, org_id, name, role)
                keys.append({"key": f"org-{org_id}-{role}", "label": key.label, "role": role})
        for officer_id, name, cert_no, org_name in officers:
            key = self.sealing.officer_key(officer_id, name, cert_no, org_name)
            keys.append({"key": f"officer-{officer_id}", "label": key.label, "role": "officer"})
        with self.db.write() as s:
            events.record(s, actor=actor.name, entity="pki", entity_id=0, action="pki_initialised", keys=len(keys))
        return {
            "directory": str(self.settings.key_dir.resolve()),
            "keys": keys,
            "root_certificate": self.sealing.root_certificate_pem().decode("ascii"),
        }

    def _key_owner(self, actor: Principal, owner: str, owner_id: int, role: str | None) -> tuple[str, str, str]:
        """(key id, label, role) of an organisation seal or an officer's signing key."""
        require(actor, "manage_keys")
        with self.db.read() as s:
            if owner == "officer":
                officer = registry.get_officer(s, owner_id)
                require_org(s, actor, officer.org_id)
                return f"officer-{officer.id}", f"{officer.name} {officer.cert_no}", "officer"
            org = require_org(s, actor, owner_id)
            seal = _seal_role(role or "organ")
            return f"org-{org.id}-{seal}", f"{org.name} {ORG_UNIT_BY_ROLE[SealRole(seal)]}", seal

    def import_pkcs12(
        self,
        *,
        actor: Principal,
        owner: str,
        owner_id: int,
        role: str | None,
        data: bytes,
        passphrase: bytes,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Use a bureau's own certificate (PKCS#12) instead of the development one."""
        key_id, label, seal = self._key_owner(actor, owner, owner_id, role)
        try:
            handle = self.sealing.keystore.import_pkcs12(
                key_id, data, passphrase, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.db.write() as s:
            events.record(s, actor=actor.name, entity="pki", entity_id=owner_id, action="pkcs12_imported", key=key_id)
        return {"key": key_id, "label": handle.label, "role": seal}

    def register_pkcs11(
        self,
        *,
        actor: Principal,
        owner: str,
        owner_id: int,
        role: str | None,
        lib: str,
        token_label: str,
        key_label: str,
        pin_env_var: str,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Sign with a key that stays on a PKCS#11 token/HSM; the PIN is read from ``pin_env_var``."""
        key_id, label, seal = self._key_owner(actor, owner, owner_id, role)
        try:
            self.sealing.keystore.register_pkcs11(
                key_id, lib, token_label, key_label, pin_env_var, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.db.write() as s:
            events.record(
                s,
                actor=actor.name,
                entity="pki",
                entity_id=owner_id,
                action="pkcs11_registered",
                key=key_id,
                token=token_label,
                key_label=key_label,
            )
        return {"key": key_id, "label": label, "role": seal}

    def list_keys(self, *, actor: Principal) -> list[dict[str, Any]]:
        require(actor, "manage_keys")
        return [
            {
                "key": k.key_id,
                "label": k.label,
                "role": str(k.role),
                "subject": k.subject,
                "not_after": k.not_after.isoformat() if k.not_after else None,
                "source": str(k.source),
            }
            for k in self.sealing.keystore.list()
        ]

    # -- procedure ------------------------------------------------------------------------------

    def deadlines(self, *, actor: Principal, case_id: int, today: dt.date | None = None) -> list[dict[str, Any]]:
        """程序时限 of a case (see :class:`~.procedure.service.ProcedureService`)."""
        return self.procedure.deadlines(actor=actor, case_id=case_id, today=today)

    def due(
        self, *, actor: Principal, days: int, today: dt.date | None = None, org_id: int | None = None
    ) -> list[dict[str, Any]]:
        """What falls due within ``days`` or is overdue, across the open cases the actor can see."""
        return self.procedure.due(actor=actor, days=days, today=today, org_id=org_id)

    # -- archival packages (归档信息包) ---------------------------------------------------------------

    def export_package(self, *, actor: Principal, case_id: int, out_dir: Path) -> dict[str, Any]:
        """BagIt package of a filed case (documents, volume, attachments, metadata XML, history)."""
        return packaging.export_package(self.kernel, actor=actor, case_id=case_id, out_dir=out_dir)

    def verify_package(self, path: Path) -> packaging.FournessReport:
        """四性检测 of any package, signatures checked against this instance's trust anchors."""
        return packaging.verify_package(path, verify_pdf=self.verify)

    def import_package(self, *, actor: Principal, path: Path) -> packaging.ImportResult:
        return packaging.import_package(self.kernel, actor=actor, path=path)

    def fixity(self, *, actor: Principal) -> dict[str, Any]:
        """Re-read every stored file the records point to and check its SHA-256 (logged). Auditors
        and archivists (档案管理员, who answer for the archive's integrity) may run it."""
        if not actor.can("file"):
            require(actor, "audit")
        return run_fixity(self.db, self.blobs, actor=actor.name).to_dict()

    def maintenance(
        self,
        *,
        actor: Principal,
        apply: bool = False,
        blob_grace: dt.timedelta = DEFAULT_BLOB_GRACE,
        profile_grace: dt.timedelta = DEFAULT_PROFILE_GRACE,
        temp_dir: Path | None = None,
    ) -> MaintenanceReport:
        """日常维护: orphan blobs and dead LibreOffice directories (archive/maintenance.py); a dry run
        unless ``apply``. Administrators may look; only the platform administrator removes, since the
        blob store and the temp dir belong to the whole installation, not to one bureau."""
        require(actor, "manage_registry")
        if apply and not actor.everywhere:
            raise Forbidden(
                "只有平台管理员可以清理文件", "only the platform administrator may remove files", code="not_permitted"
            )
        return run_maintenance(
            self.db,
            actor=actor.name,
            blob_root=self.blobs.root if isinstance(self.blobs, FileBlobStore) else None,
            temp_dir=temp_dir,
            apply=apply,
            blob_grace=blob_grace,
            profile_grace=profile_grace,
        )

    def audit_verify(self, *, actor: Principal) -> dict[str, Any]:
        """Recompute the event log's hash chain; names the first entry that does not fit."""
        require(actor, "audit")
        with self.db.read() as s:
            return verify_chain(s).to_dict()

    def verify(self, pdf: bytes) -> dict[str, Any]:
        """Anyone may check a copy they were handed (no login): the answer names only what the PDF shows."""
        return self.kernel.verify(pdf)

    def seal_image(self, *, actor: Principal, org_id: int, role: str) -> bytes:
        with self.db.read() as s:
            org = require_org(s, actor, org_id)
            name = org.name
        return self.sealing.seal_image(self.db.write, org_id, name, _seal_role(role))

    def upload_seal_image(self, *, actor: Principal, org_id: int, role: str, data: bytes) -> str:
        require(actor, "manage_keys")
        with self.db.write() as s:
            require_org(s, actor, org_id)
            return self.sealing.upload_seal_image(s, actor=actor.name, org_id=org_id, role=_seal_role(role), data=data)

    def document(self, *, actor: Principal, doc_id: int) -> Document:
        with self.db.read() as s:
            return self._loaded(require_document(s, actor, doc_id))

    def documents(
        self,
        *,
        actor: Principal,
        case_id: int | None = None,
        org_id: int | None = None,
        include_deleted: bool = False,
    ) -> list[Document]:
        """Documents the actor can see; soft-deleted ones only on request (their bytes are kept)."""
        with self.db.read() as s:
            if case_id is not None:
                require_case(s, actor, case_id)
            query = select(Document).where(document_clause(actor)).order_by(Document.id)
            if case_id is not None:
                query = query.where(Document.case_id == case_id)
            if org_id is not None:
                query = query.where(Document.org_id == org_id)
            if not include_deleted:
                query = query.where(Document.status != "deleted")
            return [self._loaded(d) for d in s.scalars(query)]

    def numbered_drafts(self, *, actor: Principal, older_than_minutes: float | None = None) -> list[Document]:
        """文号已占用未签发: drafts holding a number for longer than the grace period (default
        ``settings.numbered_draft_grace_minutes``) — issue them again to complete them under the same
        number, or ask to void them (作废), so that no number disappears silently."""
        minutes = self.settings.numbered_draft_grace_minutes if older_than_minutes is None else older_than_minutes
        if minutes < 0:
            raise ValidationFailed(
                [FieldError("older_than_minutes", "超过分钟数", "older_than_minutes", "不能为负数", "must be ≥ 0")]
            )
        before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
        with self.db.read() as s:
            return [self._loaded(d) for d in documents.numbered_drafts(s, before=before, where=document_clause(actor))]

    @staticmethod
    def _loaded(doc: Document) -> Document:
        # Touch the relationships callers read after the session closes.
        doc.officers  # noqa: B018
        doc.case.org  # noqa: B018
        doc.case.party  # noqa: B018
        doc.parent  # noqa: B018
        return doc
