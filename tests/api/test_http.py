"""The HTTP API as a client sees it: JSON in, JSON or files out, 4xx errors with stable codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.db import Database
from anjuan.templates.convert import Converter
from fastapi.testclient import TestClient

from tests.archive.test_documents import FIELDS
from tests.fixtures.archive import CREDIT_CODE, make_archive, pdf_text

H = {"X-Anjuan-User": "zhangwei"}


@pytest.fixture
def client(sqlite_database: Database, converter_pool: Converter, tmp_path: Path) -> Iterator[TestClient]:
    for archive in make_archive(sqlite_database, converter_pool, tmp_path):
        with TestClient(create_app(archive=archive)) as client:
            yield client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _setup(client: TestClient) -> dict[str, int]:
    org = _ok(
        client.post(
            "/api/organisations",
            headers=H,
            json={
                "name": "临汾市尧都区应急管理局",
                "area": "晋临",
                "code": "应急",
                "level": "县",
                "review_body": "临汾市尧都区人民政府",
                "court": "临汾市尧都区人民法院",
            },
        ),
        201,
    )
    o1 = _ok(
        client.post(
            "/api/officers",
            headers=H,
            json={"org_id": org["id"], "name": "张伟", "cert_no": "14100220190031"},
        ),
        201,
    )
    reviewer = _ok(
        client.post(
            "/api/officers",
            headers=H,
            json={"org_id": org["id"], "name": "赵敏", "cert_no": "14100220170012", "roles": ["supervisor"]},
        ),
        201,
    )
    deputy = _ok(
        client.post(
            "/api/officers",
            headers=H,
            json={"org_id": org["id"], "name": "孙建军", "cert_no": "14100220120005", "roles": ["deputy"]},
        ),
        201,
    )
    o2 = _ok(
        client.post(
            "/api/officers",
            headers=H,
            json={"org_id": org["id"], "name": "刘洋", "cert_no": "14100220200057"},
        ),
        201,
    )
    party = _ok(
        client.post(
            "/api/parties",
            headers=H,
            json={"kind": "organisation", "name": "临汾市尧都区鑫达化工有限公司", "credit_code": CREDIT_CODE},
        ),
        201,
    )
    case = _ok(
        client.post(
            "/api/cases",
            headers=H,
            json={
                "org_id": org["id"],
                "kind": "penalty",
                "procedure": "general",
                "party_id": party["id"],
                "officer_ids": [o1["id"], o2["id"]],
            },
        ),
        201,
    )
    inspection = _ok(
        client.post(
            "/api/cases",
            headers=H,
            json={
                "org_id": org["id"],
                "kind": "inspection",
                "party_id": party["id"],
                "officer_ids": [o1["id"], o2["id"]],
            },
        ),
        201,
    )
    return {
        "org": org["id"],
        "case": case["id"],
        "inspection": inspection["id"],
        "handler": o1["id"],
        "reviewer": reviewer["id"],
        "deputy": deputy["id"],
    }


def test_draft_preview_issue_download_void(client: TestClient, tmp_path: Path) -> None:
    ids = _setup(client)
    draft = _ok(
        client.post(
            f"/api/cases/{ids['case']}/documents",
            headers=H,
            json={"form": "立案审批表", "fields": FIELDS["case_filing_approval"], "doc_date": "2026-10-15"},
        ),
        201,
    )
    assert draft["status"] == "draft" and draft["number"] is None and draft["form"] == "case_filing_approval"
    preview = client.get(f"/api/documents/{draft['id']}/preview.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert "〔2026〕1号" not in pdf_text(preview.content, tmp_path)  # a draft has no number yet
    docx = client.get(f"/api/documents/{draft['id']}/preview.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    # 立案审批表 needs 审核 + 审批 first: refused now, then submitted, refused to its own submitter,
    # rejected once with a reason, resubmitted and approved by the right people.
    early = client.post(f"/api/documents/{draft['id']}/issue", headers=H)
    assert early.status_code == 409 and early.json()["error"]["code"] == "approval_required"
    doc_url = f"/api/documents/{draft['id']}"
    _ok(client.post(f"{doc_url}/submit", headers=H, json={"officer_id": ids["handler"]}))
    own = client.post(f"{doc_url}/approve", headers=H, json={"officer_id": ids["handler"], "opinion": "同意"})
    assert own.status_code == 403
    wrong = client.post(
        f"{doc_url}/approve", headers=H, json={"officer_id": ids["deputy"], "opinion": "同意", "step": "approve"}
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "wrong_step"
    back = _ok(
        client.post(
            f"{doc_url}/reject",
            headers=H,
            json={"officer_id": ids["reviewer"], "opinion": "案件基本情况不完整，请补充。"},
        )
    )
    assert back["status"] == "draft"
    _ok(client.post(f"{doc_url}/submit", headers=H, json={"officer_id": ids["handler"]}))
    _ok(
        client.post(
            f"{doc_url}/approve", headers=H, json={"officer_id": ids["reviewer"], "opinion": "同意，报请审批。"}
        )
    )
    _ok(client.post(f"{doc_url}/approve", headers=H, json={"officer_id": ids["deputy"], "opinion": "同意立案。"}))
    state = _ok(client.get(f"{doc_url}/approvals"))
    assert [d["decision"] for d in state["decisions"]] == ["rejected", "approved", "approved"]
    issued = _ok(client.post(f"/api/documents/{draft['id']}/issue", headers=H))
    assert issued["status"] == "issued" and issued["number"] == "（晋临）应急立〔2026〕1号"
    assert issued["issued_by"] == "zhangwei" and issued["pages"] >= 1
    pdf = client.get(f"/api/documents/{draft['id']}/file.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "（晋临）应急立〔2026〕1号" in text
    assert "同意立案。" in text and "孙建军" in text  # the approval opinions are on the document
    assert "请补充" not in text  # … the rejected round's are not
    voided = _ok(client.post(f"/api/documents/{draft['id']}/void", headers=H, json={"reason": "案由填写错误"}))
    assert voided["status"] == "voided" and voided["number"] == issued["number"]
    listed = _ok(client.get(f"/api/cases/{ids['case']}/documents"))
    assert [d["status"] for d in listed] == ["voided"]


def test_errors_are_4xx_with_codes_and_bilingual_messages(client: TestClient) -> None:
    ids = _setup(client)
    r = client.post(
        f"/api/cases/{ids['case']}/documents",
        headers=H,
        json={"form": "penalty_notice", "fields": {"proposed_fine": "abc"}, "issue": True},
    )
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "validation_failed"
    by_field = {f["field"]: f for f in err["details"]["fields"]}
    assert {"violations", "proposed_fine"} <= set(by_field)
    assert by_field["violations"]["label_zh"] and by_field["violations"]["label_en"]
    assert err["message_zh"] and err["message_en"]

    r = client.post(f"/api/cases/{ids['case']}/documents", headers=H, json={"form": "no_such_form", "fields": {}})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_form"

    r = client.post(
        f"/api/cases/{ids['inspection']}/documents",
        headers=H,
        json={"form": "行政处罚决定书（单位）", "fields": FIELDS["penalty_decision_org"], "issue": True},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "form_not_allowed_in_case"

    r = client.post(
        "/api/parties",
        headers=H,
        json={"kind": "organisation", "name": "某公司", "credit_code": "911410021234"},
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"][0]["field"] == "credit_code"

    r = client.get("/api/documents/9999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "document_not_found"

    r = client.post("/api/cases", headers=H, json={"org_id": ids["org"], "kind": "penalty", "party_id": 1, "bogus": 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request"

    docs = _ok(client.get(f"/api/cases/{ids['case']}/documents"))
    assert docs == []  # nothing half-written by the refused requests


def test_catalogue_and_openapi(client: TestClient) -> None:
    forms = _ok(client.get("/api/forms"))
    assert len(forms) >= 48
    assert _ok(client.get("/api/forms/行政处罚决定书(单位)"))["id"] == "penalty_decision_org"
    spec = _ok(client.get("/openapi.json"))
    assert "/api/documents/{doc_id}/issue" in spec["paths"]
