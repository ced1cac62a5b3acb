"""安全生产执法统计: the 许昌 table (seed 004) over real issued documents of a city and two counties —
every cell of every row and of 合计, the XLSX and CSV renderings, and the actor's scope; and
``archive.stats``: any table spec (the reconstructed 基础A2表, every cell), rankings, facts, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.schemas import stats_fact_json, stats_table_json
from anjuan.archive.access import Principal
from anjuan.archive.catalogue import load_catalogue
from anjuan.archive.demo import issue_with_approval
from anjuan.archive.errors import NotFound
from anjuan.archive.service import Archive
from anjuan.archive.stats import (
    GroupHeader,
    InspectionFact,
    InvalidPeriod,
    OrgRequired,
    PenaltyFact,
    Period,
    StatsTable,
    StatsTablesError,
    TotalRow,
    UnknownColumn,
    UnknownSource,
    UnknownTable,
    inspection_facts,
    load_tables,
    penalty_facts,
    to_csv,
    to_xlsx,
    xuchang_table,
)
from anjuan.archive.stats.report import period_label
from anjuan.templates.convert import FakeConverter
from openpyxl import load_workbook

from tests.fixtures.archive import Bureau, add_user, decision_fields, make_archive, make_bureau
from tests.fixtures.db import BACKENDS, make_database

# Back-filled documents (as in test_qc): the procedure gates are off so that each case carries only
# the documents the table reads, with the dates it needs. Numbering, rendering, sealing and the
# approvals are the real path.

START, END = dt.date(2025, 1, 1), dt.date(2025, 4, 30)

COLUMNS = [
    "inspections",
    "officers",
    "docs_onsite",
    "docs_rectification",
    "docs_enforcement",
    "docs_supervision_penalty",
    "docs_accident_penalty",
    "docs_total",
    "filings",
    "warnings",
    "fines",
    "suspensions",
    "licences",
    "closures",
    "fine_supervision",
    "fine_supervision_share",
    "fine_accident",
    "fine_accident_share",
    "fine_total",
]


def D(text: str) -> Decimal:
    return Decimal(text)


def _cells(*values: Any) -> dict[str, Any]:
    assert len(values) == len(COLUMNS)
    return dict(zip(COLUMNS, values, strict=True))


# 尧都区: inspection (2 officers) + 责改 + 复查 (2), an inspection with 3 officers and a 现决, a 立案
# (监督检查) and a decision 警告+罚款 30,000. Outside the period: an inspection on 5 May; never issued:
# a draft decision 责令关闭.
YAODU = _cells(
    3, 7, 3, 2, 0, 1, 0, 6, 1, 1, D("3.00"), 0, 0, 0, D("3.00"), D("100.00"), D("0.00"), D("0.00"), D("3.00")
)
# 曲沃县: an inspection with 3 officers and a 查封扣押决定书; a 立案 from 事故调查 and its decision
# 责令停产停业 + 暂扣许可证件 + 罚款 10,000.
QUWO = _cells(1, 3, 1, 0, 1, 0, 1, 3, 1, 0, D("1.00"), 1, 1, 0, D("0.00"), D("0.00"), D("1.00"), D("100.00"), D("1.00"))
# 市本级: one inspection by two city officers.
CITY = _cells(1, 2, 1, 0, 0, 0, 0, 1, 0, 0, D("0.00"), 0, 0, 0, D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))
TOTAL = _cells(
    5, 12, 5, 2, 1, 1, 1, 10, 2, 1, D("4.00"), 1, 1, 0, D("3.00"), D("75.00"), D("1.00"), D("25.00"), D("4.00")
)


@dataclass
class Unit:
    org_id: int
    officer_ids: list[int]
    handler: Principal
    approvers: dict[str, Principal]


@dataclass
class World:
    archive: Archive
    bureau: Bureau
    yaodu: Unit
    quwo: Unit
    city: Unit


def _unit(archive: Archive, admin: Principal, org_id: int, prefix: str, names: list[str], approvals: bool) -> Unit:
    officers = [
        archive.registry.create_officer(actor=admin, org_id=org_id, name=n, cert_no=f"{prefix}{i:04d}")
        for i, n in enumerate(names)
    ]
    handler = add_user(archive, admin, f"u{prefix}0", officer_id=officers[0].id)
    approvers: dict[str, Principal] = {}
    if approvals:
        rev = archive.registry.create_officer(
            actor=admin, org_id=org_id, name=f"{names[0]}审", cert_no=f"{prefix}9001", roles=["supervisor", "legal"]
        )
        dep = archive.registry.create_officer(
            actor=admin, org_id=org_id, name=f"{names[0]}批", cert_no=f"{prefix}9002", roles=["deputy"]
        )
        r, d = (add_user(archive, admin, f"u{prefix}{x}", officer_id=o.id) for x, o in (("r", rev), ("d", dep)))
        approvers = {"review": r, "approve": d, "examine": r, "presider": r}
    return Unit(org_id, [o.id for o in officers], handler, approvers)


def _case(archive: Archive, unit: Unit, party_id: int, kind: str, officer_ids: list[int] | None = None) -> int:
    return archive.registry.create_case(
        actor=unit.handler,
        org_id=unit.org_id,
        kind=kind,
        name="统计测试案件",
        party_id=party_id,
        officer_ids=officer_ids or unit.officer_ids[:2],
    ).id


def _issue(
    archive: Archive,
    unit: Unit,
    case_id: int,
    form: str,
    on: dt.date,
    fields: dict[str, Any],
    *,
    parent_id: int | None = None,
    officer_ids: list[int] | None = None,
) -> Any:
    request: dict[str, Any] = {
        "actor": unit.handler,
        "case_id": case_id,
        "form_key": form,
        "fields": json.loads(json.dumps(fields, default=str)),
        "parent_id": parent_id,
        "doc_date": on,
    }
    if officer_ids is not None:
        request["officer_ids"] = officer_ids
    approvers = {step: (user, "同意。") for step, user in unit.approvers.items()}
    return issue_with_approval(archive, request, submitter=unit.handler, approvers=approvers)


def _record(day: dt.date, **counts: int) -> dict[str, Any]:
    """A 现场检查记录; ``counts``: its 统计用 violation_count, general_hazard_count, major_hazard_count."""
    return {
        "place": "生产车间、危险化学品仓库",
        "start_time": f"{day.isoformat()}T09:00",
        "end_time": f"{day.isoformat()}T11:00",
        "findings": "危险化学品仓库内甲醇与氧化剂混存。",
        **counts,
    }


def _filing(source: str, day: dt.date) -> dict[str, Any]:
    return {
        "case_source": source,
        "source_date": day,
        "case_summary": "当事人涉嫌安全生产违法行为。",
        "handler_opinion": "符合立案条件，建议立案调查。",
    }


def _decision(kinds: list[str], fine: int | None) -> dict[str, Any]:
    fields = decision_fields()
    fields["penalty_types"] = kinds
    fields.pop("fine", None)
    if fine is not None:
        fields["fine"] = fine
    return fields


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Built once per module on each engine (≈ 40 documents, issued, approved and sealed): the tests
    below only read it. Rendering is the fake converter's: the statistics read documents, not pages."""
    directory = tmp_path_factory.mktemp(f"stats-{request.param}")
    with FakeConverter() as fake:
        for database in make_database(request.param, directory):
            for archive in make_archive(database, fake, directory, enforce_gates=False):
                yield build_world(archive)


