"""执法统计: ``GET /api/stats/tables``, ``GET /api/stats/{table_id}`` (JSON, CSV or XLSX) and
``GET /api/stats/facts/{source}`` — over what the user may see (``archive.stats``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from anjuan.archive.stats import to_csv, to_xlsx
from fastapi import APIRouter, Query, Response

from ..deps import Actor, ArchiveDep
from ..schemas import Day, stats_fact_json, stats_table_json, table_info_json

__all__ = ["XLSX_MEDIA_TYPE", "router"]

router = APIRouter(tags=["stats"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[Day, Query(alias="from", description="period start YYYY-MM-DD (下发日期 on or after)")]
To = Annotated[Day, Query(alias="to", description="period end YYYY-MM-DD (inclusive)")]
Org = Annotated[
    str | None, Query(description="organisation id or full name; default your own (the top one for the platform admin)")
]


def _attachment(filename: str, title: str) -> str:
    """An ASCII filename for every client and the table's Chinese title for those that read RFC 6266."""
    return f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(title)}"


@router.get("/stats/tables")
def stats_tables(archive: ArchiveDep, actor: Actor) -> list[dict[str, Any]]:
    """The statistics tables (报表) that can be built: id, name, title, groups and columns."""
    return [table_info_json(t) for t in archive.stats.tables()]


@router.get("/stats/facts/{source}")
def stats_facts(
    source: str, archive: ArchiveDep, actor: Actor, start: From, end: To, org: Org = None
) -> list[dict[str, Any]]:
    """The fact records behind the tables: ``inspections`` (执法检查 and 整改复查), ``documents``
    (every issued document) or ``penalties`` (行政处罚决定书) of the period, as far as you may open them."""
    return [stats_fact_json(r) for r in archive.stats.facts(actor=actor, source=source, org=org, start=start, end=end)]


@router.get("/stats/{table_id}", response_model=None)
def stats_table(
    table_id: str,
    archive: ArchiveDep,
    actor: Actor,
    start: From,
    end: To,
    org: Org = None,
    rank: Annotated[str | None, Query(description="rank the units by this column id")] = None,
    order: Literal["desc", "asc"] = "desc",
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    """One table for an organisation and a period: a row per subordinate unit (and 本级), and 合计.
    With ``rank`` the rows are ordered by that column and JSON adds ``ranking`` (ties share a rank).
    ``format=csv|xlsx`` downloads it laid out like the printed 报表 (合计 first)."""
    table = archive.stats.table(actor=actor, table_id=table_id, org=org, start=start, end=end)
    if rank is not None:
        table = archive.stats.ranked(table, rank, descending=order == "desc")
    stem = f"{table.table}-{start.isoformat()}-{end.isoformat()}"
    if format == "xlsx":
        return Response(
            to_xlsx(table),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": _attachment(f"{stem}.xlsx", f"{table.title}.xlsx")},
        )
    if format == "csv":
        return Response(
            to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": _attachment(f"{stem}.csv", f"{table.title}.csv")},
        )
    return stats_table_json(table)
