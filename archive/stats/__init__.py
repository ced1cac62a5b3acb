"""安全生产行政执法统计 (statistics): per-document facts (facts.py), tables as aggregation specs in
data (tables.yaml, report.py), their XLSX/CSV renderings (xlsx.py), and the service users call
(``archive.stats``: service.py)."""

from .errors import InvalidPeriod, OrgRequired, StatsError, UnknownColumn, UnknownSource, UnknownTable
from .facts import (
    DocumentFact,
    InspectionFact,
    PenaltyFact,
    document_facts,
    inspection_facts,
    penalty_facts,
)
from .report import (
    SOURCES,
    StatsTables,
    StatsTablesError,
    TableSpec,
    build_table,
    jsonable,
    load_tables,
    xuchang_table,
)
from .service import StatsService
from .views import ColumnHeader, FactRecord, GroupHeader, Period, RankEntry, StatsTable, TableInfo, TableRow, TotalRow
from .xlsx import to_csv, to_xlsx

__all__ = [
    "SOURCES",
    "ColumnHeader",
    "DocumentFact",
    "FactRecord",
    "GroupHeader",
    "InspectionFact",
    "InvalidPeriod",
    "OrgRequired",
    "PenaltyFact",
    "Period",
    "RankEntry",
    "StatsError",
    "StatsService",
    "StatsTable",
    "StatsTables",
    "StatsTablesError",
    "TableInfo",
    "TableRow",
    "TableSpec",
    "TotalRow",
    "UnknownColumn",
    "UnknownSource",
    "UnknownTable",
    "build_table",
    "document_facts",
    "inspection_facts",
    "jsonable",
    "load_tables",
    "penalty_facts",
    "to_csv",
    "to_xlsx",
    "xuchang_table",
]
