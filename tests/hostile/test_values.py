"""Hostile values: a 4xx with a code, never a 500, and nothing written.

Ids past 2^63 (the database's 64-bit integers), dates at the calendar's ends (0001-01-01,
9999-12-31: date arithmetic overflows), NUL and other control characters in text (PostgreSQL
refuses NUL), JSON nested 100,000 levels deep and numbers past any range — on every route that
takes them (derived from the OpenAPI document, so a new route is covered when it is added), on
SQLite and PostgreSQL, in the web UI and on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive import bounds
from anjuan.archive.models import ApiToken, Case, Document, Event, Officer, Organisation, Party, User
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.archive.test_documents import FIELDS
from tests.fixtures.archive import PASSWORD, Bureau
from tests.fixtures.cli import run_anjuan

HUGE_IDS = (2**63, 2**64, 10**30)
BAD_DATES = ("0001-01-01", "9999-12-31")
TABLES = (Organisation, Officer, Party, Case, Document, User, ApiToken, Event)


@pytest.fixture
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive), raise_server_exceptions=False) as client:
        yield client


def _counts(archive: Archive) -> dict[str, int]:
    """Rows per table — the event log included: a refused request writes nothing at all."""
    with archive.kernel.db.read() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}  # type: ignore[misc]


def _refused(response: Any, *codes: str) -> dict[str, Any]:
    """A 4xx with the error body and (if given) one of ``codes``."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    error = response.json()["error"]
    assert error["code"] and error["message_zh"], error
    if codes:
        assert error["code"] in codes, error
    return error  # type: ignore[no-any-return]


def _case(archive: Archive, bureau: Bureau) -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


# -- ids ----------------------------------------------------------------------------------------------

#: a harmless value for each non-id path parameter, so the id is what the route refuses
_OTHER_PATH = {"fmt": "pdf", "role": "organ", "key": "inspection_record", "name": "overdue", "source": "documents"}
_OTHER_PATH |= {"table_id": "xuchang"}
#: required query parameters that are not ids
_REQUIRED_QUERY = {"from": "2026-01-01", "to": "2026-12-31", "reply_by": "2026-12-31"}


def _id_requests(openapi: dict[str, Any], known_id: int) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(method, url, query, the id parameter) for each integer path or query parameter of each operation."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            ints = [
                p
                for p in params
                if p["schema"].get("type") == "integer" or {"type": "integer"} in p["schema"].get("anyOf", [])
            ]
            for target in ints:
                if target["in"] not in ("path", "query") or target["name"] in ("page", "size", "days"):
                    continue
                url = path
                for p in params:
                    if p["in"] == "path":
                        value = "{huge}" if p is target else _OTHER_PATH.get(p["name"], known_id)
                        url = url.replace("{" + p["name"] + "}", str(value))
                query = {
                    p["name"]: _REQUIRED_QUERY[p["name"]] for p in params if p["in"] == "query" and p.get("required")
                }
                if target["in"] == "query":
                    query[target["name"]] = "{huge}"
                yield method, url, query, target["name"]