def build_world(archive: Archive) -> World:
    """The city, its two counties and their documents (an archive with the gates off)."""
    bureau = make_bureau(archive)
    admin = bureau.admin
    li = archive.registry.create_officer(actor=admin, org_id=bureau.org_id, name="李娜", cert_no="14100220210088")
    yaodu = Unit(bureau.org_id, [*bureau.officer_ids, li.id], bureau.handler, bureau.approvers)
    quwo_org = archive.registry.create_org(
        actor=admin,
        name="临汾市曲沃县应急管理局",
        area="晋临",
        code="应急",
        level="county",
        parent_id=bureau.city_id,
    )
    quwo = _unit(archive, admin, quwo_org.id, "1410262022", ["陈刚", "周静", "吴磊"], approvals=True)
    city = _unit(archive, admin, bureau.city_id, "1410002018", ["郑明", "王芳"], approvals=False)
    party = bureau.party_id
    day = dt.date

    # 尧都区
    a1 = _case(archive, yaodu, party, "inspection")
    a1_record = _record(day(2025, 2, 1), violation_count=2, general_hazard_count=3)
    _issue(archive, yaodu, a1, "inspection_record", day(2025, 2, 1), a1_record)
    order = _issue(
        archive,
        yaodu,
        a1,
        "rectification_order",
        day(2025, 2, 1),
        {"problems": ["甲醇与氧化剂混存"], "rectify_items": "第1项", "deadline": day(2025, 2, 15)},
    )
    _issue(
        archive,
        yaodu,
        a1,
        "reinspection_opinion",
        day(2025, 2, 20),
        {"reinspection_date": day(2025, 2, 20), "rectification_status": "已全部整改", "opinion": "已整改。"},
        parent_id=order.id,
    )
    a2 = _case(archive, yaodu, party, "inspection", officer_ids=yaodu.officer_ids)
    rec = _issue(
        archive,
        yaodu,
        a2,
        "inspection_record",
        day(2025, 3, 5),
        _record(day(2025, 3, 5), violation_count=1, general_hazard_count=1, major_hazard_count=1),
        officer_ids=yaodu.officer_ids,
    )
    _issue(
        archive,
        yaodu,
        a2,
        "onsite_measures_decision",
        day(2025, 3, 5),
        {
            "inspection_date": day(2025, 3, 5),
            "violations": ["有限空间作业未审批"],
            "legal_basis": "《中华人民共和国安全生产法》第六十五条",
            "decisions": ["立即停止有限空间作业"],
        },
        parent_id=rec.id,
    )
    outside = _record(day(2025, 5, 3), violation_count=9)
    _issue(archive, yaodu, a2, "inspection_record", day(2025, 5, 3), outside)  # outside the period
    a3 = _case(archive, yaodu, party, "penalty")
    _issue(archive, yaodu, a3, "case_filing_approval", day(2025, 3, 10), _filing("监督检查", day(2025, 3, 5)))
    _issue(archive, yaodu, a3, "penalty_decision_org", day(2025, 4, 10), _decision(["警告", "罚款"], 30000))
    archive.documents.create_draft(  # never issued: not counted
        actor=yaodu.handler,
        case_id=a3,
        form_key="penalty_decision_org",
        fields=json.loads(json.dumps(_decision(["责令关闭"], None), default=str)),
        doc_date=day(2025, 4, 12),
    )

    # 曲沃县
    b1 = _case(archive, quwo, party, "inspection", officer_ids=quwo.officer_ids)
    b1_record = _record(day(2025, 1, 15), violation_count=1, general_hazard_count=0, major_hazard_count=2)
    _issue(archive, quwo, b1, "inspection_record", day(2025, 1, 15), b1_record)
    _issue(
        archive,
        quwo,
        b1,
        "seizure_decision",
        day(2025, 1, 15),
        {
            "findings": "使用国家明令淘汰的设备。",
            "legal_basis": "《中华人民共和国安全生产法》第六十五条",
            "measure": "查封",
            "term_start": day(2025, 1, 15),
            "term_end": day(2025, 2, 13),
        },
    )
    b2 = _case(archive, quwo, party, "penalty")
    _issue(archive, quwo, b2, "case_filing_approval", day(2025, 2, 1), _filing("事故调查", day(2025, 1, 28)))
    _issue(
        archive,
        quwo,
        b2,
        "penalty_decision_org",
        day(2025, 4, 20),
        _decision(["责令停产停业", "暂扣许可证件", "罚款"], 10000),
    )

    # 市本级
    c1 = _case(archive, city, party, "inspection")
    _issue(archive, city, c1, "inspection_record", day(2025, 4, 1), _record(day(2025, 4, 1)))
    return World(archive, bureau, yaodu, quwo, city)


