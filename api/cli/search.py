"""anjuan search, qc, index, notices and doc publish: 全文检索, 质量检查, 公示."""

from __future__ import annotations

import html
import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from anjuan.archive.errors import ArchiveError

from anjuan import display

from ..schemas import index_status_json, notice_json, publication_json, qc_query_json, qc_run_json, search_result
from .common import JsonOpt, _acting, _archive, _fail, _out, _Run, app, doc_app, index_app
from .documents import _parse_date

# -- 全文检索 search, 质量检查 quality queries ----------------------------------------------------------


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help='terms, "phrases", AND/OR/NOT, field:value, issued:2023-01..2023-06')
    ] = "",
    form: Annotated[list[str] | None, typer.Option("--type", "-t", help="document type (form id), repeatable")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="document | attachment | casefile")] = None,
    org: Annotated[int | None, typer.Option("--org", help="an organisation and its subordinates")] = None,
    case: Annotated[int | None, typer.Option("--case")] = None,
    status: Annotated[list[str] | None, typer.Option("--status")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="issued on or after YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="issued on or before YYYY-MM-DD")] = None,
    sort: Annotated[str, typer.Option(help="relevance | date_desc | date_asc")] = "relevance",
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """全文检索 — find documents, attachments and case files by what they say."""
    from anjuan.archive.search import SearchRequest

    if sort not in ("relevance", "date_desc", "date_asc"):
        _fail(ArchiveError(f"排序方式“{sort}”无效", f"unknown sort {sort!r}", code="bad_sort"), as_json)
    with _Run(as_json), _archive() as archive:
        request = SearchRequest(
            query=query,
            forms=tuple(form or ()),
            kinds=tuple(kind or ()),
            statuses=tuple(status or ()),
            org_subtree=org,
            case_id=case,
            issued_from=_parse_date(date_from),
            issued_to=_parse_date(date_to),
            sort=sort,  # type: ignore[arg-type]
            page=page,
            size=size,
        )
        result = archive.search.search(actor=_acting(ctx, archive), request=request)
        lines = [f"共 {result.total} 条 hits ({result.took_ms:.0f} ms), 第 {result.page} 页 page"]
        for hit in result.hits:
            date = hit.date.isoformat() if hit.date else "—"
            lines.append(f"{hit.key:<10} {date}  {hit.title}  [{hit.party}]")
            snippet = re.sub(r"</?mark>", "", hit.snippet)
            if snippet:
                lines.append(f"           {html.unescape(snippet)}")
        for name, counts in result.facets.items():
            if counts:
                top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:6])
                lines.append(f"  {name}: {top}")
        _out(search_result(result), as_json, "\n".join(lines))


@app.command()
def qc(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="a saved quality query; omit to list them")] = None,
    today: Annotated[str | None, typer.Option("--today", help="evaluate as of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """质量检查 — run a saved quality query (overdue rectification, late publication, …)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        if name is None:
            queries = archive.qc.queries()
            _out(
                [qc_query_json(q) for q in queries],
                as_json,
                "\n".join(f"{q.name:<24} {q.title_zh} / {q.title_en}" for q in queries),
            )
            return
        report = archive.qc.run(actor=actor, name=name, today=_parse_date(today))
        lines = [f"{report.title_zh} / {report.title_en}: {report.count} (as of {report.today})"]
        for f in report.findings:
            lines.append(f"  - case {f.case_id} {f.number or ''} {f.detail_zh}")
        _out(qc_run_json(report), as_json, "\n".join(lines))


@index_app.command("rebuild")
def index_rebuild(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Rebuild the search index from the archive (searches keep working on the old one meanwhile)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        show = not as_json and sys.stderr.isatty()
        state = {"last": 0.0}

        def progress(done: int, total: int) -> None:
            if as_json:
                return
            now = time.monotonic()
            if done < total and now - state["last"] < 0.2:
                return
            state["last"] = now
            width = 30
            filled = int(width * done / max(total, 1))
            bar = "█" * filled + "·" * (width - filled)
            end = "\r" if show and done < total else "\n"
            typer.echo(f"索引 indexing [{bar}] {done}/{total}", nl=False, err=True)
            typer.echo(end, nl=False, err=True)

        t0 = time.monotonic()
        written = archive.search.rebuild(actor=actor, progress=progress)
        seconds = time.monotonic() - t0
        _out(
            {"records": written, "seconds": round(seconds, 2)},
            as_json,
            f"索引已重建 index rebuilt: {written} records in {seconds:.1f} s",
        )


@index_app.command("status")
def index_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """How the index compares with the archive (records missing or stale, schema version)."""
    with _Run(as_json), _archive() as archive:
        status = archive.search.status(actor=_acting(ctx, archive))
        text = (
            f"records {status.records}  schema v{status.schema_version}  current {status.current}\n"
            + (
                f"checkpoint {status.checkpoint} / last event {status.last_event}\n"
                if status.last_event is not None
                else "scope: your organisations' records\n"
            )
            + f"missing {status.missing_count}  stale {status.stale_count}"
        )
        _out(index_status_json(status), as_json, text)


@app.command()
def notices(
    ctx: typer.Context,
    date_from: Annotated[str, typer.Option("--from", help="decisions dated on or after YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="… and on or before YYYY-MM-DD")],
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the notices as CSV here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """行政处罚决定公示 — the public notices of a period's penalty decisions, personal data redacted."""
    from anjuan.archive.qc.notice import notices_csv

    with _Run(as_json), _archive() as archive:
        start, end = _parse_date(date_from), _parse_date(date_to)
        assert start is not None and end is not None
        rows = archive.qc.notices(actor=_acting(ctx, archive), start=start, end=end)
        if csv_file is not None:
            csv_file.write_text(notices_csv(rows), "utf-8")
        lines = [f"公示 notices {start} – {end}: {len(rows)}"]
        for r in rows:
            state = f"公示于 {r.published_on}" if r.published_on else f"应于 {r.publish_by} 前公示"
            lines.append(f"  {r.number}  {r.party}  {r.result}  ({state})")
        _out([notice_json(r) for r in rows], as_json, "\n".join(lines))


@doc_app.command("publish")
def doc_publish(
    ctx: typer.Context,
    doc_id: int,
    on: Annotated[str, typer.Option("--on", help="公示日期 YYYY-MM-DD")],
    channel: Annotated[str, typer.Option("--channel", help="公示渠道, e.g. 门户网站")],
    url: Annotated[str, typer.Option("--url")] = "",
    as_json: JsonOpt = False,
) -> None:
    """公示 — record that a penalty decision was made public."""
    with _Run(as_json), _archive() as archive:
        date = _parse_date(on)
        assert date is not None
        publication = archive.qc.publish(
            actor=_acting(ctx, archive), document_id=doc_id, published_on=date, channel=channel, url=url
        )
        recorded = publication_json(publication)
        _out(
            {k: recorded[k] for k in ("id", "document_id", "published_on")},  # what the command has always printed
            as_json,
            f"已登记公示 文书 {doc_id}：{display.day(publication.published_on)}（{publication.channel}）",
        )
