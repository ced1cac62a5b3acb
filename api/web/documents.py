"""执法文书 in the browser: fill a form generated from the catalogue, preview the PDF, submit for
approval (报送审批), approve or reject with an opinion (审核/审批), issue (签发), download, and record
the publication (公示) of a penalty decision."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal
from urllib.parse import quote

from anjuan.archive.errors import RenderFailed, ValidationFailed
from anjuan.archive.qc import PublicationView
from anjuan.archive.sealing import RECORD_STATUS_PROBLEMS
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anjuan.errors import AnjuanError

from ..schemas import PathId
from .context import PREFIX, Posted, Viewer, Web, posted_date, redirect, render
from .formfields import errors_by_field, read_fields, views

__all__ = ["router"]

router = APIRouter()
log = logging.getLogger("anjuan.web")

_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _editor(
    web: Web,
    *,
    case: Any,
    form: Any,
    values: dict[str, Any],
    meta: dict[str, Any],
    errors: dict[str, str],
    doc: Any = None,
) -> dict[str, Any]:
    archive, actor = web.archive, web.actor
    parents = [d for d in archive.documents.list(actor=actor, case_id=case.id) if d.status == "issued"]
    return {
        "title": form.name,
        "nav": "cases",
        "case": case,
        "form": form,
        "doc": doc,
        "fields": views(form, values, errors),
        "meta": meta,
        "errors": errors,
        "team": case.officers,
        "parents": parents,
    }


def _read_meta(posted: Any) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    meta: dict[str, Any] = {
        "date": str(posted.get("doc_date", "")).strip(),
        "officer_ids": [int(v) for v in posted.getlist("officer_ids") if str(v).isdigit()],
        "parent_id": int(str(posted.get("parent_id"))) if str(posted.get("parent_id", "")).isdigit() else None,
    }
    if meta["date"]:
        try:
            dt.date.fromisoformat(meta["date"])
        except ValueError:
            errors["doc_date"] = "应为日期（年-月-日）"
    return meta, errors


@router.get("/cases/{case_id}/documents/new", response_class=HTMLResponse)
def new_document(request: Request, case_id: PathId, web: Viewer, form: str) -> Response:
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)
    spec = web.archive.kernel.rules.form(form)
    meta = {"date": "", "officer_ids": [o.id for o in case.officers], "parent_id": None}
    context = _editor(web, case=case, form=spec, values={}, meta=meta, errors={})
    return render(web, request, "document_edit.html", **context)


@router.post("/cases/{case_id}/documents/new", response_class=HTMLResponse)
def create_document(request: Request, case_id: PathId, web: Viewer, form: str, posted: Posted) -> Response:
    archive, actor = web.archive, web.actor
    case = archive.registry.case(actor=actor, case_id=case_id)
    spec = archive.kernel.rules.form(form)
    values = read_fields(spec, posted)
    meta, errors = _read_meta(posted)
    if not errors:
        try:
            doc = archive.documents.create_draft(
                actor=actor,
                case_id=case_id,
                form_key=spec.id,
                fields=values,
                officer_ids=meta["officer_ids"] or None,
                parent_id=meta["parent_id"],
                doc_date=dt.date.fromisoformat(meta["date"]) if meta["date"] else None,
            )
            return redirect(f"{PREFIX}/documents/{doc.id}", f"草稿已保存：{spec.name}")
        except ValidationFailed as exc:
            errors.update(errors_by_field(exc.errors))
    context = _editor(web, case=case, form=spec, values=values, meta=meta, errors=errors)
    return render(web, request, "document_edit.html", code=422, **context)


def _document_context(web: Web, doc_id: int, errors: dict[str, str] | None = None) -> dict[str, Any]:
    archive, actor = web.archive, web.actor
    doc = archive.documents.get(actor=actor, doc_id=doc_id)
    form = archive.kernel.rules.form(doc.form_id)
    case = archive.registry.case(actor=actor, case_id=doc.case_id)
    approval = archive.approvals.approval_state(actor=actor, doc_id=doc_id)
    pending = approval.pending_step
    can_decide = bool(
        pending and any(d.id == doc.id for d in archive.approvals.inbox(actor=actor))
        if doc.status == "submitted"
        else False
    )
    # None: not a decision under the 公示 duty (no panel); {}: one, still unpublished (the form)
    publication: PublicationView | dict[str, Any] | None = None
    if doc.form_id in archive.qc.publishable_forms and doc.status == "issued":
        publication = archive.qc.publication(actor=actor, document_id=doc.id) or {}
    meta = {
        "date": doc.doc_date.isoformat() if doc.doc_date else "",
        "officer_ids": [o.id for o in doc.officers],
        "parent_id": doc.parent_id,
    }
    context = _editor(web, case=case, form=form, values=dict(doc.fields), meta=meta, errors=errors or {}, doc=doc)
    context.update(
        {
            "title": f"{form.name}{' ' + doc.number if doc.number else ''}",
            "approval": approval,
            "can_decide": can_decide,
            "publication": publication,
            "editable": doc.status == "draft" and actor.can("draft") and case.filed_at is None,
            "verify": archive.keys.verify(archive.documents.file(actor=actor, doc_id=doc.id, kind="pdf"))
            if doc.status in ("issued", "voided", "superseded") and doc.pdf_sha256
            else None,
        }
    )
    # The seals and the record's force are two findings: a corrected (superseded) or voided
    # document's seals are still intact — the page says so, and says apart that it is no longer in force.
    verify = context["verify"]
    if verify is not None:
        context["seal_ok"] = verify.signatures_ok and verify.issued_by_anjuan
        context["seal_problems"] = [p for p in verify.problems if p not in RECORD_STATUS_PROBLEMS.values()]
    context["successor"] = (
        next((d for d in archive.documents.list(actor=actor, case_id=doc.case_id) if d.supersedes_id == doc.id), None)
        if doc.status == "superseded"
        else None
    )
    return context


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(request: Request, doc_id: PathId, web: Viewer) -> Response:
    return render(web, request, "document.html", **_document_context(web, doc_id))


@router.post("/documents/{doc_id}", response_class=HTMLResponse)
def save_document(request: Request, doc_id: PathId, web: Viewer, posted: Posted) -> Response:
    """Save the draft's fields; ``then`` = submit | issue continues with that step after saving."""
    archive, actor = web.archive, web.actor
    doc = archive.documents.get(actor=actor, doc_id=doc_id)
    form = archive.kernel.rules.form(doc.form_id)
    values = read_fields(form, posted)
    meta, errors = _read_meta(posted)
    then = str(posted.get("then", ""))
    if not errors:
        try:
            archive.documents.update_draft(
                actor=actor,
                doc_id=doc_id,
                # The page posts the whole form: a field left empty is cleared, not kept.
                fields={f.id: values.get(f.id) for f in form.fields},
                officer_ids=meta["officer_ids"] or None,
                doc_date=dt.date.fromisoformat(meta["date"]) if meta["date"] else None,
            )
            if then == "submit":
                archive.approvals.submit(actor=actor, doc_id=doc_id)
                return redirect(f"{PREFIX}/documents/{doc_id}", "已报送审批")
            if then == "issue":
                issued = archive.documents.issue(actor=actor, doc_id=doc_id)
                return redirect(f"{PREFIX}/documents/{doc_id}", f"已签发：{issued.number or form.name}")
            return redirect(f"{PREFIX}/documents/{doc_id}", "草稿已保存")
        except ValidationFailed as exc:
            errors.update(errors_by_field(exc.errors))
    context = _document_context(web, doc_id, errors)
    context["fields"] = views(form, values, errors)
    context["meta"] = meta
    return render(web, request, "document.html", code=422, **context)


