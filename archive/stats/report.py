"""统计报表 from the facts: the table specs of ``tables.yaml`` (validated here) and their evaluation.

:func:`build_table` evaluates any spec for one organisation and a period: one row per direct
subordinate unit, each aggregating that unit's whole subtree (seed 004 说明 2–3: 当前行政区划下各级
单位), a row for the organisation's own records (市本级) when it has any, and the 合计 row over all
of them. Rows exist only for organisations the actor may see. :func:`xuchang_table` is the 许昌
table (seed 004, 《许昌市安全生产监管执法情况报表》).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal
from ..catalogue import load_catalogue
from ..datafile import load_rules_file, validate
from ..errors import ArchiveError, NotFound
from ..models import Organisation
from .errors import InvalidPeriod, UnknownTable
from .facts import DocumentFact, InspectionFact, PenaltyFact, document_facts, inspection_facts, penalty_facts
from .views import Cell, ColumnHeader, GroupHeader, Period, StatsTable, TableRow, TotalRow

__all__ = [
    "SOURCES",
    "Column",
    "Group",
    "StatsTables",
    "StatsTablesError",
    "TableSpec",
    "Units",
    "build_table",
    "column_headers",
    "group_headers",
    "jsonable",
    "load_tables",
    "unit_scope",
    "xuchang_table",
]

PACKAGE = "anjuan.archive.stats"
TABLES_FILE = "tables.yaml"

Source = Literal["inspections", "documents", "penalties"]
SOURCES: tuple[Source, ...] = ("inspections", "documents", "penalties")
Agg = Literal["count", "sum", "distinct", "total", "share"]

# Attributes a column may filter on (`where`) or add up (`field`), by source. For documents and
# penalties `penalty_class` is derived from the case's 案件来源 by `penalty_classes`.
WHERE_KEYS: Mapping[str, frozenset[str]] = {
    "inspections": frozenset({"kind", "form_id", "org_id"}),
    "documents": frozenset({"form_id", "case_kind", "case_source", "penalty_class", "org_id"}),
    "penalties": frozenset({"form_id", "kinds", "case_source", "penalty_class", "org_id"}),
}
FIELDS: Mapping[str, frozenset[str]] = {
    "inspections": frozenset(
        {"officers", "violations", "general_hazards", "major_hazards", "party_id", "case_id", "document_id"}
    ),
    "documents": frozenset({"party_id", "case_id", "document_id"}),
    "penalties": frozenset({"fine", "party_id", "case_id", "document_id"}),
}


class StatsTablesError(ArchiveError):
    """``tables.yaml`` is unreadable or invalid (code ``stats_tables_invalid``)."""

    code = "stats_tables_invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassRule(_Model):
    class_: str = Field(alias="class")
    case_source: tuple[str, ...]


class PenaltyClasses(_Model):
    default: str
    rules: tuple[ClassRule, ...] = ()

    def classify(self, case_source: str | None) -> str:
        for rule in self.rules:
            if case_source is not None and case_source in rule.case_source:
                return rule.class_
        return self.default


class Group(_Model):
    id: str
    header: str
    unit: str | None = None


class Column(_Model):
    id: str
    header: str
    unit: str | None = None
    group: str | None = None
    agg: Agg
    source: Source | None = None
    field: str | None = None
    where: dict[str, tuple[str, ...]] = {}
    of: tuple[str, ...] = ()
    over: str | None = None
    scale: int | None = None
    decimals: int | None = Field(default=None, ge=0, le=6)

    @model_validator(mode="after")
    def _shape(self) -> Column:
        if self.agg in ("count", "sum", "distinct"):
            if self.source is None:
                raise ValueError(f"agg {self.agg} needs a source")
            if self.of or self.over:
                raise ValueError(f"agg {self.agg} takes no of/over")
            unknown = set(self.where) - WHERE_KEYS[self.source]
            if unknown:
                raise ValueError(f"where: {sorted(unknown)} not attributes of {self.source}")
            if self.agg == "count" and self.field is not None:
                raise ValueError("agg count takes no field")
            if self.agg != "count":
                if self.field is None:
                    raise ValueError(f"agg {self.agg} needs a field")
                if self.field not in FIELDS[self.source]:
                    raise ValueError(f"field {self.field!r} is not a field of {self.source}")
        else:
            if self.source is not None or self.field is not None or self.where:
                raise ValueError(f"agg {self.agg} is computed from other columns: no source/field/where")
            if not self.of:
                raise ValueError(f"agg {self.agg} needs of")
            if (self.agg == "share") != (self.over is not None):
                raise ValueError("over belongs to (and is required by) agg share")
        if self.scale is not None and self.agg != "sum":
            raise ValueError("scale applies to agg sum only")
        return self


class TableSpec(_Model):
    id: str
    name: str = ""  # what lists of tables show; the title (with {area} and {period}) heads the table
    title: str
    source: str = ""
    notes: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
    columns: tuple[Column, ...]

    @model_validator(mode="after")
    def _refs(self) -> TableSpec:
        ids = [c.id for c in self.columns]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"column ids given twice: {dupes}")
        groups = {g.id for g in self.groups}
        by_id = {c.id: c for c in self.columns}
        seen: set[str] = set()
        for col in self.columns:
            if col.group is not None and col.group not in groups:
                raise ValueError(f"column {col.id}: unknown group {col.group!r}")
            for ref in (*col.of, *([col.over] if col.over else [])):
                target = by_id.get(ref)
                if target is None:
                    raise ValueError(f"column {col.id}: unknown column {ref!r}")
                if target.agg == "share":
                    raise ValueError(f"column {col.id}: cannot build on the share column {ref!r}")
                if col.agg == "total" and target.agg == "total" and ref not in seen:
                    raise ValueError(f"column {col.id}: total {ref!r} must come first")
            seen.add(col.id)
        # A group's columns sit side by side, so that its header can be one merged cell.
        order = [c.group for c in self.columns]
        runs = [g for i, g in enumerate(order) if g is not None and (i == 0 or order[i - 1] != g)]
        if len(runs) != len(set(runs)):
            raise ValueError("the columns of a group must be adjacent")
        return self


class StatsTables(_Model):
    version: int
    penalty_classes: PenaltyClasses
    name_suffixes: tuple[str, ...] = ()
    own_row_labels: dict[str, str] = {}
    tables: tuple[TableSpec, ...]

    @model_validator(mode="after")
    def _unique(self) -> StatsTables:
        ids = [t.id for t in self.tables]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"table ids given twice: {dupes}")
        return self

    def table(self, table_id: str) -> TableSpec:
        for spec in self.tables:
            if spec.id == table_id:
                return spec
        raise UnknownTable(table_id, [t.id for t in self.tables])


def _build(data: Any, label: str) -> StatsTables:
    return validate(StatsTables, data, label, StatsTablesError)


def load_tables(path: Path | None = None) -> StatsTables:
    """The validated table specs; ``path=None`` reads the packaged ``tables.yaml`` (cached by
    source and content)."""
    return load_rules_file(PACKAGE, TABLES_FILE, Path(path) if path is not None else None, StatsTablesError, _build)


# -- evaluation -------------------------------------------------------------------------------------

Fact = InspectionFact | DocumentFact | PenaltyFact


def _quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _attr(fact: Fact, name: str, classes: PenaltyClasses) -> Any:
    if name == "penalty_class":
        return classes.classify(fact.case_source)  # type: ignore[union-attr]
    return getattr(fact, name)


def _matches(fact: Fact, where: Mapping[str, Sequence[str]], classes: PenaltyClasses) -> bool:
    for key, allowed in where.items():
        value = _attr(fact, key, classes)
        if isinstance(value, tuple):
            if not any(str(v) in allowed for v in value):
                return False
        elif str(value) not in allowed:
            return False
    return True


def _evaluate(spec: TableSpec, facts: Mapping[str, Sequence[Fact]], classes: PenaltyClasses) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for col in spec.columns:  # facts first
        if col.source is None:
            continue
        rows = [f for f in facts[col.source] if _matches(f, col.where, classes)]
        if col.agg == "count":
            cells[col.id] = len(rows)
        elif col.agg == "distinct":
            cells[col.id] = len({getattr(f, col.field or "") for f in rows})
        else:
            total = sum((Decimal(getattr(f, col.field or "")) for f in rows), Decimal(0))
            if col.scale:
                total /= Decimal(col.scale)
            if col.decimals is not None:
                cells[col.id] = _quantize(total, col.decimals)
            else:
                cells[col.id] = int(total) if total == total.to_integral_value() else total
    for col in spec.columns:  # then totals, in order
        if col.agg == "total":
            values = [cells[ref] for ref in col.of]
            if col.decimals is not None:
                cells[col.id] = _quantize(sum((Decimal(v) for v in values), Decimal(0)), col.decimals)
            else:
                cells[col.id] = sum(values)
    for col in spec.columns:  # then shares
        if col.agg == "share":
            part = sum((Decimal(cells[ref]) for ref in col.of), Decimal(0))
            whole = Decimal(cells[col.over or ""])
            share = part * 100 / whole if whole else Decimal(0)
            cells[col.id] = _quantize(share, 2 if col.decimals is None else col.decimals)
    return {col.id: cells[col.id] for col in spec.columns}


def _short_name(name: str, suffixes: Iterable[str], parent_short: str | None = None) -> str:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    if parent_short and name.startswith(parent_short) and len(name) > len(parent_short):
        name = name[len(parent_short) :]
    return name


def period_label(start: dt.date, end: dt.date) -> str:
    """2020年1-4月份 for whole months of one year, 2020年3月份 for one month, else the two dates."""
    whole_months = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if whole_months and start.year == end.year:
        if start.month == end.month:
            return f"{start.year}年{start.month}月份"
        return f"{start.year}年{start.month}-{end.month}月份"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


@dataclass(frozen=True)
class Units:
    """What a table of organisation ``org`` counts for an actor: ``units`` are its rows — the
    organisation itself (its own records only, ``own``) when the actor sees it, then each direct
    subordinate the actor sees with the part of its subtree the actor sees — and ``scope`` their union."""

    org: Organisation
    orgs: Mapping[int, Organisation]
    units: tuple[tuple[int, bool, frozenset[int]], ...]
    scope: frozenset[int]


def unit_scope(session: Session, *, actor: Principal, org_id: int) -> Units:
    """The rows of a table for ``org_id`` as ``actor`` may see them. An organisation none of whose
    subtree the actor sees does not exist for them (``org_not_found``)."""
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    org = orgs.get(org_id)
    children: dict[int | None, list[int]] = {}
    for o in sorted(orgs.values(), key=lambda o: o.id):
        children.setdefault(o.parent_id, []).append(o.id)

    def subtree(root: int) -> set[int]:
        out, todo = {root}, [root]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    tree = subtree(org_id) if org is not None else set()
    if org is None or not any(actor.sees_org(o) for o in tree):
        raise NotFound(
            f"机关{org_id}不存在", f"organisation {org_id} not found", code="org_not_found", details={"id": org_id}
        )
    units: list[tuple[int, bool, frozenset[int]]] = []
    if actor.sees_org(org_id):
        units.append((org_id, True, frozenset({org_id})))
    for child in children.get(org_id, []):
        if actor.sees_org(child):
            units.append((child, False, frozenset(o for o in subtree(child) if actor.sees_org(o))))
    scope = frozenset().union(*(members for _, _, members in units))
    return Units(org=org, orgs=orgs, units=tuple(units), scope=scope)


def column_headers(spec: TableSpec) -> tuple[ColumnHeader, ...]:
    """Each column as a table shows it. ``header`` carries the unit in brackets unless its group's
    header does; ``label`` is ``group_header·header`` (or ``header``), for one-line headings such as
    CSV's."""
    groups = {g.id: g for g in spec.groups}
    columns: list[ColumnHeader] = []
    for col in spec.columns:
        group = groups.get(col.group) if col.group else None
        shown_unit = col.unit if col.unit and (group is None or group.unit != col.unit) else None
        header = f"{col.header}（{shown_unit}）" if shown_unit else col.header
        group_header = (f"{group.header}（{group.unit}）" if group.unit else group.header) if group else None
        columns.append(
            ColumnHeader(
                id=col.id,
                header=header,
                unit=col.unit,
                group=col.group,
                group_header=group_header,
                label=f"{group_header}·{header}" if group_header else header,
            )
        )
    return tuple(columns)


