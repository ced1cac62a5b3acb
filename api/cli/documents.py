"""anjuan doc: 执法文书 — types, drafts, approval, issuing, voiding, files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError
from anjuan.archive.service import Archive

from anjuan import display

from ..labels import status_zh
from ..schemas import document_read, plain
from .common import JsonOpt, _acting, _archive, _change_line, _load_json, _out, _Run, doc_app

# -- documents ----------------------------------------------------------------------------------


@doc_app.command("types")
def doc_types(as_json: JsonOpt = False) -> None:
    """列出文书种类 — list the document catalogue."""
    with _Run(as_json):
        from anjuan.archive.catalogue import load_catalogue

        forms = load_catalogue(Settings().catalogue_path).forms
        rows = [
            {
                "id": f.id,
                "name": f.name,
                "code": f.code,
                "numbered": f.numbered,
                "number_source": f.number.source if f.number else None,
                "seal": f.seal.value,
                "approval": [a.value for a in f.approval],
                "stage": f.stage,
                "template": f.template,
                "order": f.order,
                "edition": f.edition,
            }
            for f in forms
        ]
        text = "\n".join(
            f"{r['order']:>3}  {r['id']:<40} {r['name']:<24} {(r['code'] or '—'):<8} {r['number_source'] or '无文号'}"
            for r in rows
        )
        _out(rows, as_json, text)


def _doc_json(archive: Archive, doc: Any) -> dict[str, Any]:
    return document_read(doc, archive.kernel.rules.form(doc.form_id).name).model_dump(mode="json")


def _beijing(moment: dt.datetime | None) -> str:
    """An instant as users read it: Beijing time (the one display layer)."""
    return "—" if moment is None else display.instant(moment)


def _step_name(archive: Archive, step: str) -> str:
    steps = archive.kernel.rules.approvals.steps
    return steps[step].name if step in steps else display.status("step", step)


def _doc_text(archive: Archive, doc: Any) -> str:
    """``anjuan doc show`` for people: Chinese labels, Beijing times, names, and each field's value by
    its catalogue type (是/否, ¥ amounts with 大写, dates); ``--json`` keeps the machine values."""
    form = archive.kernel.rules.form(doc.form_id)
    names = archive.accounts.display_names([doc.created_by, doc.issued_by or ""])
    lines = [
        f"文书 {doc.id}：{form.name}" + (f"（第{doc.edition}版）" if doc.edition > 1 else ""),
        f"案件：{doc.case_id}",
        f"状态：{display.status('document', doc.status)}",
        f"文号：{doc.number or '（签发时编号）'}",
        f"文书日期：{display.day(doc.doc_date) or '—'}",
        f"执法人员：{'、'.join(o.name for o in doc.officers) or '—'}",
        f"制作人：{display.person(doc.created_by, names)} · {display.instant(doc.created_at)}",
    ]
    if doc.issued_at:
        lines.append(f"签发：{display.person(doc.issued_by, names)} · {display.instant(doc.issued_at)}")
    if doc.voided_at:
        lines.append(f"作废：{display.instant(doc.voided_at)}（{doc.void_reason}）")
    for spec in form.fields:
        raw = doc.fields.get(spec.id)
        if raw is None or raw == "" or raw == []:
            continue
        if spec.type == "table":
            text = f"{len(raw)} 行" if isinstance(raw, list) else str(raw)
        else:
            text = display.value(str(spec.type), raw)
        lines.append(f"{spec.label}：{text}")
    return "\n".join(lines)


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ArchiveError(f"日期格式错误：{value}", f"bad date {value}; use YYYY-MM-DD", code="bad_date") from exc


FieldsOpt = Annotated[Path | None, typer.Option("--fields", help="JSON file of field values (- for stdin)")]
OfficersOpt = Annotated[list[int] | None, typer.Option("--officer", help="officer id (repeat)")]
ParentOpt = Annotated[int | None, typer.Option("--parent", help="the document this one follows up")]
DateOpt = Annotated[str | None, typer.Option("--date", help="document date YYYY-MM-DD")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="幂等键 (e.g. a UUID): running the command again with the same key returns the first result "
        "(completing it if it stopped half-way), never a second document or number",
    ),
]


def _document_request(
    actor: Principal,
    case: int,
    doctype: str,
    fields: Path | None,
    officer: list[int] | None,
    parent: int | None,
    date: str | None,
) -> dict[str, Any]:
    return {
        "actor": actor,
        "case_id": case,
        "form_key": doctype,
        "fields": _load_json(fields),
        "officer_ids": officer,
        "parent_id": parent,
        "doc_date": _parse_date(date),
    }


@doc_app.command("draft")
def doc_draft(
    ctx: typer.Context,
    case: int,
    doctype: str,
    fields: FieldsOpt = None,
    officer: OfficersOpt = None,
    parent: ParentOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """保存草稿 — save a draft document."""
    with _Run(as_json), _archive() as archive:
        doc = archive.documents.create_draft(
            **_document_request(_acting(ctx, archive), case, doctype, fields, officer, parent, date)
        )
        _out(_doc_json(archive, doc), as_json, f"草稿 draft {doc.id}: {archive.kernel.rules.form(doc.form_id).name}")


@doc_app.command("issue")
def doc_issue(
    ctx: typer.Context,
    case: int,
    doctype: str,
    fields: FieldsOpt = None,
    officer: OfficersOpt = None,
    parent: ParentOpt = None,
    date: DateOpt = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="also write the PDF here")] = None,
    idempotency_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """制作并签发文书 — create and issue a document (numbered, rendered, sealed, stored)."""
    with _Run(as_json), _archive() as archive:
        request = _document_request(_acting(ctx, archive), case, doctype, fields, officer, parent, date)
        doc = archive.documents.issue_new(idempotency_key=idempotency_key, **request)
        if pdf:
            pdf.write_bytes(archive.documents.file(actor=_acting(ctx, archive), doc_id=doc.id, kind="pdf"))
        name = archive.kernel.rules.form(doc.form_id).name
        _out(_doc_json(archive, doc), as_json, f"已签发 issued {doc.id}: {name} {doc.number or '(无文号)'}")


@doc_app.command("issue-draft")
def doc_issue_draft(ctx: typer.Context, doc_id: int, idempotency_key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """签发已保存的草稿 — issue a saved draft, or complete one that holds a number (same number)."""
    with _Run(as_json), _archive() as archive:
        doc = archive.documents.issue(actor=_acting(ctx, archive), doc_id=doc_id, idempotency_key=idempotency_key)
        _out(_doc_json(archive, doc), as_json, f"已签发 issued {doc.id}: {doc.number or '(无文号)'}")


@doc_app.command("numbered-drafts")
def doc_numbered_drafts(
    ctx: typer.Context,
    older_than: Annotated[
        float | None, typer.Option("--older-than-minutes", min=0, help="default: the configured grace period")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """文号已占用未签发 — drafts holding a number that were never issued: complete or void each."""
    with _Run(as_json), _archive() as archive:
        docs = archive.documents.numbered_drafts(actor=_acting(ctx, archive), older_than_minutes=older_than)
        lines = [f"文号已占用未签发 numbered drafts: {len(docs)}"]
        for d in docs:
            since = _beijing(d.numbered_at)
            lines.append(
                f"{d.id:>5} {d.number} {archive.kernel.rules.form(d.form_id).name}（{since} 起占用） "
                f"完成 complete: anjuan doc issue-draft {d.id} · 作废 void: anjuan doc void {d.id} --reason …"
            )
        _out([_doc_json(archive, d) for d in docs], as_json, "\n".join(lines))


@doc_app.command("submit")
def doc_submit(ctx: typer.Context, doc_id: int, as_json: JsonOpt = False) -> None:
    """报送审批 — send a complete draft to its approval steps (as the logged-in officer)."""
    with _Run(as_json), _archive() as archive:
        doc = archive.approvals.submit(actor=_acting(ctx, archive), doc_id=doc_id)
        _out(_doc_json(archive, doc), as_json, f"已报送 submitted {doc.id}")


def _decide(ctx: typer.Context, doc_id: int, opinion: str, approve: bool, as_json: bool) -> None:
    with _Run(as_json), _archive() as archive:
        doc = archive.approvals.decide(actor=_acting(ctx, archive), doc_id=doc_id, opinion=opinion, approve=approve)
        state = archive.approvals.approval_state(actor=_acting(ctx, archive), doc_id=doc_id)
        _out(
            {**_doc_json(archive, doc), "approval": plain(state)},
            as_json,
            f"{'通过' if approve else '退回'} 文书 {doc.id}：{display.status('document', doc.status)}"
            + (f"，待{_step_name(archive, state.pending_step)}" if state.pending_step else ""),
        )


@doc_app.command("approve")
def doc_approve(
    ctx: typer.Context,
    doc_id: int,
    opinion: Annotated[str, typer.Option(help="审核/审批意见")],
    as_json: JsonOpt = False,
) -> None:
    """审核/审批通过 — approve the pending step (as the logged-in officer)."""
    _decide(ctx, doc_id, opinion, True, as_json)


@doc_app.command("reject")
def doc_reject(
    ctx: typer.Context,
    doc_id: int,
    opinion: Annotated[str, typer.Option(help="退回理由")],
    as_json: JsonOpt = False,
) -> None:
    """退回 — send the document back to its handler with the reason."""
    _decide(ctx, doc_id, opinion, False, as_json)


@doc_app.command("void")
def doc_void(
    ctx: typer.Context,
    doc_id: int,
    reason: Annotated[str, typer.Option("--reason", help="作废原因")],
    as_json: JsonOpt = False,
) -> None:
    """申请作废文书（保留文号）— ask to void a document; it is voided once approved and applied."""
    with _Run(as_json), _archive() as archive:
        request = archive.changes.request_change(actor=_acting(ctx, archive), doc_id=doc_id, kind="void", reason=reason)
        _out(request, as_json, _change_line(request))


@doc_app.command("show")
def doc_show(ctx: typer.Context, doc_id: int, as_json: JsonOpt = False) -> None:
    """查看文书 — show one document."""
    with _Run(as_json), _archive() as archive:
        doc = archive.documents.get(actor=_acting(ctx, archive), doc_id=doc_id)
        _out(_doc_json(archive, doc), as_json, _doc_text(archive, doc))


@doc_app.command("list")
def doc_list(
    ctx: typer.Context, case: Annotated[int | None, typer.Option("--case")] = None, as_json: JsonOpt = False
) -> None:
    """列出文书 — list documents."""
    with _Run(as_json), _archive() as archive:
        docs = archive.documents.list(actor=_acting(ctx, archive), case_id=case)
        _out(
            [_doc_json(archive, d) for d in docs],
            as_json,
            "\n".join(
                f"{d.id:>5} 案件 {d.case_id:<4} {status_zh(d.status):<5} "
                f"{archive.kernel.rules.form(d.form_id).name:<20} {d.number or ''}"
                for d in docs
            ),
        )


@doc_app.command("get")
def doc_get(
    ctx: typer.Context,
    doc_id: int,
    out: Annotated[Path, typer.Option("--out")],
    fmt: Annotated[str, typer.Option("--format", help="pdf or docx")] = "pdf",
) -> None:
    """下载存档文件 — write an issued document's stored PDF or DOCX."""
    with _Run(False), _archive() as archive:
        out.write_bytes(
            archive.documents.file(actor=_acting(ctx, archive), doc_id=doc_id, kind="pdf" if fmt == "pdf" else "docx")
        )
        typer.echo(str(out))
