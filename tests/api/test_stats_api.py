"""执法统计 at the edges: ``anjuan stats`` (whole command lines, in-process, on the archive's own data directory)
and ``/api/stats`` (HTTP), over the city and two counties of tests/archive/test_stats.py."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.api.routes.stats import XLSX_MEDIA_TYPE
from anjuan.archive.db import Database
from anjuan.templates.convert import FakeConverter
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.archive.test_stats import A2, A2_TOTAL, COLUMNS, TOTAL, World, build_world
from tests.fixtures.archive import PASSWORD, make_archive
from tests.fixtures.cli import run_anjuan
from tests.fixtures.db import make_database

FROM, TO = "2025-01-01", "2025-04-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The statistics world in ``DIR/data`` with its SQLite file there too, where the CLI finds it.
    Built once for the module: the tests only read it (the statistics read documents, not pages,
    so the fake converter renders them)."""
    directory = tmp_path_factory.mktemp("stats-api")
    data = directory / "data"
    data.mkdir()
    with FakeConverter() as fake:
        for db in make_database("sqlite", data):
            for archive in make_archive(db, fake, directory, enforce_gates=False):
                yield build_world(archive)


def _token(world: World, username: str) -> str:
    return world.archive.accounts.login(username=username, password=PASSWORD).token


def _cli(world: World, tmp_path: Path, *args: str, user: str = "admin", columns: int = 80) -> Any:
    db: Database = world.archive.kernel.db
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(world.archive.kernel.settings.data_dir),
        "ANJUAN_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "ANJUAN_PKI_PASSPHRASE": "test passphrase, not a secret",
        "ANJUAN_TOKEN": _token(world, user),
        "COLUMNS": str(columns),
    }
    env.pop("ANJUAN_USER", None)
    # In-process (tests/fixtures/cli.py): the same entry point, without a second of start-up per line.
    return run_anjuan(args, env=env, cwd=tmp_path, in_process=True)


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _ok(result: Any) -> str:
    assert result.returncode == 0, result.stderr
    return str(result.stdout)


def test_stats_on_the_command_line(world: World, tmp_path: Path) -> None:
    """``anjuan stats`` as a terminal user runs it: one real process per output form (slow on purpose)."""
    # JSON: the service's table, numbers as numbers.
    data = json.loads(_ok(_cli(world, tmp_path, "stats", "--from", FROM, "--to", TO, "--json")))
    assert data["title"] == "临汾市安全生产监管执法情况报表（2025年1-4月份）"
    assert [c["id"] for c in data["columns"]] == COLUMNS
    assert data["total"]["cells"]["inspections"] == TOTAL["inspections"] and data["total"]["cells"]["fines"] == 4.0
    assert [r["label"] for r in data["rows"]] == ["市本级", "尧都区", "曲沃县"]

    # Text on a narrow terminal: turned over, one line per column, aligned under 合计 and the units.
    narrow = _ok(_cli(world, tmp_path, "stats", "--from", FROM, "--to", TO, "--org", "临汾市应急管理局"))
    lines = narrow.splitlines()
    assert lines[0] == data["title"] and lines[1] == "临汾市应急管理局  2025年1-4月份"
    head = next(line for line in lines if line.startswith("指标"))
    assert head.split() == ["指标", "合计", "市本级", "尧都区", "曲沃县"]
    row = next(line for line in lines if line.startswith("处罚罚款金额（万元）·占比（%）"))
    assert row.split()[1:] == ["75.00", "0.00", "100.00", "0.00"]
    ends = {_width(line) for line in lines if line.startswith(("检查生产经营单位", "立案数", "行政处罚·罚款"))}
    assert len(ends) == 1  # right-aligned numbers end in the same terminal column

    # A wide terminal: units as rows under the headers, the groups' headers above their columns.
    wide = _ok(_cli(world, tmp_path, "stats", "--from", FROM, "--to", TO, columns=400)).splitlines()
    assert "使用执法文书（份）" in wide[3] and "处罚罚款金额（万元）" in wide[3]
    assert wide[4].split()[:4] == ["单位", "检查生产经营单位（家次）", "出动行政执法人员（人次）", "现场"]
    assert wide[6].split()[:4] == ["合计", "5", "12", "5"] and wide[8].split()[:3] == ["尧都区", "3", "7"]

    # Another table, ranked, with the spreadsheet and CSV written alongside.
    out_xlsx, out_csv = tmp_path / "a2.xlsx", tmp_path / "a2.csv"
    ranked = _ok(
        _cli(
            world,
            tmp_path,
            "stats",
            "--from",
            FROM,
            "--to",
            TO,
            "--table",
            "a2",
            "--rank",
            "violations",
            "--xlsx",
            str(out_xlsx),
            "--csv",
            str(out_csv),
        )
    )
    assert "排名 ranking: 查处违法违规行为和事故隐患（项）·违法违规行为（降序 descending）" in ranked
    ranking = ranked[ranked.index("排名 ranking") :].splitlines()
    assert [line.split() for line in ranking[3:6]] == [["1", "尧都区", "3"], ["2", "曲沃县", "1"], ["3", "市本级", "0"]]
    ws = load_workbook(out_xlsx).active
    assert [ws.cell(row=4, column=3 + k).value for k in range(len(A2))] == list(A2_TOTAL.values())
    assert [ws.cell(row=r, column=2).value for r in (5, 6, 7)] == ["尧都区", "曲沃县", "市本级"]  # ranked order
    assert list(csv.reader(io.StringIO(out_csv.read_text("utf-8"))))[1][1] == "合计"

    # The list of tables and the facts.
    assert "a2" in _ok(_cli(world, tmp_path, "stats", "tables"))
    facts = json.loads(_ok(_cli(world, tmp_path, "stats", "facts", "penalties", "--from", FROM, "--to", TO, "--json")))
    assert sorted(f["fine"] for f in facts) == [10000.0, 30000.0]
    listing = _ok(_cli(world, tmp_path, "stats", "facts", "inspections", "--from", FROM, "--to", TO))
    assert listing.startswith("inspections 2025-01-01 – 2025-04-30: 5") and "临汾市曲沃县应急管理局" in listing