def group_headers(spec: TableSpec) -> tuple[GroupHeader, ...]:
    return tuple(GroupHeader(id=g.id, header=f"{g.header}（{g.unit}）" if g.unit else g.header) for g in spec.groups)


def build_table(
    session: Session,
    *,
    actor: Principal,
    table_id: str,
    org_id: int,
    start: dt.date,
    end: dt.date,
    tables: StatsTables | None = None,
    penalty_forms: Iterable[str] | None = None,
) -> StatsTable:
    """The table ``table_id`` of ``tables.yaml`` for organisation ``org_id`` over [start, end];
    ``penalty_forms`` are the catalogue's 行政处罚决定书 (default: the packaged catalogue's).

    Its rows, ``cells`` keyed by column id: first the organisation's own records (``own``, when it
    has any), then each direct subordinate the actor may see, whose row aggregates its whole
    subtree. The 合计 ``total`` is over the same facts as the rows (a ``distinct`` column's total
    counts each value once, so it may be less than the sum of the rows). Counts are ``int``; amounts
    (万元) and shares (%) ``Decimal`` with 2 places.
    """
    if end < start:
        raise InvalidPeriod(start, end)
    tables = tables or load_tables()
    spec = tables.table(table_id)
    found = unit_scope(session, actor=actor, org_id=org_id)
    org, orgs, scope = found.org, found.orgs, found.scope

    needed = {c.source for c in spec.columns if c.source}
    # Only the forms the document columns read (every form when one column reads them all).
    doc_cols = [c for c in spec.columns if c.source == "documents"]
    forms = (
        {form for c in doc_cols for form in c.where["form_id"]}
        if doc_cols and all("form_id" in c.where for c in doc_cols)
        else None
    )
    facts: dict[str, list[Fact]] = {
        "inspections": list(inspection_facts(session, org_ids=scope, start=start, end=end))
        if "inspections" in needed
        else [],
        "documents": list(document_facts(session, org_ids=scope, start=start, end=end, forms=forms))
        if "documents" in needed
        else [],
        "penalties": list(
            penalty_facts(
                session,
                org_ids=scope,
                start=start,
                end=end,
                forms=load_catalogue(None).penalty_forms if penalty_forms is None else penalty_forms,
            )
        )
        if "penalties" in needed
        else [],
    }
    classes = tables.penalty_classes

    def facts_of(members: Iterable[int]) -> dict[str, list[Fact]]:
        members = set(members)
        return {src: [f for f in rows if f.org_id in members] for src, rows in facts.items()}

    org_short = _short_name(org.name, tables.name_suffixes)
    rows: list[TableRow] = []
    for unit_id, own, members in found.units:
        mine = facts_of(members)
        if own and not any(mine.values()):
            continue  # 本级 appears only when it has records of its own
        unit = orgs[unit_id]
        label = (
            tables.own_row_labels.get(unit.level, "本级")
            if own
            else _short_name(unit.name, tables.name_suffixes, org_short)
        )
        rows.append(TableRow(org_id=unit_id, org=unit.name, label=label, own=own, cells=_evaluate(spec, mine, classes)))

    period = period_label(start, end)
    return StatsTable(
        table=spec.id,
        title=spec.title.format(area=org_short, org=org.name, period=period),
        org_id=org.id,
        org=org.name,
        period=Period(start=start, end=end, label=period),
        groups=group_headers(spec),
        columns=column_headers(spec),
        notes=spec.notes,
        rows=tuple(rows),
        total=TotalRow(label="合计", cells=_evaluate(spec, facts_of(scope), classes)),
    )


def xuchang_table(session: Session, *, actor: Principal, org_id: int, start: dt.date, end: dt.date) -> StatsTable:
    """《安全生产监管执法情况报表》 as in seed 004 (许昌): see :func:`build_table`."""
    return build_table(session, actor=actor, table_id="xuchang", org_id=org_id, start=start, end=end)


def jsonable(value: Any) -> Any:
    """A table (or ranking, or facts) as plain JSON data: dates as ISO strings, ``Decimal`` as
    numbers (``float``; the two places of an amount are the renderer's to show), tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
