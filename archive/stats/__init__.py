"""安全生产行政执法统计 (statistics): per-document facts (facts.py), tables as aggregation specs in
data (tables.yaml, report.py) and their XLSX/CSV renderings (xlsx.py)."""

from .facts import (
    DocumentFact,
    InspectionFact,
    PenaltyFact,
    document_facts,
    inspection_facts,
    penalty_facts,
)
from .report import StatsTables, StatsTablesError, TableSpec, build_table, load_tables, xuchang_table
from .xlsx import to_csv, to_xlsx

__all__ = [
    "DocumentFact",
    "InspectionFact",
    "PenaltyFact",
    "StatsTables",
    "StatsTablesError",
    "TableSpec",
    "build_table",
    "document_facts",
    "inspection_facts",
    "load_tables",
    "penalty_facts",
    "to_csv",
    "to_xlsx",
    "xuchang_table",
]