@pytest.mark.both_databases
def test_huge_ids_anywhere_are_4xx_with_a_code(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    case_id = _case(archive, bureau)
    headers = bureau.auth(archive, "bureau_admin")
    requests = list(_id_requests(client.get("/openapi.json").json(), case_id))
    assert len(requests) >= 30  # every id-taking operation and parameter, not a sample
    before = _counts(archive)
    for method, url, query, name in requests:
        for huge in HUGE_IDS:
            values = {k: str(huge) if v == "{huge}" else v for k, v in query.items()}
            response = client.request(method.upper(), url.replace("{huge}", str(huge)), params=values, headers=headers)
            error = _refused(response)
            assert response.status_code == 422 or error["code"] != "internal_error", (method, url, name)
    # in JSON bodies: the organisation, party, officer, parent document and lists of officers
    bodies = [
        ("/api/cases", {"org_id": "H", "kind": "penalty", "party_id": bureau.party_id}),
        ("/api/cases", {"org_id": bureau.org_id, "kind": "penalty", "party_id": "H"}),
        ("/api/cases", {"org_id": bureau.org_id, "kind": "penalty", "party_id": bureau.party_id, "officer_ids": ["H"]}),
        ("/api/officers", {"org_id": "H", "name": "张三", "cert_no": "14100220190099"}),
        ("/api/organisations", {"name": "某局", "area": "晋临", "code": "应急", "level": "county", "parent_id": "H"}),
        ("/api/users", {"username": "someone", "password": PASSWORD, "officer_id": "H"}),
        ("/api/users", {"username": "someone", "password": PASSWORD, "org_id": "H"}),
        ("/api/parties", {"kind": "person", "name": "李四", "age": "H"}),
        (f"/api/cases/{case_id}/documents", {"form": "case_filing_approval", "fields": {}, "parent_id": "H"}),
        (f"/api/cases/{case_id}/documents", {"form": "case_filing_approval", "fields": {}, "officer_ids": ["H"]}),
    ]
    for url, body in bodies:
        for huge in HUGE_IDS:
            raw = json.dumps(body).replace('"H"', str(huge))
            response = client.post(url, content=raw, headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == 422, (url, body, response.text[:300])
            _refused(response, "bad_request")
    assert _counts(archive) == before


def test_a_huge_id_in_the_web_ui_is_a_4xx_page(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    login = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]*)"', login.text)
    form = {"username": bureau.people["张伟"].name, "password": PASSWORD, **({"csrf": csrf.group(1)} if csrf else {})}
    client.post("/web/login", data=form, follow_redirects=False)
    assert client.cookies, "logged in"
    for url in (
        f"/web/cases/{2**63}",
        f"/web/documents/{10**30}",
        f"/web/search?q=x&org={2**64}",
        "/web/search?q=x&year=99999",
    ):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert "text/html" in response.headers["content-type"]


# -- dates --------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_dates_at_the_ends_of_the_calendar_are_422_naming_the_field(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    case_id = _case(archive, bureau)
    doc = bureau.issue(archive, case_id=case_id, form_key="case_filing_approval", fields=FIELDS["case_filing_approval"])
    handler, admin = bureau.auth(archive), bureau.auth(archive, "bureau_admin")
    before = _counts(archive)
    for bad in BAD_DATES:
        fields = {**FIELDS["case_filing_approval"], "source_date": bad}
        checks: list[tuple[str, str, dict[str, Any], str]] = [
            (
                "POST",
                f"/api/cases/{case_id}/documents",
                {"json": {"form": "case_filing_approval", "fields": fields}},
                "source_date",
            ),
            (
                "POST",
                f"/api/cases/{case_id}/documents",
                {"json": {"form": "case_filing_approval", "doc_date": bad}},
                "doc_date",
            ),
            ("GET", f"/api/cases/{case_id}/deadlines", {"params": {"today": bad}}, "today"),
            ("GET", "/api/due", {"params": {"today": bad}}, "today"),
            ("GET", "/api/stats/xuchang", {"params": {"from": bad, "to": "2026-12-31"}}, "from"),
            ("GET", "/api/stats/facts/documents", {"params": {"from": "2026-01-01", "to": bad}}, "to"),
            ("GET", "/api/search", {"params": {"q": "决定", "issued_from": bad}}, "issued_from"),
            ("GET", "/api/notices", {"params": {"from": bad, "to": "2026-12-31"}}, "from"),
            ("GET", "/api/qc/overdue", {"params": {"today": bad}}, "today"),
            (
                "POST",
                f"/api/documents/{doc.id}/publication",
                {"json": {"published_on": bad, "channel": "门户网站"}},
                "published_on",
            ),
            ("POST", f"/api/cases/{case_id}/guidance", {"params": {"reply_by": bad}}, "reply_by"),
        ]
        for method, url, kwargs, field in checks:
            response = client.request(method, url, headers=handler, **kwargs)
            assert response.status_code == 422, (url, bad, response.status_code, response.text[:300])
            error = _refused(response, "date_out_of_range")
            assert any(f["field"].split(".")[-1] == field for f in error["details"]["fields"]), (url, error)
    # the archive refuses them too (the command line, any caller): no row, no event
    with pytest.raises(Exception) as refused:
        archive.documents.create_draft(
            actor=bureau.handler, case_id=case_id, form_key="case_filing_approval", fields={}, doc_date=dt.date.min
        )
    assert getattr(refused.value, "code", None) == "date_out_of_range"
    assert _counts(archive) == before
    del admin


# -- control characters -------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_nul_in_any_text_is_422_control_character_and_nothing_is_written(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    case_id = _case(archive, bureau)
    handler, admin = bureau.auth(archive), bureau.auth(archive, "bureau_admin")
    before = _counts(archive)
    fields = {**FIELDS["case_filing_approval"], "case_summary": "当事人\x00存在隐患"}
    attempts: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", "/api/auth/login", {"json": {"username": "ad\x00min", "password": PASSWORD}}, {}, "username"),
        (
            "POST",
            "/api/cases",
            {"json": {"org_id": bureau.org_id, "kind": "penalty", "party_id": bureau.party_id, "name": "案\x00件"}},
            handler,
            "name",
        ),
        ("POST", "/api/parties", {"json": {"kind": "person", "name": "李\x00四"}}, admin, "name"),
        (
            "POST",
            "/api/parties",
            {"json": {"kind": "person", "name": "李四", "address": "临汾\x1b[31m"}},
            admin,
            "address",
        ),
        (
            "POST",
            f"/api/cases/{case_id}/documents",
            {"json": {"form": "case_filing_approval", "fields": fields}},
            handler,
            "fields.case_summary",
        ),
        ("GET", "/api/search", {"params": {"q": "决定\x00书"}}, handler, "q"),
        ("GET", "/api/search", {"params": {"q": "x", "party": "\x07"}}, handler, "party"),
        ("PUT", f"/api/cases/{case_id}/major", {"json": {"major": True, "reason": "重大\x00"}}, handler, "reason"),
    ]
    for method, url, kwargs, headers, field in attempts:
        response = client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == 422, (url, response.status_code, response.text[:300])
        error = _refused(response, "control_character")
        assert error["details"]["fields"][0]["field"] == field, (url, error)
    # the same text through the archive (as the command line passes it): refused, nothing written
    for call in (
        lambda: archive.registry.create_party(actor=bureau.admin, kind="person", name="王\x00五"),
        lambda: archive.registry.create_case(
            actor=bureau.handler, org_id=bureau.org_id, kind="penalty", party_id=bureau.party_id, name="案\x00件"
        ),
        lambda: archive.documents.create_draft(
            actor=bureau.handler, case_id=case_id, form_key="case_filing_approval", fields=fields
        ),
        lambda: archive.accounts.login(username="ad\x00min", password=PASSWORD),
    ):
        with pytest.raises(Exception) as refused:
            call()
        assert getattr(refused.value, "code", None) == "control_character", refused.value
    assert _counts(archive) == before
    # tab, newline and a textarea's CR LF are text, not control characters
    ok = client.post(
        "/api/cases",
        headers=handler,
        json={"org_id": bureau.org_id, "kind": "penalty", "party_id": bureau.party_id, "cause": "第一\r\n第二\t项"},
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.both_databases
def test_overlong_text_is_422_on_every_database_and_nothing_is_written(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    """A name longer than its column (SQLite would have stored 900 KB of party name, then printed it
    into every document) or a free text past the archive's bound: 422 ``value_too_long``, naming
    the column and the limit — over HTTP and through the archive as the command line calls it."""
    case_id = _case(archive, bureau)
    handler, admin = bureau.auth(archive), bureau.auth(archive, "bureau_admin")
    before = _counts(archive)
    attempts = [
        ("/api/parties", {"kind": "person", "name": "李" * 201}, admin, "parties.name", 200),
        ("/api/parties", {"kind": "person", "name": "李四", "address": "临" * 900_00}, admin, "parties.address", 300),
        (
            "/api/cases",
            {"org_id": bureau.org_id, "kind": "penalty", "party_id": bureau.party_id, "cause": "因" * 20_001},
            handler,
            "cases.cause",
            bounds.TEXT_MAX_CHARS,
        ),
    ]
    for url, body, headers, field, limit in attempts:
        error = _refused(client.post(url, headers=headers, json=body), "value_too_long")
        assert error["details"]["fields"][0]["field"] == field and error["details"]["fields"][0]["limit"] == limit
    with pytest.raises(Exception) as refused:
        archive.registry.create_party(actor=bureau.admin, kind="person", name="王" * 201)
    assert getattr(refused.value, "code", None) == "value_too_long"
    with pytest.raises(Exception) as refused:
        archive.registry.set_major(actor=bureau.handler, case_id=case_id, major=True, reason="重" * 20_001)
    assert getattr(refused.value, "code", None) == "value_too_long"
    assert _counts(archive) == before
    # at the limit is still accepted
    ok = client.post("/api/parties", headers=admin, json={"kind": "person", "name": "李" * 200})
    assert ok.status_code == 201, ok.text[:300]


def test_nul_in_a_web_form_is_a_422_page(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    before = _counts(archive)
    response = client.post("/web/login", data={"username": "ad\x00min", "password": PASSWORD})
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]
    assert "control_character" in response.text
    assert _counts(archive) == before


# -- JSON: depth and numbers --------------------------------------------------------------------------


def test_deep_json_and_huge_numbers_are_4xx_quickly(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    headers = {**bureau.auth(archive), "Content-Type": "application/json"}
    before = _counts(archive)
    started = time.monotonic()
    for body in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        for url in ("/api/cases", "/api/auth/login", "/api/search"):
            _refused(client.post(url, content=body, headers=headers))
    # deeper than the setting, yet within Python's parser: refused by the limit, which it names
    nested = json.dumps({"form": "case_filing_approval", "fields": {"case_summary": json.loads("[" * 60 + "]" * 60)}})
    response = client.post(f"/api/cases/{_case(archive, bureau)}/documents", content=nested, headers=headers)
    error = _refused(response, "json_too_deep")
    assert error["details"]["fields"][0]["limit"] == archive.kernel.settings.json_max_depth
    before = _counts(archive)
    for number in ("1e999", "-1e999", "NaN", "Infinity", "9" * 5000, str(10**30)):
        body = f'{{"org_id": {number}, "kind": "penalty", "party_id": {bureau.party_id}}}'
        _refused(client.post("/api/cases", content=body, headers=headers))
    assert time.monotonic() - started < 30  # each answer comes from a bounded check, not a long parse
    assert _counts(archive) == before


# -- the command line ---------------------------------------------------------------------------------


def test_the_cli_refuses_huge_ids_and_nul_with_a_chinese_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(tmp_path / "var"),
        "ANJUAN_PKI_PASSPHRASE": "cli test passphrase",
        "ANJUAN_PASSWORD_LOG2_N": "10",
        "ANJUAN_PASSWORD": PASSWORD,
        "ANJUAN_ADMIN_PASSWORD": PASSWORD,
        "ANJUAN_USER": "admin",
    }
    for name in ("ANJUAN_DATABASE_URL", "ANJUAN_TOKEN"):
        env.pop(name, None)

    def run(*args: str, in_process: bool = True) -> Any:
        return run_anjuan(args, env=env, cwd=tmp_path, in_process=in_process)

    assert run("init", "--admin", "admin").returncode == 0
    huge = (("doc", "show", str(2**63)), ("case", "deadlines", str(10**30)), ("doc", "list", "--case", str(2**64)))
    for args in huge:  # the first in a real process (what a user sees), the others in this one
        result = run(*args, in_process=args[1] != "show")
        assert result.returncode not in (0, 70), (args, result.stderr)
        assert "Traceback" not in result.stderr and re.search(r"[\u4e00-\u9fff]", result.stderr), result.stderr
    org = run("org", "add", "临汾市尧都区应急\x00管理局", "--area", "晋临", "--json")
    assert org.returncode == 1 and "control_character" in org.stderr and "控制字符" in org.stderr, org.stderr
    login = run("login", "ad\x00min")
    assert login.returncode == 1 and "Traceback" not in login.stderr and "控制字符" in login.stderr, login.stderr


# -- the OpenAPI document ------------------------------------------------------------------------------


def test_every_operation_declares_its_4xx_answers(client: TestClient) -> None:
    openapi = client.get("/openapi.json").json()
    error_schema = openapi["components"]["schemas"]["ErrorResponse"]
    assert set(error_schema["properties"]) == {"error"}
    detail = openapi["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "message_zh", "message_en", "details"} <= set(detail["properties"])
    operations = [(path, method, op) for path, ops in openapi["paths"].items() for method, op in ops.items()]
    assert len(operations) > 50
    for path, method, op in operations:
        expected = {"401", "403"} if op.get("security") else {"429"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected |= {"413", "422"}
        if op.get("parameters"):
            expected.add("422")
        assert expected <= set(op["responses"]), (method, path, sorted(op["responses"]))
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)
    # ids are documented with their range, instants as date-time
    case = openapi["paths"]["/api/cases/{case_id}"]["get"]["parameters"][0]["schema"]
    assert case["maximum"] == bounds.MAX_ID and case["minimum"] == 1
    issued = openapi["components"]["schemas"]["DocumentRead"]["properties"]["issued_at"]
    assert {"type": "string", "format": "date-time"} in issued["anyOf"]


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _instants(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            # a form's date-and-time field is Beijing wall-clock time as printed (archive/fields.py)
            if key != "fields":
                yield from _instants(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _instants(sub, f"{path}.{i}")
    elif isinstance(value, str) and _INSTANT.match(value):
        yield path, value


def test_every_instant_in_a_response_carries_its_offset(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    case_id = _case(archive, bureau)
    doc = bureau.issue(archive, case_id=case_id, form_key="case_filing_approval", fields=FIELDS["case_filing_approval"])
    login = client.post("/api/auth/login", json={"username": bureau.people["张伟"].name, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    responses = [login.json()]
    for url in (
        f"/api/documents/{doc.id}",
        f"/api/cases/{case_id}/documents",
        f"/api/cases/{case_id}",
        "/api/cases",
        f"/api/documents/{doc.id}/approvals",
        "/api/changes",
        f"/api/cases/{case_id}/deadlines",
        "/api/users",
        "/api/index/status",
        "/api/qc/numbered_drafts",
    ):
        response = client.get(url, headers=headers)
        if response.status_code == 200:
            responses.append(response.json())
    found = [item for body in responses for item in _instants(body)]
    assert any(path.endswith("issued_at") for path, _ in found) and any(p == ".expires_at" for p, _ in found)
    naive = [(path, value) for path, value in found if not _OFFSET.search(value)]
    assert not naive, naive
