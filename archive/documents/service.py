"""文书 as users act on them (``archive.documents``): drafts, issuing, previews, stored files.

Issuing is the three steps of :mod:`.lifecycle` — take the number (one short transaction), publish
(render → convert → seal → store, through the kernel's :class:`~anjuan.archive.publishing.Publisher`,
outside any transaction), record (one short transaction) — each checked against the actor's rights
and scope, refused on a filed case, and logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from anjuan.templates.errors import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from anjuan.errors import AnjuanError

from .. import events, idempotency
from ..access import Principal, document_clause, require, require_case, require_document
from ..casefile.service import CaseFileService
from ..catalogue import resolve_form
from ..errors import Conflict, FieldError, IssueIncomplete, ValidationFailed
from ..fields import FieldLimits
from ..kernel import Kernel
from ..models import Document
from ..publishing import translate_template_error
from ..sealing import revision_digests
from ..views import DocumentView
from . import lifecycle
from .context import build_context

__all__ = ["DocumentService"]

log = logging.getLogger("anjuan.archive")


class DocumentService:
    """执法文书 (``archive.documents``). Takes the kernel and the case files (a filed case refuses
    every change, :meth:`CaseFileService.guard`)."""

    def __init__(self, kernel: Kernel, *, casefiles: CaseFileService) -> None:
        self.kernel = kernel
        self.rules = kernel.rules
        self.casefiles = casefiles

    @property
    def _field_limits(self) -> FieldLimits:
        return FieldLimits.of(self.kernel.settings)

    def _counter_start(self, counter: str) -> int:
        spec = next((c for c in self.rules.catalogue.counters if c.id == counter), None)
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
    ) -> DocumentView:
        require(actor, "draft")
        self.casefiles.guard(actor, "create_draft", case_id=case_id)
        with self.kernel.db.write() as s:
            require_case(s, actor, case_id)
            if parent_id is not None:
                require_document(s, actor, parent_id)
            return DocumentView.of(
                lifecycle.create_draft(
                    s,
                    catalogue=self.rules.catalogue,
                    actor=actor.name,
                    case_id=case_id,
                    form_key=form_key,
                    fields=fields,
                    officer_ids=officer_ids,
                    parent_id=parent_id,
                    doc_date=doc_date,
                    today=self.kernel.clock.today(),
                    limits=self._field_limits,
                )
            )

    def update_draft(self, *, actor: Principal, doc_id: int, **changes: Any) -> DocumentView:
        require(actor, "draft")
        self.casefiles.guard(actor, "update_draft", doc_id=doc_id)
        with self.kernel.db.write() as s:
            require_document(s, actor, doc_id)
            return DocumentView.of(
                lifecycle.update_draft(
                    s,
                    catalogue=self.rules.catalogue,
                    actor=actor.name,
                    doc_id=doc_id,
                    today=self.kernel.clock.today(),
                    limits=self._field_limits,
                    **changes,
                )
            )

    def issue(self, *, actor: Principal, doc_id: int, idempotency_key: str | None = None) -> DocumentView:
        """签发 a saved draft: number, render, convert, store (see :mod:`archive.documents`).

        Also completes a numbered draft an earlier attempt left half-way (same number). With an
        ``idempotency_key``, repeating the call answers with the document the first call issued."""
        require(actor, "draft")
        self.casefiles.guard(actor, "issue", doc_id=doc_id)

        def reserve(s: Session) -> lifecycle.IssueStep:
            require_document(s, actor, doc_id)
            return self._reserve(s, actor.name, doc_id)  # an issued document is refused here (409)

        return self._issue_once(actor, idempotency_key, ("issue", {"doc_id": doc_id}), reserve)

    def issue_new(self, *, actor: Principal, idempotency_key: str | None = None, **request: Any) -> DocumentView:
        """Create and issue in one call (same arguments as :meth:`create_draft`). The draft and its
        number are written in one transaction, so input that fails any check leaves no trace at all.
        With an ``idempotency_key``, repeating the call never makes a second document or number: it
        answers with the first (completing it if the first attempt stopped after taking the number)."""
        require(actor, "draft")
        self.casefiles.guard(actor, "issue", case_id=request["case_id"])

        def reserve(s: Session) -> lifecycle.IssueStep:
            require_case(s, actor, request["case_id"])
            if request.get("parent_id") is not None:
                require_document(s, actor, request["parent_id"])
            draft = lifecycle.create_draft(
                s,
                catalogue=self.rules.catalogue,
                actor=actor.name,
                complete=True,
                today=self.kernel.clock.today(),
                limits=self._field_limits,
                **request,
            )
            return self._reserve(s, actor.name, draft.id)

        return self._issue_once(actor, idempotency_key, ("issue_new", request), reserve)

    def _issue_once(
        self,
        actor: Principal,
        idempotency_key: str | None,
        request: tuple[str, dict[str, Any]],
        reserve: Callable[[Session], lifecycle.IssueStep],
    ) -> DocumentView:
        """Step 1 (``reserve``: the number) in one retried transaction — together with the key, when
        there is one — then steps 2 and 3. A key seen before resumes its document instead."""
        key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None
        request_sha = idempotency.fingerprint(*request)

        def once(s: Session) -> lifecycle.IssueStep | int:
            if key is not None:
                done = idempotency.find(s, actor=actor.name, key=key, request_sha256=request_sha)
                if done is not None:
                    return done
            step = reserve(s)
            if key is not None:
                idempotency.remember(s, actor=actor.name, key=key, request_sha256=request_sha, document_id=step.doc_id)
            return step

        reserved = self.kernel.db.run_write(once)
        if isinstance(reserved, int):
            return self._resume(actor, reserved)
        return self._finish(actor, reserved)

    def _resume(self, actor: Principal, doc_id: int) -> DocumentView:
        """A repeated request: the document as the first attempt left it, completed if it must be."""
        with self.kernel.db.read() as s:
            doc = require_document(s, actor, doc_id)
            if doc.status not in ("draft", "submitted"):
                return DocumentView.of(doc)  # issued (or since voided): the first answer stands
        step = self.kernel.db.run_write(lambda s: self._reserve(s, actor.name, doc_id))
        return self._finish(actor, step)

    def _finish(self, actor: Principal, step: lifecycle.IssueStep) -> DocumentView:
        """Steps 2 and 3 of issuing. If they fail, the draft keeps its number: the error names the
        document and number and how to complete it, so nothing disappears and a retry reuses it."""
        try:
            doc = self.publish(actor.name, step)
        except Exception as exc:
            raise self._incomplete(exc, step) from exc
        self.kernel.after_change()
        return doc

    @staticmethod
    def _incomplete(exc: Exception, step: lifecycle.IssueStep) -> Exception:
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

    def _reserve(self, session: Any, actor: str, doc_id: int) -> lifecycle.IssueStep:
        return lifecycle.reserve_number(
            session,
            catalogue=self.rules.catalogue,
            profile=self.rules.profile,
            counter_start=self._counter_start,
            actor=actor,
            doc_id=doc_id,
            gates=self.rules.gates if self.kernel.settings.enforce_gates else None,
            is_workday=self.rules.calendar.lenient().is_working_day,
            approval_rules=self.rules.approvals,
            today=self.kernel.clock.today(),
            now=self.kernel.clock.now(),
            limits=self._field_limits,
        )

    def publish(self, actor: str, step: lifecycle.IssueStep) -> DocumentView:
        with self.kernel.db.read() as s:
            doc = lifecycle.get_document(s, step.doc_id)
            form = resolve_form(self.rules.catalogue, doc.form_id)
            plan = self.kernel.sealing.plan(doc, form)
            title = form.name if doc.edition == 1 else f"{form.name}（更正，第{doc.edition}版）"
        docx, rendition = self._render(step.doc_id, pdf=True)
        assert rendition is not None
        sealed, signers = self.kernel.publisher.seal(plan, rendition, title=title)
        docx_sha, rendition_sha, pdf_sha = self.kernel.publisher.store(docx, rendition, sealed)
        revisions = [rendition_sha, *(d for d in revision_digests(sealed)[:-1] if d != rendition_sha)]
        pages = lifecycle.pdf_page_count(sealed)

        def finish(s: Session) -> DocumentView:
            done = lifecycle.finish_issue(
                s,
                actor=actor,
                step=step,
                docx_sha256=docx_sha,
                rendition_sha256=rendition_sha,
                pdf_sha256=pdf_sha,
                pages=pages,
                signatures=signers,
                revisions=revisions,
                now=self.kernel.clock.now(),
            )
            return DocumentView.of(done)

        return self.kernel.db.run_write(finish)

    def discard_draft(self, *, actor: Principal, doc_id: int, reason: str) -> None:
        """Delete a draft that never got a number (nothing was issued, so nothing is lost)."""
        require(actor, "draft")
        self.casefiles.guard(actor, "discard_draft", doc_id=doc_id)
        with self.kernel.db.write() as s:
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

    def render(self, *, actor: Principal, doc_id: int, pdf: bool) -> tuple[bytes, bytes | None]:
        """DOCX (and PDF) of a document as it stands now: a preview for drafts."""
        with self.kernel.db.read() as s:
            require_document(s, actor, doc_id)
        return self._render(doc_id, pdf=pdf)

    def _render(self, doc_id: int, *, pdf: bool) -> tuple[bytes, bytes | None]:
        with self.kernel.db.read() as s:
            doc = lifecycle.get_document(s, doc_id)
            form = resolve_form(self.rules.catalogue, doc.form_id)
            context = build_context(
                s, catalogue=self.rules.catalogue, clauses=self.rules.clauses, doc=doc, today=self.kernel.clock.today()
            )
        try:
            if form.template:
                docx = self.kernel.renderer.render(form.template, context)
            else:
                docx = self.kernel.renderer.render_generic(form.name, form.fields, context)
        except TemplateError as exc:
            raise translate_template_error(exc, {"form": form.id}) from exc
        if not pdf:
            return docx, None
        return docx, self.kernel.publisher.convert(docx, details={"form": form.id})

    def file(self, *, actor: Principal, doc_id: int, kind: str) -> bytes:
        """The stored DOCX or PDF of an issued document (deleted ones too: their bytes are kept)."""
        with self.kernel.db.read() as s:
            doc = require_document(s, actor, doc_id)
            digest = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
        if digest is None:
            raise Conflict(
                "文书尚未签发，没有存档文件",
                "the document has not been issued; no stored file",
                code="not_issued",
            )
        return self.kernel.blobs.get(digest)

    def get(self, *, actor: Principal, doc_id: int) -> DocumentView:
        with self.kernel.db.read() as s:
            return DocumentView.of(require_document(s, actor, doc_id))

    def list(
        self,
        *,
        actor: Principal,
        case_id: int | None = None,
        org_id: int | None = None,
        include_deleted: bool = False,
    ) -> list[DocumentView]:
        """Documents the actor can see; soft-deleted ones only on request (their bytes are kept)."""
        with self.kernel.db.read() as s:
            if case_id is not None:
                require_case(s, actor, case_id)
            query = select(Document).where(document_clause(actor)).order_by(Document.id)
            if case_id is not None:
                query = query.where(Document.case_id == case_id)
            if org_id is not None:
                query = query.where(Document.org_id == org_id)
            if not include_deleted:
                query = query.where(Document.status != "deleted")
            return [DocumentView.of(d) for d in s.scalars(query)]

    def numbered_drafts(self, *, actor: Principal, older_than_minutes: float | None = None) -> list[DocumentView]:
        """文号已占用未签发: drafts holding a number for longer than the grace period (default
        ``settings.numbered_draft_grace_minutes``) — issue them again to complete them under the same
        number, or ask to void them (作废), so that no number disappears silently."""
        minutes = (
            self.kernel.settings.numbered_draft_grace_minutes if older_than_minutes is None else older_than_minutes
        )
        if minutes < 0:
            raise ValidationFailed(
                [FieldError("older_than_minutes", "超过分钟数", "older_than_minutes", "不能为负数", "must be ≥ 0")]
            )
        before = self.kernel.clock.now() - dt.timedelta(minutes=minutes)  # the clock numbered_at was stamped by
        with self.kernel.db.read() as s:
            return [
                DocumentView.of(d) for d in lifecycle.numbered_drafts(s, before=before, where=document_clause(actor))
            ]