def test_bad_stats_input_exits_non_zero(world: World, tmp_path: Path) -> None:
    """Each refusal is its own real ``anjuan stats`` process (≈ 1 s of start-up each: slow on purpose)."""
    for args, code in [
        (["stats", "--from", FROM], "stats_period_required"),
        (["stats", "--from", "2025-13-01", "--to", TO], "bad_date"),
        (["stats", "--from", TO, "--to", FROM], "stats_period_invalid"),
        (["stats", "--from", FROM, "--to", TO, "--table", "a9"], "stats_table_unknown"),
        (["stats", "--from", FROM, "--to", TO, "--rank", "nonsense"], "stats_column_unknown"),
        (["stats", "--from", FROM, "--to", TO, "--org", "不存在的应急管理局"], "org_not_found"),
        (["stats", "facts", "cases", "--from", FROM, "--to", TO], "stats_source_unknown"),
    ]:
        result = _cli(world, tmp_path, *args)
        assert result.returncode == 1 and result.stdout == "", (args, result.stdout)
        assert f"[{code}]" in result.stderr and " / " in result.stderr  # 中文 / English
    as_json = _cli(world, tmp_path, "stats", "--from", TO, "--to", FROM, "--json")
    assert as_json.returncode == 1 and json.loads(as_json.stderr)["error"]["code"] == "stats_period_invalid"
    # Someone else's organisation does not exist for a county handler.
    other = _cli(
        world,
        tmp_path,
        "stats",
        "--from",
        FROM,
        "--to",
        TO,
        "--org",
        str(world.yaodu.org_id),
        user=world.quwo.handler.name,
    )
    assert other.returncode == 1 and "[org_not_found]" in other.stderr


# -- HTTP ---------------------------------------------------------------------------------------------


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(archive=world.archive)) as client:
        yield client


def _auth(world: World, username: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(world, username)}"}