def _table(world: World, actor: Principal, org_id: int | None = None) -> StatsTable:
    with world.archive.kernel.db.read() as s:
        return xuchang_table(s, actor=actor, org_id=org_id or world.bureau.city_id, start=START, end=END)


def test_every_cell_of_the_xuchang_table(world: World) -> None:
    table = _table(world, world.bureau.admin)
    assert table.title == "临汾市安全生产监管执法情况报表（2025年1-4月份）"
    assert table.period == Period(start=START, end=END, label="2025年1-4月份")
    assert [c.id for c in table.columns] == COLUMNS
    headers = {c.id: (c.group_header, c.header) for c in table.columns}
    assert headers["inspections"] == (None, "检查生产经营单位（家次）")
    assert headers["officers"] == (None, "出动行政执法人员（人次）")
    assert headers["docs_onsite"] == ("使用执法文书（份）", "现场")
    assert headers["filings"] == (None, "立案数（件）")
    assert headers["warnings"] == ("行政处罚", "警告（次）")
    assert headers["fines"] == ("行政处罚", "罚款（万元）")
    assert headers["fine_supervision_share"] == ("处罚罚款金额（万元）", "占比（%）")
    assert headers["fine_total"] == ("处罚罚款金额（万元）", "小计")

    rows = {r.label: r for r in table.rows}
    assert [r.label for r in table.rows] == ["市本级", "尧都区", "曲沃县"]
    assert rows["市本级"].own and rows["市本级"].org_id == world.bureau.city_id
    assert rows["尧都区"].org == "临汾市尧都区应急管理局"
    assert rows["市本级"].cells == CITY
    assert rows["尧都区"].cells == YAODU
    assert rows["曲沃县"].cells == QUWO
    assert table.total == TotalRow(label="合计", cells=TOTAL)
    # The amounts and shares carry two places, as the seed prints them.
    assert str(table.total.cells["fine_supervision_share"]) == "75.00"
    assert str(rows["市本级"].cells["fine_total"]) == "0.00"

    # A county's own table: its own records only (no subordinates), as 县本级.
    county = _table(world, world.bureau.admin, world.yaodu.org_id)
    assert [r.label for r in county.rows] == ["县本级"]
    assert county.rows[0].cells == YAODU == county.total.cells


