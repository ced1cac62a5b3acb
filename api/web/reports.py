"""执法统计 and 处罚公示 pages: a statistics table for any period and organisation with its bar chart
and a ranking by any column (XLSX/CSV as downloads), and the public notices of penalty decisions
(redacted) with their publication state, exported as CSV or JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from anjuan.archive.errors import FieldError, ValidationFailed
from anjuan.archive.qc.notice import NOTICE_COLUMNS, notices_csv
from anjuan.archive.stats import ColumnHeader, RankEntry, StatsTable
from anjuan.archive.stats.xlsx import to_csv, to_xlsx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..schemas import notice_json, stats_table_json
from .context import PREFIX, Viewer, Web, posted_date, render

__all__ = ["router"]

router = APIRouter()


def _period(start: str, end: str, now: dt.date) -> tuple[dt.date, dt.date]:
    """Default: this month so far (the monthly report bureaus file)."""
    first = posted_date(start, "from", "起始日期", default=now.replace(day=1))
    last = posted_date(end, "to", "截止日期", default=now)
    return first, last


def _table(web: Web, table: str, org: str, start: dt.date, end: dt.date) -> StatsTable:
    return web.archive.stats.table(actor=web.actor, table_id=table or "xuchang", org=org or None, start=start, end=end)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def bar_chart(ranking: Sequence[RankEntry], column: ColumnHeader) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (one bar per unit), drawn as inline SVG by the page."""
    width, label_w, bar_h, gap = 640, 120, 22, 8
    top = max((_number(r.value) for r in ranking), default=0.0)
    bars = []
    for i, row in enumerate(ranking):
        value = _number(row.value)
        length = 0 if top <= 0 else round((width - label_w - 90) * value / top, 1)
        bars.append(
            {
                "label": row.label,
                "value": row.value,
                "y": i * (bar_h + gap),
                "w": length,
                "rank": row.rank,
            }
        )
    return {
        "width": width,
        "height": max(1, len(bars)) * (bar_h + gap),
        "label_w": label_w,
        "bar_h": bar_h,
        "bars": bars,
        "title": column.label,
    }


@router.get("/stats", response_class=HTMLResponse)
def stats(
    request: Request,
    web: Viewer,
    start: str = "",
    end: str = "",
    org: str = "",
    table: str = "xuchang",
    rank: str = "",
    order: str = "desc",
) -> Response:
    first, last = _period(start, end, web.archive.kernel.clock.today())
    built = _table(web, table, org, first, last)
    columns = built.columns
    rank = rank if rank in {c.id for c in columns} else columns[0].id
    ranking = web.archive.stats.rank(built, rank, descending=order != "asc")
    column = next(c for c in columns if c.id == rank)
    params = {"start": first.isoformat(), "end": last.isoformat(), "org": org, "table": built.table}
    query = urlencode({k: v for k, v in params.items() if v})

    def link(**change: Any) -> str:
        return f"{PREFIX}/stats?" + urlencode({k: v for k, v in {**params, **change}.items() if v})

    # Header rows: a grouped column sits under its group's cell; an ungrouped one spans both rows.
    header_top: list[dict[str, Any]] = []
    for c in columns:
        if c.group is None:
            header_top.append({"text": c.header, "rowspan": 2, "colspan": 1, "id": c.id})
        elif header_top and header_top[-1].get("group") == c.group:
            header_top[-1]["colspan"] += 1
        else:
            header_top.append({"text": c.group_header, "rowspan": 1, "colspan": 1, "group": c.group})
    return render(
        web,
        request,
        "stats.html",
        title="执法统计",
        nav="stats",
        t=built,
        tables=web.archive.stats.tables(),
        orgs=web.archive.registry.orgs(actor=web.actor),
        params=params,
        rank=rank,
        order=order,
        ranking=ranking,
        chart=bar_chart(ranking, column),
        header_top=header_top,
        link=link,
        query=query,
    )


@router.get("/stats.{fmt}")
def stats_file(
    web: Viewer, fmt: str, start: str = "", end: str = "", org: str = "", table: str = "xuchang"
) -> Response:
    first, last = _period(start, end, web.archive.kernel.clock.today())
    built = _table(web, table, org, first, last)
    name = f"{built.table}-{first:%Y%m%d}-{last:%Y%m%d}"
    if fmt == "xlsx":
        data: bytes = to_xlsx(built)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        data = ("\ufeff" + to_csv(built)).encode("utf-8")  # BOM: Excel opens UTF-8 CSV as such
        media = "text/csv; charset=utf-8"
    elif fmt == "json":
        data = json.dumps(stats_table_json(built), ensure_ascii=False, indent=2).encode()
        media = "application/json"
    else:
        raise ValidationFailed([FieldError("format", "格式", "format", "应为 xlsx、csv 或 json", "xlsx, csv or json")])
    title = quote(f"{built.title}.{fmt}")
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename=\"{name}.{fmt}\"; filename*=UTF-8''{title}"},
    )


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, web: Viewer, start: str = "", end: str = "") -> Response:
    now = web.archive.kernel.clock.today()
    first, last = _period(start, end, now) if (start or end) else (now - dt.timedelta(days=90), now)
    rows = web.archive.qc.notices(actor=web.actor, start=first, end=last)
    params = urlencode({"start": first.isoformat(), "end": last.isoformat()})
    return render(
        web,
        request,
        "notices.html",
        title="行政处罚决定公示",
        nav="notices",
        rows=rows,
        columns=NOTICE_COLUMNS,
        start=first,
        end=last,
        params=params,
        today=now,
    )


@router.get("/notices.{fmt}")
def notices_file(web: Viewer, fmt: str, start: str = "", end: str = "") -> Response:
    first, last = _period(start, end, web.archive.kernel.clock.today())
    rows = web.archive.qc.notices(actor=web.actor, start=first, end=last)
    name = f"notices-{first:%Y%m%d}-{last:%Y%m%d}.{fmt}"
    if fmt == "csv":
        body = notices_csv(rows).encode("utf-8")  # with its BOM, for spreadsheet programs
        media = "text/csv; charset=utf-8"
    elif fmt == "json":
        body = json.dumps([notice_json(r) for r in rows], ensure_ascii=False, indent=2).encode()
        media = "application/json"
    else:
        raise ValidationFailed([FieldError("format", "格式", "format", "应为 csv 或 json", "csv or json")])
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
