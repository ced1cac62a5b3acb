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
from tests.fixtures.archive import CREDIT_CODE, PASSWORD, make_archive, pdf_text


@pytest.fixture
def client(sqlite_database: Database, converter_pool: Converter, tmp_path: Path) -> Iterator[TestClient]:
    for archive in make_archive(sqlite_database, converter_pool, tmp_path):
        archive.accounts.bootstrap_admin(username="admin", password=PASSWORD)  # as ``anjuan init --admin`` does
        with TestClient(create_app(archive=archive)) as client:
            yield client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _login(client: TestClient, username: str) -> dict[str, str]:
    body = _ok(client.post("/api/auth/login", json={"username": username, "password": PASSWORD}))
    assert body["token_type"] == "bearer" and body["user"]["username"] == username
    return {"Authorization": f"Bearer {body['token']}"}


def _setup(client: TestClient) -> dict[str, Any]:
    """A bureau set up over HTTP by its administrator; every person logs in with their own account."""
    admin = _login(client, "admin")
    org = _ok(
        client.post(
            "/api/organisations",
            headers=admin,
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
    people = {
        "zhangwei": ("张伟", "14100220190031", []),
        "zhaomin": ("赵敏", "14100220170012", ["supervisor", "legal"]),
        "sunjianjun": ("孙建军", "14100220120005", ["deputy"]),
        "liuyang": ("刘洋", "14100220200057", []),
    }
    ids: dict[str, Any] = {"org": org["id"]}
    for username, (name, cert_no, roles) in people.items():
        officer = _ok(
            client.post(
                "/api/officers",
                headers=admin,
                json={"org_id": org["id"], "name": name, "cert_no": cert_no, **({"roles": roles} if roles else {})},
            ),
            201,
        )
        ids[username] = officer["id"]
        _ok(
            client.post(
                "/api/users",
                headers=admin,
                json={"username": username, "password": PASSWORD, "officer_id": officer["id"]},
            ),
            201,
        )
    _ok(
        client.post(
            "/api/users",
            headers=admin,
            json={"username": "yaodu-admin", "password": PASSWORD, "org_id": org["id"], "roles": ["系统管理员"]},
        ),
        201,
    )
    ids["headers"] = {u: _login(client, u) for u in [*people, "yaodu-admin"]} | {"admin": admin}
    handler = ids["headers"]["zhangwei"]
    party = _ok(
        client.post(
            "/api/parties",
            headers=handler,
            json={"kind": "organisation", "name": "临汾市尧都区鑫达化工有限公司", "credit_code": CREDIT_CODE},
        ),
        201,
    )
    for kind in ("penalty", "inspection"):
        case = _ok(
            client.post(
                "/api/cases",
                headers=handler,
                json={
                    "org_id": org["id"],
                    "kind": kind,
                    "party_id": party["id"],
                    "officer_ids": [ids["zhangwei"], ids["liuyang"]],
                },
            ),
            201,
        )
        ids["case" if kind == "penalty" else "inspection"] = case["id"]
    return ids


def test_draft_preview_issue_download_void(client: TestClient, tmp_path: Path) -> None:
    ids = _setup(client)
    people = ids["headers"]
    H, reviewer, deputy = people["zhangwei"], people["zhaomin"], people["sunjianjun"]
    draft = _ok(
        client.post(
            f"/api/cases/{ids['case']}/documents",
            headers=H,
            json={"form": "立案审批表", "fields": FIELDS["case_filing_approval"], "doc_date": "2026-10-15"},
        ),
        201,
    )
    assert draft["status"] == "draft" and draft["number"] is None and draft["form"] == "case_filing_approval"
    preview = client.get(f"/api/documents/{draft['id']}/preview.pdf", headers=H)
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert "〔2026〕1号" not in pdf_text(preview.content, tmp_path)  # a draft has no number yet
    docx = client.get(f"/api/documents/{draft['id']}/preview.docx", headers=H)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    # 立案审批表 needs 审核 + 审批 first: refused now, then submitted, refused to its own submitter,
    # rejected once with a reason, resubmitted and approved by the right people.
    early = client.post(f"/api/documents/{draft['id']}/issue", headers=H)
    assert early.status_code == 409 and early.json()["error"]["code"] == "approval_required"
    doc_url = f"/api/documents/{draft['id']}"
    _ok(client.post(f"{doc_url}/submit", headers=H))
    own = client.post(f"{doc_url}/approve", headers=H, json={"opinion": "同意"})
    assert own.status_code == 403
    wrong = client.post(f"{doc_url}/approve", headers=deputy, json={"opinion": "同意", "step": "approve"})
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "wrong_step"
    back = _ok(client.post(f"{doc_url}/reject", headers=reviewer, json={"opinion": "案件基本情况不完整，请补充。"}))
    assert back["status"] == "draft"
    _ok(client.post(f"{doc_url}/submit", headers=H))
    _ok(client.post(f"{doc_url}/approve", headers=reviewer, json={"opinion": "同意，报请审批。"}))
    _ok(client.post(f"{doc_url}/approve", headers=deputy, json={"opinion": "同意立案。"}))
    state = _ok(client.get(f"{doc_url}/approvals", headers=H))
    assert [d["decision"] for d in state["decisions"]] == ["rejected", "approved", "approved"]
    issued = _ok(client.post(f"/api/documents/{draft['id']}/issue", headers=H))
    assert issued["status"] == "issued" and issued["number"] == "（晋临）应急立〔2026〕1号"
    assert issued["issued_by"] == "zhangwei" and issued["pages"] >= 1
    pdf = client.get(f"/api/documents/{draft['id']}/file.pdf", headers=H)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "（晋临）应急立〔2026〕1号" in text
    assert "同意立案。" in text and "孙建军" in text  # the approval opinions are on the document
    assert "请补充" not in text  # … the rejected round's are not
    # 作废 only through an approved request (第七条): nothing changes before the last approval.
    request = _ok(client.post(f"{doc_url}/changes", headers=H, json={"kind": "void", "reason": "案由填写错误"}), 201)
    change_url = f"/api/changes/{request['id']}"
    early = client.post(f"{change_url}/apply", headers=people["yaodu-admin"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_approved"
    assert _ok(client.get(doc_url, headers=H))["status"] == "issued"
    by_deputy_first = client.post(f"{change_url}/approve", headers=deputy, json={"opinion": "同意"})
    assert by_deputy_first.status_code == 403  # 法制审核 comes first
    _ok(client.post(f"{change_url}/approve", headers=reviewer, json={"opinion": "经审核，同意作废。"}))
    _ok(client.post(f"{change_url}/approve", headers=deputy, json={"opinion": "同意。"}))
    not_admin = client.post(f"{change_url}/apply", headers=H)
    assert not_admin.status_code == 403
    voided = _ok(client.post(f"{change_url}/apply", headers=people["yaodu-admin"]))
    assert voided["status"] == "voided" and voided["number"] == issued["number"]
    listed = _ok(client.get(f"/api/cases/{ids['case']}/documents", headers=H))
    assert [d["status"] for d in listed] == ["voided"]
    assert _ok(client.get(change_url, headers=H))["status"] == "applied"


def test_login_tokens_and_scopes(client: TestClient) -> None:
    ids = _setup(client)
    people = ids["headers"]
    case_url = f"/api/cases/{ids['case']}"
    # No token, a wrong token, a wrong password: 401 with a code and both languages.
    for response in (
        client.get(case_url),
        client.get(case_url, headers={"Authorization": "Bearer not-a-token"}),
        client.post("/api/auth/login", json={"username": "zhangwei", "password": "wrong password"}),
        client.post("/api/auth/login", json={"username": "nobody", "password": "wrong password"}),
    ):
        assert response.status_code == 401, response.text
        err = response.json()["error"]
        assert err["code"] in ("unauthenticated", "invalid_token", "bad_credentials")
        assert err["message_zh"] and err["message_en"]
    me = _ok(client.get("/api/auth/me", headers=people["zhangwei"]))
    assert me["username"] == "zhangwei" and me["officer_id"] == ids["zhangwei"] and me["roles"] == ["handler"]
    # Handlers do not manage the registry.
    denied = client.post(
        "/api/organisations",
        headers=people["zhangwei"],
        json={"name": "某局", "area": "晋临", "code": "应急", "level": "county"},
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_permitted"
    # Another county: its administrator and handler never see this county's cases.
    admin = people["admin"]
    other = _ok(
        client.post(
            "/api/organisations",
            headers=admin,
            json={"name": "临汾市洪洞县应急管理局", "area": "晋临", "code": "应急", "level": "county"},
        ),
        201,
    )
    officer = _ok(
        client.post(
            "/api/officers", headers=admin, json={"org_id": other["id"], "name": "周强", "cert_no": "14102420180009"}
        ),
        201,
    )
    _ok(
        client.post(
            "/api/users",
            headers=admin,
            json={"username": "zhouqiang", "password": PASSWORD, "officer_id": officer["id"]},
        ),
        201,
    )
    outsider = _login(client, "zhouqiang")
    for url in (case_url, f"{case_url}/documents", f"{case_url}/deadlines"):
        r = client.get(url, headers=outsider)
        assert r.status_code == 404, url
    assert _ok(client.get("/api/cases", headers=outsider)) == []
    assert _ok(client.get(case_url, headers=people["liuyang"]))["id"] == ids["case"]  # on the case team
    # Logging out ends the token.
    assert client.post("/api/auth/logout", headers=outsider).status_code == 204
    assert client.get("/api/cases", headers=outsider).status_code == 401


def test_errors_are_4xx_with_codes_and_bilingual_messages(client: TestClient) -> None:
    ids = _setup(client)
    H = ids["headers"]["zhangwei"]
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

    r = client.get("/api/documents/9999", headers=H)
    assert r.status_code == 404 and r.json()["error"]["code"] == "document_not_found"

    r = client.post("/api/cases", headers=H, json={"org_id": ids["org"], "kind": "penalty", "party_id": 1, "bogus": 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request"

    docs = _ok(client.get(f"/api/cases/{ids['case']}/documents", headers=H))
    assert docs == []  # nothing half-written by the refused requests


def test_catalogue_and_openapi(client: TestClient) -> None:
    H = _login(client, "admin")
    forms = _ok(client.get("/api/forms", headers=H))
    assert len(forms) >= 48
    assert _ok(client.get("/api/forms/行政处罚决定书(单位)", headers=H))["id"] == "penalty_decision_org"
    spec = _ok(client.get("/openapi.json"))
    assert "/api/documents/{doc_id}/issue" in spec["paths"]


def test_case_file_review_and_filing_over_http(
    sqlite_database: Database, converter_pool: Converter, tmp_path: Path
) -> None:
    """The archivist's and reviewer's half over HTTP: evidence upload, 组卷, check, 评查, 结案, 归档."""
    import io

    from PIL import Image

    from tests.fixtures.archive import issue_scenario, make_bureau

    for archive in make_archive(sqlite_database, converter_pool, tmp_path):
        bureau = make_bureau(archive)
        case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
        archivist_user = "county-archivist"
        archive.accounts.create_user(
            actor=bureau.admin, username=archivist_user, password=PASSWORD, org_id=bureau.org_id, roles=["archivist"]
        )
        with TestClient(create_app(archive=archive)) as client:
            handler = bureau.auth(archive)
            archivist = _login(client, archivist_user)
            photo = io.BytesIO()
            Image.new("RGB", (400, 300), (90, 120, 150)).save(photo, format="PNG")
            added = _ok(
                client.post(
                    f"/api/cases/{case}/attachments",
                    headers=handler,
                    data={"kind": "photo", "title": "现场照片", "date": "2026-10-14"},
                    files={"file": ("p.png", photo.getvalue(), "image/png")},
                ),
                201,
            )
            assert added["pages"] == 1 and added["media_type"] == "image/png"
            bad = client.post(
                f"/api/cases/{case}/attachments",
                headers=handler,
                data={"kind": "photo", "title": "x"},
                files={"file": ("x.txt", b"hello", "text/plain")},
            )
            assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_attachment"
            built = _ok(client.post(f"/api/cases/{case}/casefile", headers=handler), 201)
            assert built["version"] == 1 and built["entries"][0]["start"] == 1
            pdf = client.get(f"/api/cases/{case}/casefile.pdf", headers=handler)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            check = _ok(
                client.post(
                    "/api/casefiles/check", headers=handler, files={"file": ("v.pdf", pdf.content, "application/pdf")}
                )
            )
            assert check["ok"] and len(check["toc"]) == len(built["entries"])
            unsealed = pdf.content[: pdf.content.rfind(b"%%EOF", 0, len(pdf.content) - 10) + 5]  # before the seal
            cut = client.post(
                "/api/casefiles/check", headers=handler, files={"file": ("v.pdf", unsealed, "application/pdf")}
            ).json()
            assert cut["ok"] is False, cut
            reviewer = bureau.auth(archive, "赵敏")
            review = _ok(client.post(f"/api/cases/{case}/review", headers=reviewer))
            # Open, manual items unscored: no points for them, and the rating says so.
            assert review["rating"].endswith("（初评，未结案）") and not review["final"] and not review["closed"]
            assert review["score"] <= 55 and len(review["pending_items"]) == 4
            early = client.post(f"/api/cases/{case}/file", headers=archivist)
            assert early.status_code == 409 and early.json()["error"]["code"] == "not_closed"
            _ok(client.post(f"/api/cases/{case}/close", headers=handler))
            # 人工评查 over HTTP: bad input is a 422 naming the fields in Chinese; a handler may not score.
            assess_url = f"/api/cases/{case}/review/assessments"
            bad = client.post(assess_url, headers=reviewer, json={"item": "facts_clear", "points": 12, "reason": " "})
            error = bad.json()["error"]
            assert bad.status_code == 422 and error["code"] == "review_assessment_invalid"
            assert "须在0至10分之间" in error["message_zh"] and "评分理由" in error["message_zh"]
            assert {f["field"] for f in error["details"]["fields"]} == {"points", "reason"}
            machine = client.post(assess_url, headers=reviewer, json={"item": "numbers", "points": 1, "reason": "x"})
            assert machine.status_code == 422 and machine.json()["error"]["code"] == "review_item_not_manual"
            typo = client.post(assess_url, headers=reviewer, json={"item": "facts_clear", "points": "十"})
            assert typo.status_code == 422
            denied = client.post(
                assess_url, headers=handler, json={"item": "facts_clear", "points": 10, "reason": "好"}
            )
            assert denied.status_code == 403
            for item, points in (("facts_clear", 10), ("evidence_sufficient", 10), ("law_applied", 15)):
                body = {"item": item, "points": points, "reason": "事实清楚，证据充分，适用法律正确"}
                review = _ok(client.post(assess_url, headers=reviewer, json=body))
                assert not review["final"] and "初评" in review["rating"]
            body = {"item": "discretion_reasonable", "points": 8, "reason": "裁量理由说明不够具体"}
            review = _ok(client.post(assess_url, headers=reviewer, json=body))
            assert review["final"] and review["pending_items"] == [] and "初评" not in review["rating"]
            assert review["rating"] == review["band"] and review["score"] >= 80
            denied = client.post(f"/api/cases/{case}/file", headers=handler)
            assert denied.status_code == 403
            filed = _ok(client.post(f"/api/cases/{case}/file", headers=archivist))
            assert filed["archive_no"] and filed["file_no"] and filed["retention"] == "永久"
            frozen = client.post(f"/api/cases/{case}/casefile", headers=handler)
            assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "case_filed"


def test_search_quality_queries_and_publication_over_http(client: TestClient) -> None:
    ids = _setup(client)
    H, admin = ids["headers"]["zhangwei"], ids["headers"]["admin"]
    draft = _ok(
        client.post(
            f"/api/cases/{ids['inspection']}/documents",
            headers=H,
            json={
                "form": "inspection_record",
                "fields": {**FIELDS["inspection_record"], "unplanned_reason": "群众举报，临时检查"},
                "doc_date": "2026-10-15",
            },
        ),
        201,
    )
    issued = _ok(client.post(f"/api/documents/{draft['id']}/issue", headers=H))
    number = issued["number"]
    for path in ("/api/search", "/search"):
        body = _ok(client.get(path, params={"q": number.replace("〔", "[").replace("〕", "]")}, headers=H))
        assert body["exact"] and [h["key"] for h in body["hits"]] == [f"doc:{draft['id']}"]
    body = _ok(client.get("/api/search", params={"q": "鑫达", "kind": "document", "sort": "date_desc"}, headers=H))
    assert body["total"] == 1 and body["facets"]["form"] == {"inspection_record": 1}
    for params, total in (({"kind": "attachment"}, 0), ({"form": "inspection_record,penalty_decision_org"}, 1)):
        assert _ok(client.get("/api/search", params={"q": "鑫达", **params}, headers=H))["total"] == total
    assert _ok(client.get("/api/search", params=[("q", "鑫达"), ("status", "voided")], headers=H))["total"] == 0
    assert body["hits"][0]["number"] == number and body["hits"][0]["date"] == "2026-10-15"
    assert "<mark>鑫达</mark>" in body["hits"][0]["snippet"]
    # the platform administrator sees it too; no token gets 401; bad syntax gets 400 with a position
    assert _ok(client.get("/api/search", params={"q": "鑫达"}, headers=admin))["total"] == 1
    assert client.get("/api/search", params={"q": "鑫达"}).status_code == 401
    bad = client.get("/api/search", params={"q": '"未闭合'}, headers=H)
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_query" and error["message_zh"] and error["message_en"]
    assert error["details"]["position"] == 0
    backwards = {"q": "x", "issued_from": "2026-02-01", "issued_to": "2026-01-01"}
    wrong = client.get("/api/search", params=backwards, headers=H)
    assert wrong.status_code == 422
    # the saved quality queries, by name
    names = {q["name"] for q in _ok(client.get("/api/qc", headers=H))}
    assert {"rectification_overdue", "publication_overdue", "case_open_too_long"} <= names
    report = _ok(client.get("/api/qc/unsealed_documents", headers=H))
    assert report["count"] == 0 and report["name"] == "unsealed_documents"
    old = _ok(client.get("/api/qc/case_open_too_long", params={"today": "2027-06-01"}, headers=H))
    assert {f["case_id"] for f in old["findings"]} == {ids["case"], ids["inspection"]}
    unknown = client.get("/api/qc/nonsense", headers=H)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "qc_unknown"
    # 公示 only for a penalty decision
    refused = client.post(
        f"/api/documents/{draft['id']}/publication",
        headers=H,
        json={"published_on": "2026-10-16", "channel": "门户网站"},
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_publishable"
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    assert _ok(client.get("/api/notices", params=period, headers=H)) == []  # no penalty decision yet
    as_csv = client.get("/api/notices", params={**period, "format": "csv"}, headers=H)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.lstrip("\ufeff").startswith("行政处罚决定书文号,当事人")
    assert client.get("/api/notices", params={"from": "2026-12-31", "to": "2026-01-01"}, headers=H).status_code == 422
    status = _ok(client.get("/api/index/status", headers=admin))
    assert status["missing_count"] == 0 and status["current"]
