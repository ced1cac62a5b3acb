"""The web UI over HTTP without a browser: sessions, CSRF, errors as pages, forms read back, jobs,
and the downloads a user takes away (statistics XLSX, notices CSV). The browser flows are in
test_flows.py."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.api.web.formfields import read_fields, views
from anjuan.api.web.jobs import JobRunner
from anjuan.archive.catalogue import FieldSpec, FormSpec
from anjuan.archive.errors import Conflict
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from starlette.datastructures import FormData

from tests.fixtures.archive import PASSWORD, Bureau, add_user


@pytest.fixture
def world(archive: Archive, bureau: Bureau) -> tuple[Archive, Bureau]:
    """The shared test bureau (tests/fixtures/archive.py): pages read what the archive holds."""
    return archive, bureau


@pytest.fixture
def client(world: tuple[Archive, Bureau]) -> Iterator[TestClient]:
    with TestClient(create_app(archive=world[0]), follow_redirects=False) as client:
        yield client


def login_post(client: TestClient, data: dict[str, str]) -> Any:
    """Post the login form as a browser does: its double-submit CSRF token (cookie + hidden field)
    comes from the login page first."""
    match = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
    assert match
    return client.post("/web/login", data={**data, "csrf": match.group(1)})


def _login(client: TestClient, username: str) -> str:
    r = login_post(client, {"username": username, "password": PASSWORD, "next": "/web/cases"})
    assert r.status_code == 303 and r.headers["location"] == "/web/cases"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    return _csrf(client)


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="(\w+)"', client.get("/web/").text)
    assert match
    return match.group(1)


def test_pages_need_a_login_and_come_back_after_it(client: TestClient, world: tuple[Archive, Bureau]) -> None:
    r = client.get("/web/cases?status=open")
    assert r.status_code == 303
    assert r.headers["location"] == "/web/login?next=/web/cases%3Fstatus%3Dopen"
    assert client.get("/").headers["location"] == "/web/"
    bad = login_post(client, {"username": world[1].handler.name, "password": "wrong", "next": "/web/"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    _login(client, world[1].handler.name)
    assert client.get("/web/cases").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/web/", "/api/users", "javascript:x"])
def test_login_never_redirects_off_the_site(client: TestClient, world: tuple[Archive, Bureau], target: str) -> None:
    r = login_post(client, {"username": world[1].handler.name, "password": PASSWORD, "next": target})
    assert r.status_code == 303 and r.headers["location"] == "/web/"


def test_a_post_without_the_csrf_token_changes_nothing(client: TestClient, world: tuple[Archive, Bureau]) -> None:
    archive, bureau = world
    token = _login(client, bureau.handler.name)
    form = {
        "org_id": str(bureau.org_id),
        "kind": "inspection",
        "procedure": "general",
        "officer_ids": [str(i) for i in bureau.officer_ids],
        "party_mode": "existing",
        "party_id": str(bureau.party_id),
    }
    refused = client.post("/web/cases/new", data=form)
    assert refused.status_code == 403 and 'data-code="csrf_failed"' in refused.text
    forged = client.post("/web/cases/new", data={**form, "csrf": "0" * 32})
    assert forged.status_code == 403
    assert archive.registry.cases(actor=bureau.handler) == []
    made = client.post("/web/cases/new", data={**form, "csrf": token})
    assert made.status_code == 303 and len(archive.registry.cases(actor=bureau.handler)) == 1
    # htmx sends the token as a header instead of a field
    case_id = archive.registry.cases(actor=bureau.handler)[0].id
    assert client.post(f"/web/cases/{case_id}/close", headers={"X-CSRF-Token": "f" * 32}).status_code == 403
    r = client.post(f"/web/cases/{case_id}/close", headers={"X-CSRF-Token": token})
    assert r.status_code == 303 and archive.registry.case(actor=bureau.handler, case_id=case_id).status == "closed"


def test_archive_errors_are_pages_with_the_apis_status_and_code(
    client: TestClient, world: tuple[Archive, Bureau]
) -> None:
    archive, bureau = world
    _login(client, bureau.handler.name)
    missing = client.get("/web/cases/999")
    assert missing.status_code == 404 and "<html" in missing.text
    assert re.search(r'data-code="\w*not_found"', missing.text) and "未找到" in missing.text
    # Another county's case does not exist for this handler either (scope → 404, never 403).
    other = archive.registry.create_org(
        actor=bureau.admin, name="临汾市洪洞县应急管理局", area="晋临", code="应急", level="county"
    )
    officer = archive.registry.create_officer(
        actor=bureau.admin, org_id=other.id, name="李强", cert_no="14100220210099"
    )
    outsider = add_user(archive, bureau.admin, "lq", officer_id=officer.id)
    theirs = archive.registry.create_case(
        actor=outsider, org_id=other.id, kind="inspection", party_id=bureau.party_id, officer_ids=[officer.id]
    )
    assert client.get(f"/web/cases/{theirs.id}").status_code == 404
    bad = client.get("/web/cases/1/documents/new")  # the form id is missing
    assert bad.status_code == 422 and 'data-code="bad_request"' in bad.text
    assert client.get("/api/cases/999").headers["content-type"].startswith("application/json")


def test_a_new_case_form_keeps_the_input_and_names_the_bad_fields(
    client: TestClient, world: tuple[Archive, Bureau]
) -> None:
    archive, bureau = world
    token = _login(client, bureau.handler.name)
    r = client.post(
        "/web/cases/new",
        data={
            "csrf": token,
            "org_id": str(bureau.org_id),
            "kind": "inspection",
            "procedure": "general",
            "name": "保留我的输入",
            "officer_ids": [str(i) for i in bureau.officer_ids],
            "party_mode": "new",
            "party.kind": "organisation",
            "party.name": "某某机械厂",
            "party.credit_code": "123",
        },
    )
    assert r.status_code == 422
    field = re.search(r'id="party.credit_code"[^>]*>(.*?)</div>', r.text, re.S)
    assert 'value="保留我的输入"' in r.text
    assert field is not None and "统一社会信用代码" in r.text and 'class="err"' in r.text
    assert archive.registry.cases(actor=bureau.handler) == []


def _form(*fields: FieldSpec) -> FormSpec:
    return FormSpec(
        id="sample",
        name="样本",
        name_en="sample",
        order=99,
        numbered=False,
        stage="inspection",
        case_kinds=("inspection",),
        fields=fields,
    )


def test_posted_fields_are_read_back_by_type() -> None:
    form = _form(
        FieldSpec(id="title", label="标题"),
        FieldSpec(id="body", label="正文", type="longtext"),
        FieldSpec(id="on", label="日期", type="date"),
        FieldSpec(id="at", label="时间", type="datetime"),
        FieldSpec(id="n", label="数量", type="integer"),
        FieldSpec(id="fine", label="罚款", type="money"),
        FieldSpec(id="flag", label="是否", type="boolean"),
        FieldSpec(id="pick", label="选择", type="choice", choices=("甲", "乙")),
        FieldSpec(id="many", label="多选", type="multichoice", choices=("甲", "乙", "丙")),
        FieldSpec(id="items", label="问题", type="list"),
        FieldSpec(
            id="rows",
            label="物品",
            type="table",
            columns=(FieldSpec(id="name", label="名称"), FieldSpec(id="qty", label="数量")),
        ),
        FieldSpec(id="empty", label="空"),
    )
    posted = FormData(
        [
            ("title", "  检查  "),
            ("body", "第一段\n第二段\n"),
            ("on", "2026-11-20"),
            ("at", "2026-11-20T09:30"),
            ("n", "3"),
            ("fine", "5,000.5"),
            ("flag", "false"),
            ("pick", "乙"),
            ("many", "甲"),
            ("many", "丙"),
            ("items", "一\n\n 二 \n"),
            ("rows.0.name", "甲醇"),
            ("rows.0.qty", "2"),
            ("rows.1.name", ""),
            ("rows.1.qty", ""),
            ("rows.2.name", "乙醇"),
            ("rows.x.name", "ignored"),
            ("empty", "   "),
        ]
    )
    assert read_fields(form, posted) == {
        "title": "检查",
        "body": "第一段\n第二段",
        "on": "2026-11-20",
        "at": "2026-11-20T09:30",
        "n": "3",
        "fine": "5,000.5",  # the archive parses and validates it (archive/fields.py)
        "flag": False,
        "pick": "乙",
        "many": ["甲", "丙"],
        "items": ["一", "二"],
        "rows": [{"name": "甲醇", "qty": "2"}, {"name": "乙醇"}],
    }
    shown = {v.spec.id: v for v in views(form, {"items": ["一", "二"], "flag": True}, {"items": "必填"})}
    assert shown["items"].text == "一\n二" and shown["items"].error == "必填"
    assert shown["flag"].text == "true" and shown["title"].text == ""
    assert len(shown["rows"].rows) == 2  # no rows yet: the spare empty rows


def test_jobs_report_progress_success_and_failure() -> None:
    runner = JobRunner(workers=1)
    release = threading.Event()

    def work(progress: Any) -> tuple[str, Any]:
        progress(1, 4, "第一步")
        release.wait(5)
        progress(4, 4, "最后")
        return "/web/done", {"n": 4}

    job = runner.start(owner="a", title="测试", work=work)
    deadline = time.monotonic() + 5
    while job.stage != "第一步" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.state == "running" and job.percent == 25
    with pytest.raises(Exception, match="job"):
        runner.get(job.id, "someone else")  # only its owner sees a job
    release.set()
    done = runner.wait(job.id, 5)
    assert done.state == "done" and done.percent == 100 and done.result_url == "/web/done"

    def refuse(_progress: Any) -> tuple[str, Any]:
        raise Conflict("不能归档", "cannot file", code="not_closed")

    failed = runner.wait(runner.start(owner="a", title="失败", work=refuse).id, 5)
    assert (failed.state, failed.error_code, failed.error_zh) == ("failed", "not_closed", "不能归档")
    runner.close()


def test_statistics_and_notices_download(client: TestClient, world: tuple[Archive, Bureau]) -> None:
    _archive, bureau = world
    _login(client, bureau.people["赵敏"].name)
    page = client.get("/web/stats?start=2026-01-01&end=2026-12-31")
    assert page.status_code == 200 and "合计" in page.text and "<svg" in page.text
    xlsx = client.get("/web/stats.xlsx?start=2026-01-01&end=2026-12-31")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.merged_cells.ranges  # the grouped headers are merged cells
    csv = client.get("/web/notices.csv?start=2026-01-01&end=2026-12-31")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode()) and "当事人" in csv.text
    bad = client.get("/web/stats?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 400 and "<html" in bad.text


def test_the_administrators_page_lists_the_registry(client: TestClient, world: tuple[Archive, Bureau]) -> None:
    _archive, bureau = world
    _login(client, bureau.people["bureau_admin"].name)
    page = client.get("/web/admin")
    assert page.status_code == 200
    assert "临汾市尧都区应急管理局" in page.text and "14100220190031" in page.text and "county-admin" in page.text
    _login(client, bureau.handler.name)
    assert client.get("/web/admin").status_code == 403  # a handler may not list accounts
