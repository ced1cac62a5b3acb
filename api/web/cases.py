"""案件: the list, a new case (with a new or registered 当事人), and a case's page — its documents
by stage, its deadlines (程序时限), its evidence (证据材料) and what can be done next."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anjuan.archive.errors import ArchiveError, FieldError, ValidationFailed
from anjuan.archive.limits import upload_limit
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..schemas import PathId
from .context import PREFIX, Posted, Viewer, Web, redirect, render
from .formfields import errors_by_field

__all__ = ["router"]

router = APIRouter()

PARTY_FIELDS = ("kind", "name", "credit_code", "id_number", "legal_rep", "address", "phone", "industry")


@router.get("/cases", response_class=HTMLResponse)
def cases(request: Request, web: Viewer, status: str = "") -> Response:
    rows = web.archive.registry.cases(actor=web.actor)
    if status == "filed":
        rows = [c for c in rows if c.filed_at is not None]
    elif status:
        rows = [c for c in rows if c.status == status and c.filed_at is None]
    return render(web, request, "cases.html", title="案件", nav="cases", cases=rows[::-1], filter=status)


def _new_case_context(web: Web, values: dict[str, Any], errors: dict[str, str], message: str = "") -> dict[str, Any]:
    archive, actor = web.archive, web.actor
    return {
        "title": "新建案件",
        "nav": "cases",
        "orgs": archive.registry.orgs(actor=actor),
        "officers": [o for o in archive.registry.officers(actor=actor) if o.active],
        "parties": archive.registry.parties(actor=actor),
        "values": values,
        "errors": errors,
        "message": message,
    }


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_form(request: Request, web: Viewer) -> Response:
    values: dict[str, Any] = {
        "org_id": web.actor.org_id,
        "kind": "inspection",
        "procedure": "general",
        "officer_ids": [web.actor.officer_id] if web.actor.officer_id else [],
        "party_mode": "existing",
        "party": {"kind": "organisation"},
    }
    return render(web, request, "case_new.html", **_new_case_context(web, values, {}))


@router.post("/cases/new", response_class=HTMLResponse)
def new_case(request: Request, web: Viewer, form: Posted) -> Response:
    values: dict[str, Any] = {
        "org_id": _int(form.get("org_id")),
        "kind": str(form.get("kind", "")),
        "procedure": str(form.get("procedure", "general")),
        "name": str(form.get("name", "")).strip(),
        "cause": str(form.get("cause", "")).strip(),
        "officer_ids": [i for i in (_int(v) for v in form.getlist("officer_ids")) if i is not None],
        "party_mode": str(form.get("party_mode", "existing")),
        "party_id": _int(form.get("party_id")),
        "party": {k: str(form.get(f"party.{k}", "")).strip() for k in PARTY_FIELDS},
    }
    archive, actor = web.archive, web.actor
    errors: dict[str, str] = {}
    try:
        if values["party_mode"] == "new":
            data = {k: v for k, v in values["party"].items() if v}
            data.setdefault("kind", "organisation")
            try:
                party_id = archive.registry.create_party(actor=actor, **data).id
            except ValidationFailed as exc:
                errors.update({f"party.{k}": v for k, v in errors_by_field(exc.errors).items()})
                raise
        else:
            party_id = values["party_id"]
            if party_id is None:
                errors["party_id"] = "请选择当事人"
                raise ValidationFailed([])
        case = archive.registry.create_case(
            actor=actor,
            org_id=values["org_id"] or actor.org_id,
            kind=values["kind"],
            procedure=values["procedure"],
            party_id=party_id,
            name=values["name"] or None,
            cause=values["cause"],
            officer_ids=values["officer_ids"],
        )
    except ValidationFailed as exc:
        errors.update(errors_by_field(exc.errors))
        return render(web, request, "case_new.html", code=422, **_new_case_context(web, values, errors))
    except ArchiveError as exc:
        context = _new_case_context(web, values, errors, message=exc.message_zh)
        return render(web, request, "case_new.html", code=409, **context)
    return redirect(f"{PREFIX}/cases/{case.id}", f"已新建案件：{case.name}")


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# What the irreversible steps freeze, asked before they are taken (anjuan.js: data-confirm).
CLOSE_CONFIRM = "确定结案？结案后本案不能再制作或修改文书，只能组卷、归档。"
CLOSE_EMPTY_CONFIRM = "警告：本案尚无任何已签发的文书！结案后本案不能再制作或修改文书。确定要结案吗？"
FILE_CONFIRM = "确定归档？归档后案卷冻结，不得增加、抽取、涂改案卷材料，本案不可再更改（处罚办法第六十五条）。"


def case_context(web: Web, case_id: int) -> dict[str, Any]:
    """Everything the case page shows (also the base of the case-file page)."""
    archive, actor = web.archive, web.actor
    case = archive.registry.case(actor=actor, case_id=case_id)
    docs = archive.documents.list(actor=actor, case_id=case_id)
    catalogue = archive.kernel.rules.catalogue
    by_stage: dict[str, list[Any]] = {stage: [] for stage in catalogue.stages}
    for doc in docs:
        by_stage.setdefault(archive.kernel.rules.form(doc.form_id).stage, []).append(doc)
    forms = [
        f
        for f in catalogue.forms
        if case.kind in f.case_kinds and case.procedure in f.procedures and f.stage != "archive"
    ]
    forms_by_stage: dict[str, list[Any]] = {}
    for f in sorted(forms, key=lambda f: (list(catalogue.stages).index(f.stage), f.order)):
        forms_by_stage.setdefault(f.stage, []).append(f)
    return {
        "case": case,
        "documents": docs,
        "by_stage": {k: v for k, v in by_stage.items() if v},
        "stage_names": catalogue.stages,
        "forms_by_stage": forms_by_stage,
        "deadlines": archive.procedure.deadlines(actor=actor, case_id=case_id),
        "attachments": archive.casefiles.attachments(actor=actor, case_id=case_id),
        "attachment_kinds": archive.casefiles.order.attachment_kinds,
        "today": archive.kernel.clock.today(),
        # An empty case may be closed (nothing in the closing rules forbids it) but is warned about.
        "nothing_issued": not any(d.status == "issued" for d in docs),
        "close_confirm": CLOSE_CONFIRM if any(d.status == "issued" for d in docs) else CLOSE_EMPTY_CONFIRM,
        "file_confirm": FILE_CONFIRM,
        "fine": _case_fine(docs),
    }


def _case_fine(docs: list[Any]) -> tuple[str, Any] | None:
    """罚款 as the case stands: the amount of the latest issued decision, else the latest proposal
    (拟罚款, from the 告知书 or 审批表) — the figure people look for first on a penalty case."""
    issued = [d for d in docs if d.status == "issued"]
    for key, label in (("fine", "罚款"), ("proposed_fine", "拟罚款")):
        found = [d.fields[key] for d in issued if d.fields.get(key) not in (None, "")]
        if found:
            return label, found[-1]
    return None


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: PathId, web: Viewer) -> Response:
    context = case_context(web, case_id)
    return render(web, request, "case.html", title=context["case"].name, nav="cases", **context)


@router.post("/cases/{case_id}/close")
def close_case(case_id: PathId, web: Viewer, _posted: Posted) -> Response:
    case = web.archive.casefiles.close(actor=web.actor, case_id=case_id)
    return redirect(f"{PREFIX}/cases/{case_id}", f"已结案（结案日期 {case.closed_on}）")


@router.post("/cases/{case_id}/major")
def set_major(case_id: PathId, web: Viewer, form: Posted) -> Response:
    major = str(form.get("major", "")) in ("1", "on", "true")
    case = web.archive.registry.set_major(
        actor=web.actor, case_id=case_id, major=major, reason=str(form.get("major_reason", ""))
    )
    note = "已认定为重大案件（作出决定前须经集体讨论和法制审核）" if case.major else "已撤销重大案件认定"
    return redirect(f"{PREFIX}/cases/{case_id}", note)


@router.post("/cases/{case_id}/attachments")
def add_attachment(case_id: PathId, web: Viewer, form: Posted) -> Response:
    upload = form.get("file")
    if not hasattr(upload, "read"):
        raise ValidationFailed([FieldError("file", "文件", "file", "请选择要上传的文件", "choose a file to upload")])
    # a sync handler: read the spooled file, at most one byte past the limit (the service refuses it)
    data = upload.file.read(upload_limit(web.archive.kernel.settings, "attachment") + 1)  # type: ignore[union-attr]
    try:
        date = dt.date.fromisoformat(str(form.get("date", ""))) if form.get("date") else None
    except ValueError:
        date = None
    attachment = web.archive.casefiles.add_attachment(
        actor=web.actor,
        case_id=case_id,
        data=data,
        filename=getattr(upload, "filename", "") or "",
        kind=str(form.get("kind", "")),
        title=str(form.get("title", "")).strip(),
        date=date,
    )
    return redirect(f"{PREFIX}/cases/{case_id}#attachments", f"已添加证据材料：{attachment.title}")
