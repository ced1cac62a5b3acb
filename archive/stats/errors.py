"""Errors of the statistics (``archive.stats``). Each has a stable code and a Chinese + English
message; ``api/errors.py`` maps them by their base class::

    ArchiveError
    ├── NotFound
    │   ├── UnknownTable      404  stats_table_unknown   no such table spec in tables.yaml
    │   └── UnknownSource     404  stats_source_unknown  facts of a source other than the three
    └── StatsError            400  stats_error
        ├── UnknownColumn     400  stats_column_unknown  ranking by a column the table lacks
        ├── InvalidPeriod     400  stats_period_invalid  the period ends before it starts
        └── OrgRequired       400  stats_org_required    no organisation given and none implied

An organisation the actor may not see answers ``org_not_found`` (404), as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..errors import ArchiveError, NotFound

__all__ = ["InvalidPeriod", "OrgRequired", "StatsError", "UnknownColumn", "UnknownSource", "UnknownTable"]


class StatsError(ArchiveError):
    code = "stats_error"


class UnknownTable(NotFound):
    code = "stats_table_unknown"

    def __init__(self, table_id: str, known: Sequence[str]) -> None:
        super().__init__(
            f"统计报表“{table_id}”不存在（可用：{'、'.join(known)}）",
            f"unknown statistics table {table_id!r} (known: {', '.join(known)})",
            details={"id": table_id, "known": list(known)},
        )


class UnknownSource(NotFound):
    code = "stats_source_unknown"

    def __init__(self, source: str, known: Sequence[str]) -> None:
        super().__init__(
            f"统计数据来源“{source}”不存在（可用：{'、'.join(known)}）",
            f"unknown fact source {source!r} (known: {', '.join(known)})",
            details={"source": source, "known": list(known)},
        )


class UnknownColumn(StatsError):
    code = "stats_column_unknown"

    def __init__(self, table_id: str, column_id: str, known: Sequence[str]) -> None:
        super().__init__(
            f"统计报表“{table_id}”没有“{column_id}”这一栏（可用：{'、'.join(known)}）",
            f"table {table_id!r} has no column {column_id!r} (known: {', '.join(known)})",
            details={"table": table_id, "column": column_id, "known": list(known)},
        )


class InvalidPeriod(StatsError):
    code = "stats_period_invalid"

    def __init__(self, start: dt.date, end: dt.date) -> None:
        super().__init__(
            f"统计期间的结束日期（{end}）早于开始日期（{start}）",
            f"the period ends ({end}) before it starts ({start})",
            details={"start": start.isoformat(), "end": end.isoformat()},
        )


class OrgRequired(StatsError):
    code = "stats_org_required"

    def __init__(self) -> None:
        super().__init__(
            "请指定统计的机关（--org 或 org=，机关编号或全称）",
            "name the organisation to count (--org or org=, its id or full name)",
        )