def test_xlsx_and_csv_render_the_same_table(world: World) -> None:
    table = _table(world, world.bureau.admin)
    ws = load_workbook(io.BytesIO(to_xlsx(table))).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    # Title across all 21 columns; 序号/单位 and ungrouped headers over both header rows; groups
    # over their columns (使用执法文书 C..H → E..J, 行政处罚 L..P, 处罚罚款金额 Q..U).
    assert {"A1:U1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:J2", "K2:K3", "L2:P2", "Q2:U2"} <= merged
    assert ws["A1"].value == table.title
    assert ws["E2"].value == "使用执法文书（份）"
    assert [ws.cell(row=3, column=c).value for c in range(5, 11)] == [
        "现场",
        "整改",
        "强制",
        "监督检查处罚",
        "事故处罚",
        "小计",
    ]
    assert ws["L2"].value == "行政处罚"
    assert ws["Q2"].value == "处罚罚款金额（万元）"
    assert ws["R3"].value == "占比（%）"

    def values(row: int) -> dict[str, Any]:
        return {col: ws.cell(row=row, column=3 + k).value for k, col in enumerate(COLUMNS)}

    def as_numbers(cells: dict[str, Any]) -> dict[str, Any]:
        return {k: float(v) if isinstance(v, Decimal) else v for k, v in cells.items()}

    # Seed order: 合计 straight under the headers, then the units with their 序号.
    assert (ws["A4"].value, ws["B4"].value) == (None, "合计")
    assert values(4) == as_numbers(TOTAL)
    for row, (seq, label, cells) in enumerate([(1, "市本级", CITY), (2, "尧都区", YAODU), (3, "曲沃县", QUWO)], 5):
        assert (ws.cell(row=row, column=1).value, ws.cell(row=row, column=2).value) == (seq, label)
        assert values(row) == as_numbers(cells)
    assert ws["M4"].number_format == "0.00"  # 罚款（万元）
    assert ws["A9"].value == "说明："

    last = load_workbook(io.BytesIO(to_xlsx(table, total_at="last"))).active
    assert last["B4"].value == "市本级" and last["B7"].value == "合计"

    lines = list(csv.reader(io.StringIO(to_csv(table))))
    assert lines[0][:4] == ["序号", "单位", "检查生产经营单位（家次）", "出动行政执法人员（人次）"]
    assert lines[0][4] == "使用执法文书（份）·现场"
    assert lines[0][20] == "处罚罚款金额（万元）·小计"
    total = ["5", "12", "5", "2", "1", "1", "1", "10", "2", "1", "4.00", "1", "1", "0", "3.00", "75.00", "1.00"]
    assert lines[1] == ["", "合计", *total, "25.00", "4.00"]
    assert lines[3][:2] == ["2", "尧都区"] and lines[3][12] == "3.00" and lines[3][17] == "100.00"
    assert len(lines) == 5