def test_stats_over_http(world: World, client: TestClient) -> None:
    admin = _auth(world)
    specs = client.get("/api/stats/tables", headers=admin).json()
    assert [s["id"] for s in specs] == ["xuchang", "a2"]
    assert {"id", "header", "unit", "group"} <= set(specs[0]["columns"][0])

    period = {"from": FROM, "to": TO}
    response = client.get("/api/stats/xuchang", params=period, headers=admin)
    assert response.status_code == 200, response.text
    table = response.json()
    assert table["total"]["cells"]["fine_supervision_share"] == 75.0
    assert table["period"] == {"start": FROM, "end": TO, "label": "2025年1-4月份"}
    by_name = client.get("/api/stats/xuchang", params={**period, "org": "临汾市应急管理局"}, headers=admin).json()
    assert by_name == table

    ranked = client.get("/api/stats/xuchang", params={**period, "rank": "inspections"}, headers=admin).json()
    assert [(r["rank"], r["label"]) for r in ranked["ranking"]] == [(1, "尧都区"), (2, "市本级"), (2, "曲沃县")]
    asc = client.get("/api/stats/xuchang", params={**period, "rank": "fines", "order": "asc"}, headers=admin).json()
    assert [r["label"] for r in asc["rows"]] == ["市本级", "曲沃县", "尧都区"]

    # XLSX: the media type, a filename, the merged headers, and 合计 equal to the JSON table's.
    xlsx = client.get("/api/stats/xuchang", params={**period, "format": "xlsx"}, headers=admin)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    disposition = xlsx.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="xuchang-2025-01-01-2025-04-30.xlsx"')
    assert "filename*=UTF-8''" in disposition
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert {"A1:U1", "A2:A3", "C2:C3", "E2:J2", "L2:P2", "Q2:U2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["E2"].value == "使用执法文书（份）" and ws["B4"].value == "合计"
    assert {col: ws.cell(row=4, column=3 + k).value for k, col in enumerate(COLUMNS)} == table["total"]["cells"]
    rows = {ws.cell(row=r, column=2).value: r for r in range(5, 8)}
    for unit in table["rows"]:
        assert [ws.cell(row=rows[unit["label"]], column=3 + k).value for k in range(len(COLUMNS))] == [
            unit["cells"][c] for c in COLUMNS
        ]

    csv_response = client.get("/api/stats/a2", params={**period, "format": "csv"}, headers=admin)
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert 'filename="a2-2025-01-01-2025-04-30.csv"' in csv_response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(csv_response.text)))
    assert lines[1] == ["", "合计", *(str(v) for v in A2_TOTAL.values())]

    facts = client.get("/api/stats/facts/inspections", params=period, headers=admin).json()
    assert len(facts) == 5 and {f["kind"] for f in facts} == {"inspection", "reinspection"}


def test_stats_http_scope_and_errors(world: World, client: TestClient) -> None:
    period = {"from": FROM, "to": TO}
    county = _auth(world, world.bureau.people["bureau_admin"].name)
    own = client.get("/api/stats/xuchang", params=period, headers=county).json()
    assert [r["label"] for r in own["rows"]] == ["县本级"]
    city = client.get("/api/stats/xuchang", params={**period, "org": world.bureau.city_id}, headers=county).json()
    assert [r["label"] for r in city["rows"]] == ["尧都区"]
    facts = client.get("/api/stats/facts/documents", params={**period, "org": world.bureau.city_id}, headers=county)
    assert {f["org_id"] for f in facts.json()} == {world.yaodu.org_id}

    admin = _auth(world)
    for path, params, headers, status, code in [
        ("/api/stats/xuchang", period, {}, 401, "unauthenticated"),
        ("/api/stats/a9", period, admin, 404, "stats_table_unknown"),
        ("/api/stats/xuchang", {"from": TO, "to": FROM}, admin, 400, "stats_period_invalid"),
        ("/api/stats/xuchang", {**period, "rank": "nonsense"}, admin, 400, "stats_column_unknown"),
        (
            "/api/stats/xuchang",
            {**period, "org": world.yaodu.org_id},
            _auth(world, world.quwo.handler.name),
            404,
            "org_not_found",
        ),
        ("/api/stats/facts/cases", period, admin, 404, "stats_source_unknown"),
        ("/api/stats/xuchang", {"from": FROM}, admin, 422, "bad_request"),
        ("/api/stats/xuchang", {**period, "format": "pdf"}, admin, 422, "bad_request"),
    ]:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == status, (path, params, response.text)
        error = response.json()["error"]
        assert error["code"] == code and error["message_zh"] and error["message_en"]
