"""安全生产执法统计 as users ask for it (``archive.stats``): the table specs of ``tables.yaml``, a
table for an organisation and a period, a ranking of its units by one column, and the per-document
facts behind it — all over what the acting user may see.

Scope. A table's rows are organisations: the actor sees a row for each organisation of their
scope, and the counts of a row are that organisation's (a handler, whose scope is their own
organisation, sees their organisation's counts). The facts are records: they list only the
documents the actor may open (for a handler, those of the cases they handle), so a handler's facts
may be fewer than the counts of the table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import registry
from ..access import Principal, document_clause
from ..kernel import Kernel
from ..models import Document, Organisation
from .errors import InvalidPeriod, OrgRequired, UnknownColumn, UnknownSource
from .facts import document_facts, inspection_facts, penalty_facts
from .report import SOURCES, StatsTables, build_table, column_headers, group_headers, jsonable, load_tables, unit_scope

__all__ = ["StatsService"]

OrgKey = int | str | None


class StatsService:
    def __init__(self, kernel: Kernel, *, tables_path: Path | None = None) -> None:
        self.kernel = kernel
        # Loaded (and validated) at construction, so a bad tables.yaml stops start-up, not a later request.
        self.specs: StatsTables = load_tables(tables_path) if tables_path else kernel.rules.stats_tables

    # -- the specs ---------------------------------------------------------------------------------

    def tables(self) -> list[dict[str, Any]]:
        """The table specs: ``{"id", "name", "title", "source", "notes", "groups", "columns"}``;
        ``title`` keeps its ``{area}``/``{period}`` placeholders, ``groups`` and ``columns`` are as
        in a built table (columns: ``id``, ``header``, ``unit``, ``group``, ``group_header``, ``label``)."""
        return [
            {
                "id": spec.id,
                "name": spec.name or spec.title.replace("{area}", "").replace("（{period}）", ""),
                "title": spec.title,
                "source": spec.source,
                "notes": list(spec.notes),
                "groups": group_headers(spec),
                "columns": column_headers(spec),
            }
            for spec in self.specs.tables
        ]

    # -- tables ------------------------------------------------------------------------------------

    def table(
        self,
        *,
        actor: Principal,
        table_id: str = "xuchang",
        org: OrgKey = None,
        start: dt.date,
        end: dt.date,
    ) -> dict[str, Any]:
        """The table ``table_id`` for ``org`` (id or full name; default the actor's organisation)
        over [start, end]: ``{"table", "title", "org_id", "org", "period": {"start", "end",
        "label"}, "groups", "columns", "notes", "rows", "total"}``; each row ``{"org_id", "org",
        "label", "own", "cells"}`` with ``cells`` keyed by column id; ``total`` ``{"label": "合计",
        "cells"}``. See :func:`~anjuan.archive.stats.report.build_table`; :func:`jsonable` makes it
        JSON (``Decimal`` → number, dates → ISO strings)."""
        if end < start:
            raise InvalidPeriod(start, end)
        self.specs.table(table_id)  # an unknown table before anything is read
        with self.kernel.db.read() as s:
            org_id = self._org_id(s, actor, org)
            return build_table(
                s,
                actor=actor,
                table_id=table_id,
                org_id=org_id,
                start=start,
                end=end,
                tables=self.specs,
                penalty_forms=self.kernel.rules.catalogue.penalty_forms,
            )

    @staticmethod
    def rank(table: dict[str, Any], column_id: str, *, descending: bool = True) -> list[dict[str, Any]]:
        """The unit rows of ``table`` (not 合计) ordered by ``column_id``, largest first unless
        ``descending=False``: ``{"rank", "org_id", "org", "label", "own", "value"}``. Equal values
        share a rank and the next rank skips (1, 2, 2, 4); equal rows keep the table's order."""
        known = [c["id"] for c in table["columns"]]
        if column_id not in known:
            raise UnknownColumn(table["table"], column_id, known)
        rows = sorted(table["rows"], key=lambda r: r["cells"][column_id], reverse=descending)
        out: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            value = row["cells"][column_id]
            rank = out[-1]["rank"] if out and out[-1]["value"] == value else i + 1
            out.append(
                {
                    "rank": rank,
                    "org_id": row["org_id"],
                    "org": row["org"],
                    "label": row["label"],
                    "own": row["own"],
                    "value": value,
                }
            )
        return out

    @staticmethod
    def ranked(table: dict[str, Any], column_id: str, *, descending: bool = True) -> dict[str, Any]:
        """``table`` with its rows in the order of :meth:`rank` (for printing or a spreadsheet
        sorted by one column) and the ranking itself under ``"ranking"``."""
        ranking = StatsService.rank(table, column_id, descending=descending)
        by_org = {row["org_id"]: row for row in table["rows"]}
        return {**table, "rows": [by_org[r["org_id"]] for r in ranking], "ranking": ranking}

    # -- facts -------------------------------------------------------------------------------------

    def facts(
        self,
        *,
        actor: Principal,
        source: str,
        org: OrgKey = None,
        start: dt.date,
        end: dt.date,
    ) -> list[dict[str, Any]]:
        """The fact records of ``source`` (``inspections``, ``documents`` or ``penalties``) behind a
        table of ``org`` over [start, end], as plain JSON-able dicts in document order: the
        attributes of :class:`~anjuan.archive.stats.facts.InspectionFact` (``DocumentFact``,
        ``PenaltyFact``) plus ``org`` (its name) and, for documents and penalties, ``penalty_class``
        (监督检查 ``supervision`` / 事故 ``accident``). Dates are ISO strings, fines (元) numbers.
        Only documents the actor may open are listed."""
        if source not in SOURCES:
            raise UnknownSource(source, SOURCES)
        if end < start:
            raise InvalidPeriod(start, end)
        with self.kernel.db.read() as s:
            found = unit_scope(s, actor=actor, org_id=self._org_id(s, actor, org))
            if source == "penalties":
                forms = self.kernel.rules.catalogue.penalty_forms
                rows: list[Any] = penalty_facts(s, org_ids=found.scope, start=start, end=end, forms=forms)
            else:
                read = {"inspections": inspection_facts, "documents": document_facts}[source]
                rows = list(read(s, org_ids=found.scope, start=start, end=end))
            if not actor.everywhere and rows:
                ids = [f.document_id for f in rows]
                visible = set(s.scalars(select(Document.id).where(Document.id.in_(ids), document_clause(actor))))
                rows = [f for f in rows if f.document_id in visible]
            classes = self.specs.penalty_classes
            out = []
            for fact in rows:
                record: dict[str, Any] = dataclasses.asdict(fact)
                record["org"] = found.orgs[fact.org_id].name
                if source != "inspections":
                    record["penalty_class"] = classes.classify(record["case_source"])
                out.append(jsonable(record))
            return out

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _org_id(session: Session, actor: Principal, org: OrgKey) -> int:
        """The organisation to count: ``org`` (id or full name, as every lookup takes it), else
        the actor's own, else — for the platform administrator — the one top-level organisation."""
        if org is not None and str(org).strip():
            return registry.resolve_org(session, org if isinstance(org, int) else str(org).strip()).id
        if actor.org_id is not None:
            return actor.org_id
        roots = list(session.scalars(select(Organisation.id).where(Organisation.parent_id.is_(None))))
        if len(roots) == 1:
            return roots[0]
        raise OrgRequired()