def test_a_county_user_sees_only_their_county(world: World) -> None:
    county_admin = world.bureau.people["bureau_admin"]  # subtree scope at 尧都区
    table = _table(world, county_admin)
    assert [r.label for r in table.rows] == ["尧都区"]
    assert table.rows[0].cells == YAODU
    assert table.total.cells == YAODU  # 合计 over what the user sees, nothing else

    # A handler (team scope) of 曲沃县 sees 曲沃县 only, and 尧都区's table does not exist for them.
    assert [r.label for r in _table(world, world.quwo.handler).rows] == ["曲沃县"]
    with pytest.raises(NotFound):
        _table(world, world.quwo.handler, world.yaodu.org_id)


def test_facts_count_issued_documents_by_issue_date(world: World) -> None:
    with world.archive.kernel.db.read() as s:
        facts = inspection_facts(s, org_ids={world.yaodu.org_id}, start=START, end=END)
        assert sorted((f.kind, f.officers, f.date) for f in facts) == [
            ("inspection", 2, dt.date(2025, 2, 1)),
            ("inspection", 3, dt.date(2025, 3, 5)),
            ("reinspection", 2, dt.date(2025, 2, 20)),
        ]
        may = inspection_facts(s, org_ids=None, start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31))
        assert [(f.org_id, f.date) for f in may] == [(world.yaodu.org_id, dt.date(2025, 5, 3))]
        penalties = penalty_facts(s, org_ids=None, start=START, end=END, forms=load_catalogue(None).penalty_forms)
        assert sorted((p.kinds, p.fine, p.case_source) for p in penalties) == [
            (("警告", "罚款"), Decimal("30000.00"), "监督检查"),
            (("责令停产停业", "暂扣许可证件", "罚款"), Decimal("10000.00"), "事故调查"),
        ]


