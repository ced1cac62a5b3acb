"""Values people read on the pages (issue 18): Beijing time, 是/否, amounts with 元 and 大写, dates
as 2026年10月19日, people's names instead of login names, and error pages in Chinese only."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from anjuan.api.app import create_app
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient

from tests.fixtures.archive import PASSWORD, Bureau, issue_scenario
from tests.web.test_pages import login_post

# What must never reach a reader: UTC offsets, ISO datetimes, raw booleans, bare amounts.
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
RAW = re.compile(r"\+00:00|\b(?:true|false|True|False|None)\b")


def visible(page: str) -> str:
    """The text a reader sees: no tags, no attribute values, no scripts."""
    body = page.split("<body", 1)[-1].split(">", 1)[-1]
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


@pytest.fixture
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive), follow_redirects=False) as client:
        yield client


def _login(client: TestClient, username: str) -> None:
    r = login_post(client, {"username": username, "password": PASSWORD, "next": "/web/"})
    assert r.status_code == 303


def test_document_and_case_pages_show_values_as_people_read_them(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    plan = issue_scenario(archive, bureau, 0, until="inspection_plan")["inspection_plan"]
    penalty = issue_scenario(archive, bureau, 1, until="investigation_report")
    _login(client, bureau.handler.name)

    pages = {
        "plan": client.get(f"/web/documents/{plan.id}"),  # 是否双随机抽取 (boolean)
        "inquiry": client.get(f"/web/documents/{penalty['inquiry_notice'].id}"),  # 询问时间 (datetime)
        "report": client.get(f"/web/documents/{penalty['investigation_report'].id}"),  # 拟罚款金额 (money)
        "filing": client.get(f"/web/documents/{penalty['case_filing_approval'].id}"),  # 审批记录 (instants)
        "case": client.get(f"/web/cases/{penalty['investigation_report'].case_id}"),
    }
    texts = {}
    for name, r in pages.items():
        assert r.status_code == 200, name
        texts[name] = text = visible(r.text)
        assert not ISO_INSTANT.search(text), (name, ISO_INSTANT.search(text))
        assert not RAW.search(text), (name, RAW.search(text))
        assert "50000.00" not in text
        # people's names, not login names (制作人 张伟, not u14100220190031)
        assert bureau.handler.name not in text, name

    assert re.search(r"是否双随机抽取\s*是", texts["plan"])
    assert "2026年10月19日 09:30" in texts["inquiry"]  # the form's 询问时间, Beijing wall-clock time
    assert "¥50,000.00（伍万元整）" in texts["report"]
    assert "张伟 ·" in texts["filing"]  # 制作人
    approvals = texts["filing"].split("审批记录", 1)[1]
    assert "赵敏" in approvals and "孙建军" in approvals and "同意" in approvals
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", approvals)  # when, in Beijing time
    case = texts["case"]
    assert re.search(r"拟罚款\s*¥50,000.00（伍万元整）", case)
    assert re.search(r"2026年10月\d{1,2}日", case)  # the documents' dates


def test_error_pages_and_form_errors_are_chinese_only(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    _login(client, bureau.handler.name)
    missing = client.get("/web/cases/999")
    assert missing.status_code == 404 and re.search(r'data-code="\w*not_found"', missing.text)
    # the machine code stays for tools (data-code here, "code" in the API's JSON), not in the text
    text = visible(missing.text)
    assert "未找到" in text and not re.search(r"[A-Za-z]{3,}", text.split("未找到", 1)[1]), text

    # a refused form: each field's Chinese label and message, no English
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    assert client.get("/web/").status_code == 200
    csrf = re.search(r'name="csrf" value="(\w+)"', client.get("/web/").text)
    assert csrf
    r = client.post(
        f"/web/cases/{case.id}/documents/new?form=inspection_plan",
        data={"csrf": csrf.group(1), "doc_date": "2026-02-30"},
    )
    assert r.status_code in (200, 303, 422)
    if r.status_code == 303:
        r = client.get(r.headers["location"])
    refused = visible(r.text)
    assert "invalid fields" not in refused and "is required" not in refused and "must be" not in refused
    assert "procedure/gates.yaml" not in refused and ".yaml" not in refused


def test_an_api_refusal_keeps_its_code(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    r = client.get("/api/cases/999", headers=bureau.auth(archive))
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"].endswith("not_found") and error["message_zh"] and error["message_en"]


def test_users_are_shown_by_name_and_given_one(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    admin = bureau.people["bureau_admin"]
    _login(client, admin.name)
    page = client.get("/web/users").text
    assert "张伟" in page and bureau.handler.name in page  # the officer's name beside the login name
    csrf = re.search(r'name="csrf" value="(\w+)"', page)
    assert csrf
    form = {"csrf": csrf.group(1), "username": "wanghong", "password": "archive-2026", "org_id": str(bureau.org_id)}
    made = client.post("/web/users", data={**form, "display_name": "王红", "roles": ["archivist"]})
    assert made.status_code == 303, made.text
    user = next(u for u in archive.accounts.users(actor=admin) if u.username == "wanghong")
    assert user.display_name == "王红" and user.roles == ("archivist",)
    assert archive.accounts.display_name_of("wanghong") == "王红"
    assert archive.accounts.display_names(["wanghong", bureau.handler.name, "install"]) == {
        "wanghong": "王红",
        bureau.handler.name: "张伟",
        "install": "install",  # no user: the name as logged
    }
    # too long a name is refused beside the field, in Chinese, naming the limit
    long = client.post(f"/web/users/{user.id}/name", data={"csrf": csrf.group(1), "display_name": "王" * 51})
    assert long.status_code == 422 and "姓名：不超过50字" in visible(long.text)
    renamed = client.post(f"/web/users/{user.id}/name", data={"csrf": csrf.group(1), "display_name": "王 红"})
    assert renamed.status_code == 303 and archive.accounts.display_name_of("wanghong") == "王 红"
    # the API takes and gives the name too
    headers = bureau.auth(archive, "bureau_admin")
    r = client.post(
        "/api/users",
        json={"username": "zhoujing", "password": "review-2026", "org_id": bureau.org_id, "display_name": "周静"},
        headers=headers,
    )
    assert r.status_code in (200, 201) and r.json()["display_name"] == "周静"
    listed = {u["username"]: u["display_name"] for u in client.get("/api/users", headers=headers).json()}
    assert listed["zhoujing"] == "周静" and listed[bureau.handler.name] == "张伟"
