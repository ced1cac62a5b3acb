"""The 工作台 says what to do next (待签发 once every step has approved — over the API and on the page),
and every irreversible step asks first, saying what it freezes (data-confirm, read by anjuan.js)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.demo import load_scenario
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient

from tests.fixtures.archive import PASSWORD, Bureau


@pytest.fixture
def client(archive: Archive, bureau: Bureau) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive), follow_redirects=False) as client:
        yield client


def _plan(archive: Archive, bureau: Bureau) -> tuple[int, int]:
    """A new inspection case and its 现场检查方案 (审核 → 审批), drafted and submitted by 张伟."""
    spec = load_scenario()["cases"][0]
    step = next(d for d in spec["documents"] if d["form"] == "inspection_plan")
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    draft = archive.documents.create_draft(
        actor=bureau.handler,
        case_id=case.id,
        form_key="inspection_plan",
        fields=json.loads(json.dumps(step.get("fields", {}), default=str)),
        doc_date=dt.date.fromisoformat(str(step["date"])),
    )
    archive.approvals.submit(actor=bureau.handler, doc_id=draft.id)
    return case.id, draft.id


def _web_login(client: TestClient, username: str) -> None:
    match = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
    assert match
    form = {"username": username, "password": PASSWORD, "next": "/web/", "csrf": match.group(1)}
    assert client.post("/web/login", data=form).status_code == 303


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_the_desk_says_to_issue_once_every_step_has_approved(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    _case_id, doc_id = _plan(archive, bureau)
    headers = bureau.auth(archive)

    def stage() -> dict[str, Any]:
        r = client.get("/api/desk", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        return {group: [d for d in body[group] if d["id"] == doc_id] for group in body}

    waiting = stage()["waiting"]
    assert waiting and waiting[0]["pending_step_name"] == "审核" and waiting[0]["stage_zh"] == "审批中"
    archive.approvals.decide(actor=bureau.approvers["review"], doc_id=doc_id, opinion="同意。", approve=True)
    assert stage()["waiting"][0]["pending_step_name"] == "审批"
    archive.approvals.decide(actor=bureau.approvers["approve"], doc_id=doc_id, opinion="同意。", approve=True)
    after = stage()
    assert not after["waiting"] and after["to_issue"][0]["stage_zh"] == "待签发"
    assert client.get(f"/api/documents/{doc_id}/approvals", headers=headers).json()["pending_step"] is None

    # the page says it too, with the way to issue it; the document's own badge agrees
    _web_login(client, bureau.handler.name)
    mine = _section(client.get("/web/").text, "my-documents")
    assert "待签发（1）" in mine and f'href="/web/documents/{doc_id}#ready"' in mine and "审批中" not in mine
    page = client.get(f"/web/documents/{doc_id}").text
    assert re.search(r'id="doc-status">待签发<', page)
    issue = re.search(r'<form[^>]*id="issue-form"[^>]*>', page)
    assert issue and "签发后文书不能修改" in issue.group(0)

    # issued, it leaves the desk
    archive.documents.issue(actor=bureau.handler, doc_id=doc_id)
    assert not any(stage().values())
    # sent back at 审核: 被退回, with the next round to come
    _case, again = _plan(archive, bureau)
    archive.approvals.decide(actor=bureau.approvers["review"], doc_id=again, opinion="请补充。", approve=False)
    body = client.get("/api/desk", headers=headers).json()
    assert [d["stage_zh"] for d in body["returned"] if d["id"] == again] == ["被退回"]


def test_irreversible_steps_ask_first_and_say_what_they_freeze(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    empty = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    _web_login(client, bureau.handler.name)
    page = client.get(f"/web/cases/{empty.id}").text
    close = re.search(r'<form[^>]*id="close-form"[^>]*>', page)
    assert close and 'data-confirm="警告：本案尚无任何已签发的文书！' in close.group(0)
    assert "结案后本案不能再制作或修改文书" in close.group(0)
    assert 'id="close-warning"' in page

    # a case with an issued document: the ordinary question, still naming the consequence
    spec = load_scenario()["cases"][0]
    record = next(d for d in spec["documents"] if d["form"] == "inspection_plan")
    bureau.issue(
        archive,
        case_id=empty.id,
        form_key="inspection_plan",
        fields=json.loads(json.dumps(record.get("fields", {}), default=str)),
        doc_date=dt.date.fromisoformat(str(record["date"])),
    )
    page = client.get(f"/web/cases/{empty.id}").text
    close = re.search(r'<form[^>]*id="close-form"[^>]*>', page)
    assert close and 'data-confirm="确定结案？结案后本案不能再制作或修改文书' in close.group(0)
    assert 'id="close-warning"' not in page
    casefile = client.get(f"/web/cases/{empty.id}/casefile").text
    assert 'data-confirm="确定结案？' in casefile

    # the archivist's 归档 says the volume is frozen
    archive.casefiles.close(actor=bureau.handler, case_id=empty.id)
    archivist = "archivist-confirm"
    archive.accounts.create_user(
        actor=bureau.admin, username=archivist, password=PASSWORD, org_id=bureau.org_id, roles=["archivist"]
    )
    client.cookies.clear()
    _web_login(client, archivist)
    filing = re.search(r'<form[^>]*id="file-form"[^>]*>', client.get(f"/web/cases/{empty.id}/casefile").text)
    assert filing and "归档后案卷冻结" in filing.group(0) and "不可再更改" in filing.group(0)


def test_a_superseded_documents_seals_are_intact_and_its_status_says_superseded(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    """更正 issues a second edition: the first one's page still says its seals are valid, and says apart
    that it is no longer in force, linking to the edition that replaces it."""
    spec = load_scenario()["cases"][0]
    step = next(d for d in spec["documents"] if d["form"] == "inspection_plan")
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    first = bureau.issue(
        archive,
        case_id=case.id,
        form_key="inspection_plan",
        fields=json.loads(json.dumps(step.get("fields", {}), default=str)),
        doc_date=dt.date.fromisoformat(str(step["date"])),
    )
    request = archive.changes.request_change(
        actor=bureau.handler,
        doc_id=first.id,
        kind="correct",
        reason="联系人姓名记录有误",
        changes={"contact_person": "李建国"},
    )
    for who in ("赵敏", "孙建军"):
        archive.changes.decide_change(actor=bureau.people[who], request_id=request.id, approve=True, opinion="同意")
    second = archive.changes.apply_change(actor=bureau.people["bureau_admin"], request_id=request.id)

    _web_login(client, bureau.handler.name)
    page = client.get(f"/web/documents/{first.id}").text
    verify = page[page.index('id="verify"') :]
    assert re.search(r'id="seal-status">有效<', verify), verify[:600]
    assert "有问题" not in verify and "完好可信" in verify
    record = verify[verify.index('id="record-status"') :]
    assert "已更正" in record and f'href="/web/documents/{second.id}"' in record and "第2版" in record
    # the edition in force: valid seals and no status line
    current = client.get(f"/web/documents/{second.id}").text
    assert re.search(r'id="seal-status">有效<', current) and 'id="record-status"' not in current
