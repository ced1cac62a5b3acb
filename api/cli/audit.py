"""anjuan audit log: the 操作日志 listed with filters, the chain's status on top (``archive.oplog``).
(``anjuan audit verify``, the full re-check of the chain, is in :mod:`.keys`.)"""

from __future__ import annotations

from typing import Annotated

import typer
from anjuan.archive.oplog import EventFilter

from ..routes.audit import chain_json, event_json
from .common import JsonOpt, _acting, _archive, _out, _Run, audit_app
from .documents import _parse_date


@audit_app.command("log")
def audit_log(
    ctx: typer.Context,
    who: Annotated[str | None, typer.Option("--actor", help="login name or the person's name")] = None,
    action: Annotated[str | None, typer.Option("--action", help="action code, e.g. closed, issued")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="case | document | user | …")] = None,
    case_id: Annotated[int | None, typer.Option("--case", help="case id")] = None,
    since: Annotated[str | None, typer.Option("--since", help="from this Beijing date YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option("--until", help="to this Beijing date YYYY-MM-DD (inclusive)")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="entries per page")] = None,
    after: Annotated[int | None, typer.Option("--after", help="entries older than this event id")] = None,
    as_json: JsonOpt = False,
) -> None:
    """查看操作日志 — list the event log, newest first, with the hash chain's status on top."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        page = archive.oplog.events(
            actor=actor,
            filters=EventFilter(
                actor=who,
                action=action,
                entity=entity,
                case_id=case_id,
                since=_parse_date(since),
                until=_parse_date(until),
                limit=limit,
                after=after,
            ),
        )
        chain = archive.oplog.chain_status(actor=actor)
        lines = [chain.text_zh, "时间（北京）\t操作人\t操作\t对象"]
        for r in page.rows:
            what = f"{r.entity_zh}{r.entity_id}" + (f" {r.object_zh}" if r.object_zh else "")
            lines.append(f"{r.at_beijing}\t{r.person}\t{r.action_zh}\t{what}")
        if not page.rows:
            lines.append("没有符合条件的操作记录。")
        if page.next_after is not None:
            lines.append(f"更早的记录：anjuan audit log --after {page.next_after}")
        data = {"chain": chain_json(chain), "events": [event_json(r) for r in page.rows], "next_after": page.next_after}
        _out(data, as_json, "\n".join(lines))