def test_the_table_spec_is_validated(tmp_path: Path) -> None:
    spec = load_tables()
    assert spec.table("xuchang").columns[0].id == "inspections"
    bad = tmp_path / "tables.yaml"
    bad.write_text(
        "version: 1\npenalty_classes: {default: supervision}\ntables:\n"
        "  - id: t\n    title: x\n    columns:\n"
        "      - {id: a, header: A, source: inspections, agg: count, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(StatsTablesError) as exc:
        load_tables(bad)
    assert exc.value.details["errors"][0]["where"] == "tables[t].columns[a].colour"
    bad.write_text(
        "version: 1\npenalty_classes: {default: supervision}\ntables:\n"
        "  - id: t\n    title: x\n    columns:\n"
        "      - {id: a, header: A, source: penalties, agg: sum, field: officers}\n",
        encoding="utf-8",
    )
    with pytest.raises(StatsTablesError, match="not a field of penalties"):
        load_tables(bad)


def test_period_labels() -> None:
    assert period_label(dt.date(2020, 1, 1), dt.date(2020, 4, 30)) == "2020年1-4月份"
    assert period_label(dt.date(2020, 3, 1), dt.date(2020, 3, 31)) == "2020年3月份"
    assert period_label(dt.date(2020, 3, 5), dt.date(2020, 4, 30)) == "2020年3月5日至2020年4月30日"


# -- archive.stats: the service over any table spec ---------------------------------------------------

A2 = [
    "checks",
    "reinspections",
    "enterprises",
    "officers",
    "violations",
    "general_hazards",
    "major_hazards",
    "doc_records",
    "doc_measures",
    "doc_orders",
    "doc_enforcement",
    "doc_reinspections",
    "doc_filings",
    "doc_inquiries",
    "doc_onsite_penalties",
    "doc_penalties",
    "doc_all",
]


def _a2(*values: int) -> dict[str, int]:
    return dict(zip(A2, values, strict=True))


# 尧都区: 2 records + 1 复查 (officers 2+3+2); the records found 2+1 违法, 3+1 一般, 0+1 重大 (the record
# of 5 May with 9 is outside); documents: 2 records, 现决, 责改, 复查, 立案, 决定书 — 7 in all.
A2_YAODU = _a2(3, 1, 1, 7, 3, 4, 1, 2, 1, 1, 0, 1, 1, 0, 0, 1, 7)
# 曲沃县: 1 record (3 officers; 1 违法, 2 重大), 查封扣押决定书, 立案, 决定书.
A2_QUWO = _a2(1, 0, 1, 3, 1, 0, 2, 1, 0, 0, 1, 0, 1, 0, 0, 1, 4)
# 市本级: 1 record by 2 officers, no counts filled in.
A2_CITY = _a2(1, 0, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1)
# 合计: the sums — except 检查单位（家）, one enterprise however many units inspected it.
A2_TOTAL = _a2(5, 1, 1, 12, 4, 4, 3, 4, 1, 1, 1, 1, 2, 0, 0, 2, 12)


def test_the_a2_table_is_a_second_spec_in_data(world: World) -> None:
    stats = world.archive.stats
    assert [t.id for t in stats.tables()] == ["xuchang", "a2"]
    spec = next(t for t in stats.tables() if t.id == "a2")
    assert spec.name == "基础A2表 安全生产执法检查情况（重构）"
    assert [c.id for c in spec.columns] == A2
    assert {c.id: c.group for c in spec.columns}["major_hazards"] == "findings"
    assert spec.groups[1] == GroupHeader(id="findings", header="查处违法违规行为和事故隐患（项）")

    table = stats.table(actor=world.bureau.admin, table_id="a2", org=world.bureau.city_id, start=START, end=END)
    assert table.title == "临汾市安全生产执法检查情况（基础A2表，2025年1-4月份）"
    headers = {c.id: (c.group_header, c.header) for c in table.columns}
    assert headers["reinspections"] == ("执法检查", "其中：整改复查（家次）")
    assert headers["enterprises"] == ("执法检查", "检查生产经营单位（家）")
    assert headers["violations"] == ("查处违法违规行为和事故隐患（项）", "违法违规行为")
    assert headers["doc_all"] == ("执法文书（份）", "合计")
    rows = {r.label: r.cells for r in table.rows}
    assert list(rows) == ["市本级", "尧都区", "曲沃县"]
    assert rows == {"市本级": A2_CITY, "尧都区": A2_YAODU, "曲沃县": A2_QUWO}
    assert table.total == TotalRow(label="合计", cells=A2_TOTAL)

    # The same renderers as for every table: three groups merged over their columns.
    ws = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert {"A1:S1", "C2:F2", "G2:I2", "J2:S2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(row=4, column=3 + k).value for k in range(len(A2))] == list(A2_TOTAL.values())


def test_the_service_table_by_id_name_or_default_org(world: World) -> None:
    stats, bureau = world.archive.stats, world.bureau
    by_id = stats.table(actor=bureau.admin, org=bureau.city_id, start=START, end=END)
    assert by_id == _table(world, bureau.admin)  # the xuchang table is the default
    assert stats.table(actor=bureau.admin, org=str(bureau.city_id), start=START, end=END) == by_id
    assert stats.table(actor=bureau.admin, org="临汾市应急管理局", start=START, end=END) == by_id
    # The platform administrator has no organisation: the one top-level organisation is counted.
    assert stats.table(actor=bureau.admin, start=START, end=END) == by_id
    # Anyone else: their own organisation.
    county = stats.table(actor=bureau.people["bureau_admin"], start=START, end=END)
    assert county.org_id == world.yaodu.org_id and county.total.cells == YAODU

    data = stats_table_json(by_id)  # the one JSON form (API, CLI, web): numbers as numbers, dates ISO
    assert json.loads(json.dumps(data)) == data and "ranking" not in data
    assert data["period"] == {"start": "2025-01-01", "end": "2025-04-30", "label": "2025年1-4月份"}
    assert data["total"]["cells"]["fines"] == 4.0 and data["total"]["cells"]["inspections"] == 5


def test_ranking_shares_ranks_on_ties(world: World) -> None:
    stats = world.archive.stats
    table = stats.table(actor=world.bureau.admin, start=START, end=END)
    # 立案数: 尧都区 1, 曲沃县 1, 市本级 0 → 1, 1, 3 (ties keep the table's order).
    assert [(r.rank, r.label, r.value) for r in stats.rank(table, "filings")] == [
        (1, "尧都区", 1),
        (1, "曲沃县", 1),
        (3, "市本级", 0),
    ]
    # 检查家次: 尧都区 3, then 市本级 and 曲沃县 with 1 each share 2nd place.
    assert [(r.rank, r.label) for r in stats.rank(table, "inspections")] == [
        (1, "尧都区"),
        (2, "市本级"),
        (2, "曲沃县"),
    ]
    ascending = stats.rank(table, "fines", descending=False)
    assert [(r.rank, r.label, r.value) for r in ascending] == [
        (1, "市本级", D("0.00")),
        (2, "曲沃县", D("1.00")),
        (3, "尧都区", D("3.00")),
    ]
    assert ascending[0].org_id == world.bureau.city_id and ascending[0].own
    ranked = stats.ranked(table, "fines")
    assert [r.label for r in ranked.rows] == ["尧都区", "曲沃县", "市本级"]
    assert ranked.total == table.total and ranked.ranking[0].value == D("3.00")
    with pytest.raises(UnknownColumn) as exc:
        stats.rank(table, "nonsense")
    assert exc.value.code == "stats_column_unknown" and "filings" in exc.value.details["known"]


def test_facts_behind_the_table_within_the_actors_scope(world: World) -> None:
    stats, bureau, archive = world.archive.stats, world.bureau, world.archive
    inspections = stats.facts(actor=bureau.admin, source="inspections", start=START, end=END)
    assert all(isinstance(r.fact, InspectionFact) and r.penalty_class is None for r in inspections)
    assert len(inspections) == TOTAL["inspections"]
    assert sum(r.fact.officers for r in inspections if isinstance(r.fact, InspectionFact)) == TOTAL["officers"]
    first = inspections[0]
    assert first.fact.date == dt.date(2025, 2, 1) and first.org == "临汾市尧都区应急管理局"
    assert isinstance(first.fact, InspectionFact)
    assert (first.fact.kind, first.fact.violations, first.fact.general_hazards, first.fact.major_hazards) == (
        "inspection",
        2,
        3,
        0,
    )
    penalties = stats.facts(actor=bureau.admin, source="penalties", org="临汾市应急管理局", start=START, end=END)
    assert sorted(
        (p.fact.fine, p.penalty_class, p.fact.kinds) for p in penalties if isinstance(p.fact, PenaltyFact)
    ) == [
        (Decimal("10000.00"), "accident", ("责令停产停业", "暂扣许可证件", "罚款")),
        (Decimal("30000.00"), "supervision", ("警告", "罚款")),
    ]
    # As JSON (API, CLI): flat, dates ISO, fines (元) numbers, kinds a list.
    assert stats_fact_json(penalties[0])["fine"] == 30000.0 and stats_fact_json(first)["date"] == "2025-02-01"
    assert "penalty_class" not in stats_fact_json(first) and stats_fact_json(penalties[0])["kinds"] == ["警告", "罚款"]
    documents = stats.facts(actor=bureau.admin, source="documents", start=START, end=END)
    assert len(documents) == A2_TOTAL["doc_all"]

    # The county's administrator: the county's records only, even when asking for the city.
    county = stats.facts(
        actor=bureau.people["bureau_admin"], source="documents", org=bureau.city_id, start=START, end=END
    )
    assert len(county) == A2_YAODU["doc_all"] and {r.fact.org_id for r in county} == {world.yaodu.org_id}
    # A handler (team scope) sees the facts of the cases they handle: 李娜 is on one inspection case
    # only — while the table shows her organisation's counts.
    li = add_user(archive, bureau.admin, "u-li", officer_id=world.yaodu.officer_ids[-1])
    mine = stats.facts(actor=li, source="documents", start=START, end=END)
    assert sorted(r.fact.form_id for r in mine) == ["inspection_record", "onsite_measures_decision"]
    assert stats.table(actor=li, start=START, end=END).total.cells == YAODU
    # Another organisation's facts do not exist for a county user.
    with pytest.raises(NotFound) as exc:
        stats.facts(actor=world.quwo.handler, source="inspections", org=world.yaodu.org_id, start=START, end=END)
    assert exc.value.code == "org_not_found"


def test_bad_input_is_refused_with_a_code(world: World) -> None:
    stats, admin = world.archive.stats, world.bureau.admin
    cases: list[tuple[Any, type[Exception], str]] = [
        (lambda: stats.table(actor=admin, table_id="a9", start=START, end=END), UnknownTable, "stats_table_unknown"),
        (lambda: stats.table(actor=admin, start=END, end=START), InvalidPeriod, "stats_period_invalid"),
        (lambda: stats.facts(actor=admin, source="cases", start=START, end=END), UnknownSource, "stats_source_unknown"),
        (
            lambda: stats.facts(actor=admin, source="documents", start=END, end=START),
            InvalidPeriod,
            "stats_period_invalid",
        ),
        (lambda: stats.table(actor=admin, org="不存在的应急管理局", start=START, end=END), NotFound, "org_not_found"),
        (lambda: stats.table(actor=admin, org=99999, start=START, end=END), NotFound, "org_not_found"),
        (
            lambda: stats.table(actor=world.quwo.handler, org=world.yaodu.org_id, start=START, end=END),
            NotFound,
            "org_not_found",
        ),
    ]
    for call, kind, code in cases:
        with pytest.raises(kind) as exc:
            call()
        assert exc.value.code == code  # type: ignore[attr-defined]
        assert exc.value.message_zh and exc.value.message_en  # type: ignore[attr-defined]
    assert isinstance(UnknownTable("x", []), NotFound) and not isinstance(InvalidPeriod(END, START), NotFound)


@pytest.mark.both_databases
def test_two_top_level_organisations_make_the_administrator_choose(archive: Archive, bureau: Bureau) -> None:
    admin = bureau.admin
    assert archive.stats.table(actor=admin, start=START, end=END).rows  # one city: the default
    archive.registry.create_org(actor=admin, name="运城市应急管理局", area="晋运", code="应急", level="city")
    with pytest.raises(OrgRequired) as exc:
        archive.stats.table(actor=admin, start=START, end=END)
    assert exc.value.code and exc.value.message_zh