@router.post("/documents/{doc_id}/issue")
def issue(doc_id: PathId, web: Viewer, _posted: Posted) -> Response:
    doc = web.archive.documents.issue(actor=web.actor, doc_id=doc_id)
    return redirect(f"{PREFIX}/documents/{doc_id}", f"已签发：{doc.number or web.form_name(doc.form_id)}")


@router.post("/documents/{doc_id}/decision")
def decide(request: Request, doc_id: PathId, web: Viewer, posted: Posted) -> Response:
    approve = str(posted.get("decision")) == "approve"
    opinion = str(posted.get("opinion", "")).strip()
    try:
        doc = web.archive.approvals.decide(actor=web.actor, doc_id=doc_id, opinion=opinion, approve=approve)
    except ValidationFailed as exc:
        context = _document_context(web, doc_id)
        context["decision_error"] = errors_by_field(exc.errors).get("opinion", exc.message_zh)
        return render(web, request, "document.html", code=422, **context)
    note = "已同意" if approve else "已退回承办人"
    if approve and doc.status == "submitted":
        pending = web.archive.approvals.approval_state(actor=web.actor, doc_id=doc_id).pending_step
        note += f"，转{web.archive.approvals.step_name(pending)}" if pending else "，审批完成，可以签发"
    return redirect(f"{PREFIX}/documents/{doc_id}", note)


