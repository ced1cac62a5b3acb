"""What 执法统计 hands out (``archive.stats``): the table specs as lists show them, a built table (with
its ranking, when asked), and the fact records behind it — frozen read models.

A table's cells stay a mapping keyed by column id: the columns are data (``tables.yaml``), so a row
cannot have one attribute per column. Counts are ``int``; amounts (万元) and shares (%) ``Decimal``.
``api/schemas.py`` turns them into JSON (numbers as numbers, dates ISO, see ``report.jsonable``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from .facts import DocumentFact, InspectionFact, PenaltyFact

__all__ = [
    "Cell",
    "ColumnHeader",
    "FactRecord",
    "GroupHeader",
    "Period",
    "RankEntry",
    "StatsTable",
    "TableInfo",
    "TableRow",
    "TotalRow",
]

#: One cell of a table: a count, or an amount / share with its decimals.
Cell = int | Decimal


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class GroupHeader(_Frozen):  # 栏目分组, e.g. 使用执法文书（份）
    id: str
    header: str  # with its unit in brackets, when the group has one


class ColumnHeader(_Frozen):  # 栏目 as a table shows it
    id: str
    header: str  # with the unit in brackets unless its group's header carries it
    unit: str | None  # 计量单位, e.g. 家次, 万元
    group: str | None  # its group's id
    group_header: str | None
    label: str  # group_header·header (or header): one-line headings such as CSV's


class TableInfo(_Frozen):  # 报表种类: one spec of tables.yaml, as lists of tables show it
    id: str
    name: str  # what a list shows (the title without its placeholders when the spec names none)
    title: str  # with its {area}/{period} placeholders
    source: str  # where the layout comes from, e.g. seed 004 许应急〔2020〕22号
    notes: tuple[str, ...]  # 说明
    groups: tuple[GroupHeader, ...]
    columns: tuple[ColumnHeader, ...]


class Period(_Frozen):  # 统计期间
    start: dt.date
    end: dt.date  # inclusive
    label: str  # e.g. 2020年1-4月份


class TableRow(_Frozen):  # one unit of the table
    org_id: int
    org: str  # 机关全称
    label: str  # 单位 as printed: 市本级 / 尧都区 …
    own: bool  # the organisation's own records (本级) rather than a subordinate's subtree
    cells: dict[str, Cell]  # by column id


class TotalRow(_Frozen):  # 合计
    label: str
    cells: dict[str, Cell]  # by column id, over the same facts as the rows


class RankEntry(_Frozen):  # 排名: one unit ranked by one column
    rank: int  # equal values share a rank; the next skips (1, 2, 2, 4)
    org_id: int
    org: str
    label: str
    own: bool
    value: Cell


class StatsTable(_Frozen):  # 统计报表 for one organisation and one period
    table: str  # the spec's id
    title: str  # e.g. 临汾市安全生产监管执法情况报表（2025年1-4月份）
    org_id: int
    org: str
    period: Period
    groups: tuple[GroupHeader, ...]
    columns: tuple[ColumnHeader, ...]
    notes: tuple[str, ...]
    rows: tuple[TableRow, ...]  # 本级 first (when it has records), then each subordinate unit
    total: TotalRow
    ranking: tuple[RankEntry, ...] | None = None  # with the rows in its order, when ranked


@dataclass(frozen=True)
class FactRecord:  # 统计事实 as listed: one fact with the names a reader needs
    fact: InspectionFact | DocumentFact | PenaltyFact
    org: str  # the fact's organisation by name
    # 监督检查 supervision / 事故 accident (from the case's 案件来源), for documents and penalties;
    # None for inspections, which tables do not split by it.
    penalty_class: str | None
