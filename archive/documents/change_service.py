"""更改/作废/删除 of issued records as users act on them (``archive.changes``, seed 003 第七条)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import events
from ..access import Principal, document_clause, require, require_document
from ..casefile.service import CaseFileService
from ..errors import NotFound
from ..fields import FieldLimits
from ..kernel import Kernel
from ..models import ChangeRequest, Document
from ..views import ChangeRequestView, DocumentView
from . import changes as change_requests
from .service import DocumentService

__all__ = ["ChangeService"]


class ChangeService:
    """更改申请 (``archive.changes``): requested by the handler, approved by the steps of
    ``procedure/changes.yaml``, carried out by an administrator; a correction issues the next
    edition through :class:`DocumentService` (the same number, publishing and log)."""

    def __init__(self, kernel: Kernel, *, casefiles: CaseFileService, documents: DocumentService) -> None:
        self.kernel = kernel
        self.rules = kernel.rules
        self.casefiles = casefiles
        self.documents = documents

    def request_change(
        self,
        *,
        actor: Principal,
        doc_id: int,
        kind: str,
        reason: str,
        changes: dict[str, Any] | None = None,
    ) -> ChangeRequestView:
        self.casefiles.guard(actor, "request_change", doc_id=doc_id)
        with self.kernel.db.write() as s:
            doc = require_document(s, actor, doc_id)
            require(actor, "request_change")
            request = change_requests.request_change(
                s,
                catalogue=self.rules.catalogue,
                actor=actor,
                doc=doc,
                kind=kind,
                reason=reason,
                changes=changes,
                rules=self.rules.changes,
                limits=FieldLimits.of(self.kernel.settings),
            )
            return change_requests.request_view(request, self.rules.changes)

    def change_request(self, *, actor: Principal, request_id: int) -> ChangeRequestView:
        with self.kernel.db.read() as s:
            return change_requests.request_view(self._visible_request(s, actor, request_id), self.rules.changes)

    def change_requests(self, *, actor: Principal, status: str | None = None) -> list[ChangeRequestView]:
        with self.kernel.db.read() as s:
            query = (
                select(ChangeRequest)
                .join(Document, Document.id == ChangeRequest.document_id)
                .where(document_clause(actor))
                .order_by(ChangeRequest.id)
            )
            if status:
                query = query.where(ChangeRequest.status == status)
            return [change_requests.request_view(r, self.rules.changes) for r in s.scalars(query)]

    def decide_change(self, *, actor: Principal, request_id: int, approve: bool, opinion: str) -> ChangeRequestView:
        self.casefiles.guard(actor, "decide_change", doc_id=self._request_document(request_id))
        with self.kernel.db.write() as s:
            request = self._visible_request(s, actor, request_id)
            rules = self.rules.changes
            decided = change_requests.decide_change(
                s, actor=actor, request=request, approve=approve, opinion=opinion, rules=rules
            )
            return change_requests.request_view(decided, rules)

    def apply_change(self, *, actor: Principal, request_id: int) -> DocumentView:
        """The administrator carries out an approved request; a correction issues the next edition."""
        require(actor, "apply_change")
        self.casefiles.guard(actor, "apply_change", doc_id=self._request_document(request_id))
        with self.kernel.db.write() as s:
            request = self._visible_request(s, actor, request_id)
            if request.kind in ("void", "delete"):
                apply = change_requests.apply_void if request.kind == "void" else change_requests.apply_delete
                done = DocumentView.of(apply(s, actor=actor, request=request, rules=self.rules.changes))
                step = None
            else:
                step = change_requests.prepare_correction(
                    s, catalogue=self.rules.catalogue, actor=actor, request=request, rules=self.rules.changes
                )
        if step is None:
            self.kernel.after_change()
            return done
        try:
            new = self.documents.publish(actor.name, step)
        except Exception:
            with self.kernel.db.write() as s:
                # Leave nothing half-done: the request stays approved and can be carried out again.
                draft = s.get(Document, step.doc_id)
                if draft is not None and draft.status == "draft":
                    events.record(
                        s, actor=actor.name, entity="document", entity_id=draft.id, action="correction_failed"
                    )
                    draft.status = "voided"
                    draft.void_reason = "更正签发失败 correction failed to issue"
            raise
        with self.kernel.db.write() as s:
            request = change_requests.get_request(s, request_id)
            change_requests.finish_correction(s, actor=actor, request=request, new_id=new.id)
        self.kernel.after_change()
        return new

    def _request_document(self, request_id: int) -> int | None:
        with self.kernel.db.read() as s:
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
