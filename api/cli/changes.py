"""anjuan change: requests to correct, void or delete an issued document (第七条)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, _acting, _archive, _change_line, _load_json, _out, _Run, change_app
from .documents import _doc_json


@change_app.command("request")
def change_request(
    ctx: typer.Context,
    doc_id: int,
    kind: Annotated[str, typer.Option("--kind", help="correct (更改), void (作废) or delete (删除)")],
    reason: Annotated[str, typer.Option("--reason", help="申请理由")],
    fields: Annotated[Path | None, typer.Option("--fields", help="JSON of corrected field values")] = None,
    as_json: JsonOpt = False,
) -> None:
    """申请更改/作废/删除执法记录 — nothing changes until it is approved and applied."""
    with _Run(as_json), _archive() as archive:
        request = archive.changes.request_change(
            actor=_acting(ctx, archive), doc_id=doc_id, kind=kind, reason=reason, changes=_load_json(fields) or None
        )
        _out(request, as_json, _change_line(request))


@change_app.command("approve")
def change_approve(
    ctx: typer.Context,
    request_id: int,
    opinion: Annotated[str, typer.Option(help="审核/审批意见")],
    as_json: JsonOpt = False,
) -> None:
    """审核/审批通过 — approve the pending step of a change request."""
    with _Run(as_json), _archive() as archive:
        r = archive.changes.decide_change(
            actor=_acting(ctx, archive), request_id=request_id, approve=True, opinion=opinion
        )
        _out(r, as_json, _change_line(r))


@change_app.command("reject")
def change_reject(
    ctx: typer.Context,
    request_id: int,
    opinion: Annotated[str, typer.Option(help="不同意的理由")],
    as_json: JsonOpt = False,
) -> None:
    """不同意 — reject a change request (nothing changes)."""
    with _Run(as_json), _archive() as archive:
        r = archive.changes.decide_change(
            actor=_acting(ctx, archive), request_id=request_id, approve=False, opinion=opinion
        )
        _out(r, as_json, _change_line(r))


@change_app.command("apply")
def change_apply(ctx: typer.Context, request_id: int, as_json: JsonOpt = False) -> None:
    """执行 — an administrator carries out an approved request."""
    with _Run(as_json), _archive() as archive:
        doc = archive.changes.apply_change(actor=_acting(ctx, archive), request_id=request_id)
        _out(_doc_json(archive, doc), as_json, f"已执行 applied: document {doc.id} {doc.status} {doc.number or ''}")


@change_app.command("list")
def change_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending/approved/rejected/applied")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出申请 — change requests in your scope."""
    with _Run(as_json), _archive() as archive:
        rows = archive.changes.change_requests(actor=_acting(ctx, archive), status=status)
        _out(rows, as_json, "\n".join(_change_line(r) for r in rows) or "无 none")
