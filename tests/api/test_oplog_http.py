"""操作日志 at the edges: ``GET /api/audit/events`` (filters, scope, typed ids and dates), ``anjuan
audit log`` and the web page with its chain status — over the test bureau and a second county."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient

from tests.archive.test_oplog import World, build_world
from tests.fixtures.archive import PASSWORD, Bureau
from tests.fixtures.cli import run_anjuan


@pytest.fixture
def world(archive: Archive, bureau: Bureau) -> World:
    return build_world(archive, bureau)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(archive=world.archive), follow_redirects=False) as client:
        yield client


def _auth(world: World, username: str) -> dict[str, str]:
    token = world.archive.accounts.login(username=username, password=PASSWORD).token
    return {"Authorization": f"Bearer {token}"}


def _events(client: TestClient, headers: dict[str, str], status: int = 200, **query: Any) -> Any:
    r = client.get("/api/audit/events", params=query, headers=headers)
    assert r.status_code == status, r.text
    return r.json()


def test_the_api_lists_filters_and_keeps_counties_apart(client: TestClient, world: World) -> None:
    county = _auth(world, "county-admin")
    body = _events(client, county, limit=200)
    assert body["chain"]["ok"] and "审计链完整" in body["chain"]["text_zh"]
    rows = body["events"]
    assert rows and not any(r["case_id"] == world.other_case_id for r in rows)
    created = next(r for r in rows if r["action"] == "created" and r["object"]["kind"] == "case")
    assert created["person"] == "张伟" and created["action_zh"] == "新建"
    assert created["object"]["url"] == f"/web/cases/{world.case_id}" and created["at"].endswith("+00:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created["at_beijing"])
    # filters: who (by name), what, which case, a period
    mine = _events(client, county, actor="张伟", action="created", case_id=world.case_id)["events"]
    assert [r["object"]["id"] for r in mine] == [world.case_id]
    assert not _events(client, county, since="2099-01-01")["events"]
    # another county's case is not there (404, as on every endpoint), and neither are its events
    refused = _events(client, county, 404, case_id=world.other_case_id)
    assert refused["error"]["code"] == "case_not_found" and refused["error"]["message_zh"]
    theirs = _events(client, _auth(world, "quwo-admin"), limit=200)["events"]
    assert theirs and not any(r["case_id"] == world.case_id for r in theirs)
    # a handler may not read the log; no token is 401
    assert _events(client, _auth(world, world.bureau.handler.name), 403)["error"]["code"] == "not_permitted"
    assert _events(client, {}, 401)["error"]["code"] == "unauthenticated"
    # typed ids and checked dates and limits: 422 with a code, never a 500
    assert _events(client, county, 422, case_id=0)["error"]["message_zh"]
    assert _events(client, county, 422, since="1000-01-01")["error"]["message_zh"]
    assert _events(client, county, 422, since="2026-02-30")["error"]["message_zh"]
    too_many = _events(client, county, 422, limit=10_000)["error"]
    assert too_many["code"] == "limit_out_of_range" and "200" in too_many["message_zh"]
    # the OpenAPI document declares the refusals
    responses = client.get("/openapi.json").json()["paths"]["/api/audit/events"]["get"]["responses"]
    assert {"401", "403", "422"} <= set(responses)


def test_anjuan_audit_log_lists_with_filters(world: World, tmp_path: Path) -> None:
    archive = world.archive
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(archive.kernel.settings.data_dir),
        "ANJUAN_DATABASE_URL": archive.kernel.db.engine.url.render_as_string(hide_password=False),
        "ANJUAN_PKI_PASSPHRASE": "test passphrase, not a secret",
        "ANJUAN_TOKEN": archive.accounts.login(username="county-admin", password=PASSWORD).token,
    }
    env.pop("ANJUAN_USER", None)
    text = run_anjuan(["audit", "log", "--case", str(world.case_id)], env=env, cwd=tmp_path, in_process=True)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("审计链完整") and "张伟\t新建\t案件" in text.stdout
    data = json.loads(
        run_anjuan(
            ["audit", "log", "--actor", "张伟", "--action", "created", "--json"], env=env, cwd=tmp_path, in_process=True
        ).stdout
    )
    assert data["chain"]["ok"] and [e["object"]["id"] for e in data["events"]] == [world.case_id]
    other = run_anjuan(["audit", "log", "--case", str(world.other_case_id)], env=env, cwd=tmp_path, in_process=True)
    assert other.returncode == 1 and "案件" in other.stderr and "Traceback" not in other.stderr
    bad = run_anjuan(["audit", "log", "--since", "2026-13-01"], env=env, cwd=tmp_path, in_process=True)
    assert bad.returncode == 1 and "日期" in bad.stderr


def _web_login(client: TestClient, username: str) -> None:
    match = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
    assert match
    form = {"username": username, "password": PASSWORD, "next": "/web/", "csrf": match.group(1)}
    assert client.post("/web/login", data=form).status_code == 303


def test_the_page_shows_the_chain_the_filters_and_links(client: TestClient, world: World) -> None:
    _web_login(client, world.bureau.people["赵敏"].name)  # 执法监督人员 + 法制审核
    assert 'href="/web/audit"' in client.get("/web/").text  # the menu offers it
    page = client.get("/web/audit", params={"case": world.case_id})
    assert page.status_code == 200
    html = page.text
    assert 'id="chain-status" class="panel" data-ok="true"' in html and "审计链完整" in html
    assert f'href="/web/cases/{world.case_id}"' in html and "张伟" in html and "新建" in html
    assert 'name="since"' in html and 'name="actor"' in html
    assert client.get("/web/audit", params={"case": world.other_case_id}).status_code == 404
    bad = client.get("/web/audit", params={"since": "not a date"})
    assert bad.status_code == 422 and "起始日期" in bad.text


def test_a_handler_has_no_log_page_nor_menu_entry(client: TestClient, world: World) -> None:
    _web_login(client, world.bureau.handler.name)
    assert 'href="/web/audit"' not in client.get("/web/").text
    assert client.get("/web/audit").status_code == 403


def test_the_page_says_where_the_chain_breaks(client: TestClient, world: World) -> None:
    archive = world.archive
    db = archive.kernel.db
    with db.engine.begin() as conn:  # what someone with database rights could do
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
        conn.exec_driver_sql("UPDATE events SET action = 'closed' WHERE seq = 4")
    _web_login(client, "county-admin")
    html = client.get("/web/audit").text
    status = html[html.index('id="chain-status"') : html.index("</p>", html.index('id="chain-status"'))]
    assert 'data-ok="false"' in status and "审计链断裂" in status and "第4条" in status
    body = _events(client, _auth(world, "county-admin"))
    assert body["chain"]["ok"] is False and body["chain"]["broken_seq"] == 4
