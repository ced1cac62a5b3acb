"""anjuan stats: 执法统计 tables, facts and their text rendering."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from anjuan.archive.errors import ArchiveError
from anjuan.archive.stats import StatsTable

from ..schemas import stats_fact_json, stats_table_json, table_info_json
from .common import JsonOpt, _acting, _archive, _out, _Run, app
from .documents import _parse_date

# -- 执法统计 statistics ----------------------------------------------------------------------------

stats_app = typer.Typer(invoke_without_command=True)  # its help: the docstring of ``stats`` below
app.add_typer(stats_app, name="stats")


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int, align: str = "<") -> str:
    gap = max(width - _display_width(text), 0)
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _value_text(value: Any) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def _grid(heads: list[list[str]], body: list[list[str]], spans: list[tuple[int, int, str]] | None = None) -> list[str]:
    """Aligned lines: a line of ``spans`` (first column, last column, text) centred over their
    columns, the ``heads`` lines, a rule, then ``body``; numbers right-aligned, text left-aligned."""
    sep, spans = "  ", spans or []
    count = len(heads[0]) if heads else len(body[0])
    widths = [max((_display_width(r[i]) for r in [*heads, *body]), default=0) for i in range(count)]
    for first, last, text in spans:  # a span wider than its columns widens the last of them
        room = sum(widths[first : last + 1]) + len(sep) * (last - first)
        widths[last] += max(_display_width(text) - room, 0)
    lines = []
    if spans:
        cells, i = [], 0
        starts = {first: (last, text) for first, last, text in spans}
        while i < count:
            if i in starts:
                last, text = starts[i]
                cells.append(_fit(text, sum(widths[i : last + 1]) + len(sep) * (last - i), "^"))
                i = last + 1
            else:
                cells.append(" " * widths[i])
                i += 1
        lines.append(sep.join(cells).rstrip())
    for row in heads:
        lines.append(sep.join(_fit(c, widths[i], "<" if i == 0 else "^") for i, c in enumerate(row)).rstrip())
    lines.append(sep.join("-" * w for w in widths))
    number = re.compile(r"-?\d+(\.\d+)?")
    for row in body:
        cells = [_fit(c, widths[i], ">" if number.fullmatch(c) else "<") for i, c in enumerate(row)]
        lines.append(sep.join(cells).rstrip())
    return lines


def _stats_lines(table: StatsTable, width: int) -> list[str]:
    """The table for a terminal: units as rows, group headers over their columns, 合计 first (as the
    报表 prints it); when that is wider than ``width``, turned over — one line per column, a column
    per unit."""
    columns = table.columns
    units = [(table.total.label, table.total.cells)] + [(r.label, r.cells) for r in table.rows]
    body = [[label, *(_value_text(cells[c.id]) for c in columns)] for label, cells in units]
    spans, i = [], 0
    while i < len(columns):
        j = i
        while j + 1 < len(columns) and columns[i].group and columns[j + 1].group == columns[i].group:
            j += 1
        if columns[i].group:
            spans.append((1 + i, 1 + j, columns[i].group_header or ""))
        i = j + 1
    wide = _grid([["单位", *(c.header for c in columns)]], body, spans)
    if max(_display_width(line) for line in wide) <= width:
        return wide
    turned = [[c.label, *(_value_text(cells[c.id]) for _, cells in units)] for c in columns]
    return _grid([["指标", *(label for label, _ in units)]], turned)


def _stats_period(date_from: str | None, date_to: str | None) -> tuple[dt.date, dt.date]:
    start, end = _parse_date(date_from), _parse_date(date_to)
    if start is None or end is None:
        raise ArchiveError(
            "请给出统计期间：--from 与 --to（YYYY-MM-DD）",
            "give the period: --from and --to (YYYY-MM-DD)",
            code="stats_period_required",
        )
    return start, end


StatsFrom = Annotated[str | None, typer.Option("--from", help="period start YYYY-MM-DD (下发日期 on or after)")]
StatsTo = Annotated[str | None, typer.Option("--to", help="period end YYYY-MM-DD (inclusive)")]
StatsOrg = Annotated[
    str | None, typer.Option("--org", help="organisation id or full name (default: your own)", show_default=False)
]


@stats_app.callback(invoke_without_command=True)
def stats(
    ctx: typer.Context,
    date_from: StatsFrom = None,
    date_to: StatsTo = None,
    org: StatsOrg = None,
    table_id: Annotated[str, typer.Option("--table", help="table id (anjuan stats tables)")] = "xuchang",
    rank: Annotated[str | None, typer.Option("--rank", help="rank the units by this column id")] = None,
    ascending: Annotated[bool, typer.Option("--ascending", help="rank smallest first")] = False,
    xlsx_file: Annotated[Path | None, typer.Option("--xlsx", help="also write the table as XLSX here")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="also write the table as CSV here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """执法统计 — a report table (报表) for an organisation and a period, rankings, the facts behind it.

    anjuan stats --from 2025-01-01 --to 2025-04-30 [--org 临汾市应急管理局] [--table a2] [--rank fines]
    prints the table: a row per subordinate unit (and 本级) and 合计 first — units as rows when that
    fits the terminal, else turned over (a line per column). ``anjuan stats tables`` lists the tables
    and their column ids; ``anjuan stats facts inspections|documents|penalties --from … --to …`` the
    records they count."""
    if ctx.invoked_subcommand is not None:
        return
    import shutil

    from anjuan.archive.stats import to_csv, to_xlsx

    with _Run(as_json):
        start, end = _stats_period(date_from, date_to)
        with _archive() as archive:
            table = archive.stats.table(actor=_acting(ctx, archive), table_id=table_id, org=org, start=start, end=end)
            if rank is not None:
                table = archive.stats.ranked(table, rank, descending=not ascending)
        written = []
        if xlsx_file is not None:
            xlsx_file.write_bytes(to_xlsx(table))
            written.append(str(xlsx_file))
        if csv_file is not None:
            csv_file.write_text(to_csv(table), "utf-8")
            written.append(str(csv_file))
        lines = [table.title, f"{table.org}  {table.period.label}", ""]
        lines += _stats_lines(table, shutil.get_terminal_size((120, 24)).columns)
        if rank is not None:
            column = next(c for c in table.columns if c.id == rank)
            order = "升序 ascending" if ascending else "降序 descending"
            lines += ["", f"排名 ranking: {column.label}（{order}）"]
            lines += _grid(
                [["名次", "单位", "数值"]],
                [[str(r.rank), r.label, _value_text(r.value)] for r in table.ranking or ()],
            )
        lines += [f"→ {path}" for path in written]
        _out(stats_table_json(table), as_json, "\n".join(lines))


@stats_app.command("tables")
def stats_tables(as_json: JsonOpt = False) -> None:
    """统计报表种类 — the tables that can be built (tables.yaml) and their columns."""
    with _Run(as_json), _archive() as archive:
        specs = archive.stats.tables()
        lines = []
        for spec in specs:
            lines.append(f"{spec.id:<10} {spec.name}（{len(spec.columns)}栏 columns）")
            lines += [f"    {c.id:<24} {c.label}" for c in spec.columns]
        _out([table_info_json(spec) for spec in specs], as_json, "\n".join(lines))


@stats_app.command("facts")
def stats_facts(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="inspections | documents | penalties")],
    date_from: StatsFrom = None,
    date_to: StatsTo = None,
    org: StatsOrg = None,
    as_json: JsonOpt = False,
) -> None:
    """统计事实 — the records the tables count: 执法检查 (inspections), issued documents, 处罚决定."""
    with _Run(as_json):
        start, end = _stats_period(date_from, date_to)
        with _archive() as archive:
            records = archive.stats.facts(actor=_acting(ctx, archive), source=source, org=org, start=start, end=end)
        # The text lists what the JSON holds, one column per key (kinds joined, fines as numbers).
        rows = [stats_fact_json(r) for r in records]
        lines = [f"{source} {start} – {end}: {len(rows)}"]
        if rows:
            keys = list(rows[0])
            lines += _grid([keys], [[_value_text(r[k]) for k in keys] for r in rows])
        _out(rows, as_json, "\n".join(lines))
