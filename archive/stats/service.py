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
from .facts import InspectionFact, document_facts, inspection_facts, penalty_facts
from .report import SOURCES, StatsTables, build_table, column_headers, group_headers, load_tables, unit_scope
from .views import FactRecord, RankEntry, StatsTable, TableInfo

__all__ = ["StatsService"]

OrgKey = int | str | None


class StatsService:
    def __init__(self, kernel: Kernel, *, tables_path: Path | None = None) -> None:
        self.kernel = kernel
        # Loaded (and validated) at construction, so a bad tables.yaml stops start-up, not a later request.
        self.specs: StatsTables = load_tables(tables_path) if tables_path else kernel.rules.stats_tables

    # -- the specs ---------------------------------------------------------------------------------

    def tables(self) -> tuple[TableInfo, ...]:
        """The table specs; ``title`` keeps its ``{area}``/``{period}`` placeholders, ``groups`` and
        ``columns`` are as in a built table."""
        return tuple(
            TableInfo(
                id=spec.id,
                name=spec.name or spec.title.replace("{area}", "").replace("（{period}）", ""),
                title=spec.title,
                source=spec.source,
                notes=spec.notes,
                groups=group_headers(spec),
                columns=column_headers(spec),
            )
            for spec in self.specs.tables
        )

    # -- tables ------------------------------------------------------------------------------------

    def table(
        self,
        *,
        actor: Principal,
        table_id: str = "xuchang",
        org: OrgKey = None,
        start: dt.date,
        end: dt.date,
    ) -> StatsTable:
        """The table ``table_id`` for ``org`` (id or full name; default the actor's organisation)
        over [start, end]: a row per unit with ``cells`` keyed by column id, and 合计. See
        :func:`~anjuan.archive.stats.report.build_table`."""
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
    def rank(table: StatsTable, column_id: str, *, descending: bool = True) -> tuple[RankEntry, ...]:
        """The unit rows of ``table`` (not 合计) ordered by ``column_id``, largest first unless
        ``descending=False``. Equal values share a rank and the next rank skips (1, 2, 2, 4); equal
        rows keep the table's order."""
        known = [c.id for c in table.columns]
        if column_id not in known:
            raise UnknownColumn(table.table, column_id, known)
        rows = sorted(table.rows, key=lambda r: r.cells[column_id], reverse=descending)
        out: list[RankEntry] = []
        for i, row in enumerate(rows):
            value = row.cells[column_id]
            rank = out[-1].rank if out and out[-1].value == value else i + 1
            out.append(RankEntry(rank=rank, org_id=row.org_id, org=row.org, label=row.label, own=row.own, value=value))
        return tuple(out)

    @staticmethod
    def ranked(table: StatsTable, column_id: str, *, descending: bool = True) -> StatsTable:
        """``table`` with its rows in the order of :meth:`rank` (for printing or a spreadsheet
        sorted by one column) and the ranking itself as ``ranking``."""
        ranking = StatsService.rank(table, column_id, descending=descending)
        by_org = {row.org_id: row for row in table.rows}
        return table.model_copy(update={"rows": tuple(by_org[r.org_id] for r in ranking), "ranking": ranking})

    # -- facts -------------------------------------------------------------------------------------

    def facts(
        self,
        *,
        actor: Principal,
        source: str,
        org: OrgKey = None,
        start: dt.date,
        end: dt.date,
    ) -> list[FactRecord]:
        """The fact records of ``source`` (``inspections``, ``documents`` or ``penalties``) behind a
        table of ``org`` over [start, end], in document order: each
        :class:`~anjuan.archive.stats.facts.InspectionFact` (``DocumentFact``, ``PenaltyFact``) with
        its organisation's name and, for documents and penalties, its ``penalty_class`` (监督检查
        ``supervision`` / 事故 ``accident``). Only documents the actor may open are listed."""
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
            return [
                FactRecord(
                    fact=fact,
                    org=found.orgs[fact.org_id].name,
                    penalty_class=None if isinstance(fact, InspectionFact) else classes.classify(fact.case_source),
                )
                for fact in rows
            ]

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