@router.post("/documents/{doc_id}/discard")
def discard(doc_id: PathId, web: Viewer, posted: Posted) -> Response:
    doc = web.archive.documents.get(actor=web.actor, doc_id=doc_id)
    web.archive.documents.discard_draft(actor=web.actor, doc_id=doc_id, reason=str(posted.get("reason", "")).strip())
    return redirect(f"{PREFIX}/cases/{doc.case_id}", "草稿已删除")


@router.post("/documents/{doc_id}/publication", response_class=HTMLResponse)
def publish(request: Request, doc_id: PathId, web: Viewer, posted: Posted) -> Response:
    on = posted_date(posted.get("published_on"), "published_on", "公示日期")
    web.archive.qc.publish(
        actor=web.actor,
        document_id=doc_id,
        published_on=on,
        channel=str(posted.get("channel", "")).strip(),
        url=str(posted.get("url", "")).strip(),
    )
    return redirect(f"{PREFIX}/documents/{doc_id}", f"已登记公示（{on}）")


@router.get("/documents/{doc_id}/preview.pdf")
def preview(request: Request, doc_id: PathId, web: Viewer) -> Response:
    """The document as it would be issued now (a draft shows a blank number line; fields still empty
    are left blank). It is shown in a frame of the document's page: a refusal is a bare message
    there (preview_message.html), never the site's error page — a second copy of the site."""
    try:
        _docx, pdf = web.archive.documents.render(actor=web.actor, doc_id=doc_id, pdf=True)
    except RenderFailed as exc:
        # A template that cannot lay out what the draft holds yet: the handler fills the required
        # fields first. Logged as the fault it is (the empty values of every form are tested).
        log.error("preview of document %s failed: %s", doc_id, exc.message_en)
        missing = _missing_required(web, doc_id)
        return render(web, request, "preview_message.html", title="预览", message="填写必填项后可预览", missing=missing)
    except AnjuanError:
        # Any other refusal keeps the status api/errors.py gives it; the error page sees this flag
        # and answers with the bare message (context.error_page).
        request.state.in_frame = True
        raise
    return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})


def _missing_required(web: Web, doc_id: int) -> list[str]:
    """Labels of the required fields the draft leaves empty."""
    doc = web.archive.documents.get(actor=web.actor, doc_id=doc_id)
    form = web.archive.kernel.rules.form(doc.form_id)
    return [f.label for f in form.fields if f.required and doc.fields.get(f.id) in (None, "", [])]


@router.get("/documents/{doc_id}/document.{fmt}")
def download(doc_id: PathId, fmt: Literal["pdf", "docx"], web: Viewer, download: bool = False) -> Response:
    doc = web.archive.documents.get(actor=web.actor, doc_id=doc_id)
    data = web.archive.documents.file(actor=web.actor, doc_id=doc_id, kind=fmt)
    name = f"{doc.number or doc.id}-{web.form_name(doc.form_id)}.{fmt}"
    disposition = "attachment" if download or fmt == "docx" else "inline"
    return Response(
        data,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, web: Viewer) -> Response:
    """待审批: the submissions whose next step this user may take."""
    inbox = web.archive.approvals.inbox(actor=web.actor)
    return render(web, request, "approvals.html", title="审批", nav="approvals", inbox=inbox)
