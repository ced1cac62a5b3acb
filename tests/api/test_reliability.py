"""Reliability under load and faults, through the HTTP API as clients meet it.

Each scenario of issue 14, on SQLite and PostgreSQL: many clients issuing through both paths with
approvals, corrections and voids at the same time; LibreOffice unavailable or hung; the blob store
refusing writes; the database locked or gone; the server killed (``kill -9``) in the middle of a
batch. What must hold every time: no 500, no number lost or given twice, no request issued twice,
every number either on an issued document or on a draft that is listed and then completed, each
failure a JSON error with a code (503 with ``Retry-After`` when coming back later helps), and each
outage one entry in the event log.

The converter here is the fake one (the PDF's text and seal anchor, instantly): what is tested is
what the archive does when conversion fails or stalls, not LibreOffice itself — the pool's own
recovery from a killed or hung office is tested in tests/templates/test_convert.py.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from socket import socket
from typing import Any

import httpx
import pytest
from anjuan.api.app import create_app
from anjuan.archive.config import Settings
from anjuan.archive.db import Database
from anjuan.archive.errors import ServiceUnavailable
from anjuan.archive.models import Document, Event, IdempotencyKey
from anjuan.archive.service import Archive
from anjuan.templates.convert import FakeConverter
from anjuan.templates.errors import ConversionTimeout, ConverterUnavailable
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.archive.test_documents import FIELDS
from tests.fixtures.archive import Bureau, add_user, issue_scenario, void_with_approval
from tests.fixtures.browser import serve

pytestmark = pytest.mark.archive_settings(enforce_gates=False)

DATE = "2026-10-20"


def _case(archive: Archive, bureau: Bureau) -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def _tokens(archive: Archive, bureau: Bureau) -> dict[str, dict[str, str]]:
    people = {"handler": "张伟", "reviewer": "赵敏", "deputy": "孙建军", "admin": "bureau_admin"}
    return {role: bureau.auth(archive, who) for role, who in people.items()}


def _survey(issue: bool) -> dict[str, Any]:
    return {"form": "survey_record", "fields": FIELDS["survey_record"], "doc_date": DATE, "issue": issue}


def _assert_no_holes_or_repeats(archive: Archive) -> None:
    """Every counter's 序号 run 1…n without a gap; a 序号 is shared only inside one case (一案一号:
    the case's documents carry its number with -n suffixes); no 文号 is on two documents of a form."""
    with archive.kernel.db.read() as s:
        rows = s.execute(
            select(
                Document.counter, Document.seq, Document.case_id, Document.form_id, Document.number, Document.edition
            ).where(Document.seq.is_not(None))
        ).all()
    by_counter: dict[str, dict[int, set[int]]] = {}
    for counter, seq, case_id, _form, _number, _edition in rows:
        if not counter.startswith("inherit:"):  # inherited numbers belong to their parent's counter
            by_counter.setdefault(counter, {}).setdefault(seq, set()).add(case_id)
    for counter, seqs in by_counter.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"counter {counter} has gaps: {sorted(seqs)}"
        shared = {seq: cases for seq, cases in seqs.items() if len(cases) > 1}
        assert not shared, f"counter {counter} gave one number to several cases: {shared}"
    numbers = [(form, number, edition) for _c, _s, _case, form, number, edition in rows]
    assert len(numbers) == len(set(numbers)), "a number was given twice"


def _outage_events(archive: Archive) -> list[dict[str, Any]]:
    with archive.kernel.db.read() as s:
        return [e.data for e in s.scalars(select(Event).where(Event.action == "outage").order_by(Event.seq))]


# -- many clients, both issuing paths, approvals, corrections and voids --------------------------------


@pytest.mark.both_databases
def test_ten_clients_mixing_every_issuing_path_meet_no_deadlock_and_no_500(archive: Archive, bureau: Bureau) -> None:
    """The deadlock of issue 14 (one-call issue: audit head → counter; saved draft: counter → audit
    head) needed two clients; here ten run one-call issues, saved-draft issues, approvals,
    corrections and voids at once (≈ 5 s)."""
    cases = [_case(archive, bureau) for _ in range(4)]
    earlier = [
        archive.documents.issue_new(actor=bureau.handler, case_id=cases[i % 4], form_key="survey_record",
                          fields=FIELDS["survey_record"], doc_date=None)
        for i in range(4)
    ]  # fmt: skip
    tokens = _tokens(archive, bureau)
    responses: list[tuple[str, int, dict[str, Any]]] = []
    lock = threading.Lock()

    with serve(create_app(archive=archive)) as base:

        def call(client: httpx.Client, what: str, method: str, path: str, who: str, **kw: Any) -> dict[str, Any]:
            response = client.request(method, base + path, headers=tokens[who], **kw)
            body = response.json() if response.content else {}
            with lock:
                responses.append((what, response.status_code, body))
            assert response.status_code < 300, (what, response.status_code, body)
            return body  # type: ignore[no-any-return]

        def one_call(i: int, client: httpx.Client) -> None:
            form = "inquiry_notice" if i % 2 else "survey_record"
            body = {"form": form, "fields": FIELDS[form], "doc_date": DATE, "issue": True}
            call(client, "one_call", "POST", f"/api/cases/{cases[i % 4]}/documents", "handler", json=body)

        def saved_draft(i: int, client: httpx.Client) -> None:
            draft = call(
                client, "draft", "POST", f"/api/cases/{cases[i % 4]}/documents", "handler", json=_survey(False)
            )
            call(client, "saved_draft", "POST", f"/api/documents/{draft['id']}/issue", "handler")

        def approval(i: int, client: httpx.Client) -> None:
            body = {"form": "case_filing_approval", "fields": FIELDS["case_filing_approval"], "doc_date": DATE}
            draft = call(client, "draft", "POST", f"/api/cases/{cases[i % 4]}/documents", "handler", json=body)
            call(client, "submit", "POST", f"/api/documents/{draft['id']}/submit", "handler")
            for who in ("reviewer", "deputy"):
                call(
                    client, "approve", "POST", f"/api/documents/{draft['id']}/approve", who, json={"opinion": "同意。"}
                )
            call(client, "approved_issue", "POST", f"/api/documents/{draft['id']}/issue", "handler")

        def change(kind: str, doc_id: int, client: httpx.Client) -> None:
            body: dict[str, Any] = {"kind": kind, "reason": "现场勘验地点记录有误"}
            if kind == "correct":
                body["changes"] = {"weather": "阴"}
            request = call(client, "request", "POST", f"/api/documents/{doc_id}/changes", "handler", json=body)
            for who in ("reviewer", "deputy"):
                call(client, "decide", "POST", f"/api/changes/{request['id']}/approve", who, json={"opinion": "同意"})
            call(client, kind, "POST", f"/api/changes/{request['id']}/apply", "admin")

        jobs: list[Callable[[httpx.Client], None]] = []
        for i in range(8):
            jobs.append(lambda c, i=i: one_call(i, c))
            jobs.append(lambda c, i=i: saved_draft(i, c))
        for i in range(3):
            jobs.append(lambda c, i=i: approval(i, c))
        jobs.append(lambda c: change("void", earlier[0].id, c))
        jobs.append(lambda c: change("void", earlier[1].id, c))
        jobs.append(lambda c: change("correct", earlier[2].id, c))
        jobs.append(lambda c: change("correct", earlier[3].id, c))
        local = threading.local()

        def run(job: Callable[[httpx.Client], None]) -> None:
            if not hasattr(local, "client"):
                local.client = httpx.Client(timeout=60)
            job(local.client)

        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(run, jobs))  # re-raises the first failed assertion

    statuses = Counter(status for _what, status, _body in responses)
    assert all(status < 300 for status in statuses), statuses
    issued = Counter(what for what, _s, _b in responses if what in ("one_call", "saved_draft", "approved_issue"))
    assert issued == {"one_call": 8, "saved_draft": 8, "approved_issue": 3}
    _assert_no_holes_or_repeats(archive)
    assert archive.documents.numbered_drafts(actor=bureau.handler, older_than_minutes=0) == []
    with archive.kernel.db.read() as s:
        statuses_now = Counter(s.scalars(select(Document.status).where(Document.case_id.in_(cases))))
    # 4 earlier − 2 voided − 2 corrected + 2 new editions, and the 19 issued by the clients
    assert statuses_now == {"issued": 4 - 2 - 2 + 2 + 19, "voided": 2, "superseded": 2}
    assert archive.upkeep.audit_chain(actor=bureau.admin).ok


# -- LibreOffice down or hung: the number is held, named, listed and completed ------------------------


@contextmanager
def _converter_down(archive: Archive, error: Exception) -> Iterator[None]:
    fake = archive.kernel.converter
    assert isinstance(fake, FakeConverter)
    real = fake.convert

    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise error

    fake.convert = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        fake.convert = real  # type: ignore[method-assign]


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "error",
    [
        ConverterUnavailable("文书转换服务不可用", "LibreOffice is not running"),
        ConversionTimeout("文书转换超时", "conversion took longer than 60 s"),
    ],
    ids=["converter_unavailable", "conversion_timeout"],
)
def test_a_converter_outage_holds_the_number_and_a_retry_completes_it(
    archive: Archive, bureau: Bureau, error: Exception
) -> None:
    case = _case(archive, bureau)
    auth = _tokens(archive, bureau)["handler"]
    with TestClient(create_app(archive=archive)) as client:
        key = {**auth, "Idempotency-Key": str(uuid.uuid4())}
        with _converter_down(archive, error):
            first = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
            again = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
            health = client.get("/healthz").json()
            holes = client.get("/api/documents/numbered-drafts?older_than_minutes=0", headers=auth).json()
        for response in (first, again):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            err = response.json()["error"]
            assert err["code"] == error.code  # type: ignore[attr-defined]
            assert "文号" in err["message_zh"] and "重试签发" in err["message_zh"]
        held = first.json()["error"]["details"]
        assert held["number"] == "（晋临）应急勘〔2026〕1号"
        assert held["retry_issue"]["path"] == f"/api/documents/{held['document_id']}/issue"
        # The retry with the same key found the same draft: no second document, no second number.
        assert again.json()["error"]["details"]["document_id"] == held["document_id"]
        assert again.json()["error"]["details"]["number"] == held["number"]
        assert health["status"] == "degraded" and health["outages"] == {"converter": error.code}  # type: ignore[attr-defined]
        assert [(d["id"], d["number"]) for d in holes] == [(held["document_id"], held["number"])]

        # LibreOffice is back: the same request completes the same document under the same number.
        done = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
        assert done.status_code == 201, done.text
        assert (done.json()["id"], done.json()["number"], done.json()["status"]) == (
            held["document_id"],
            held["number"],
            "issued",
        )
        repeat = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
        assert repeat.json()["id"] == held["document_id"] and repeat.json()["pdf_sha256"] == done.json()["pdf_sha256"]
        other = client.post(
            f"/api/cases/{case}/documents", json={**_survey(True), "doc_date": "2026-10-21"}, headers=key
        )
        assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
        following = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=auth)
        assert following.json()["number"] == "（晋临）应急勘〔2026〕2号"
        assert client.get("/healthz").json() == {**health, "status": "ok", "outages": {}}
        assert client.get("/api/documents/numbered-drafts?older_than_minutes=0", headers=auth).json() == []
    outages = _outage_events(archive)
    assert len(outages) == 1  # two failed requests, one outage
    assert outages[0]["dependency"] == "converter" and outages[0]["failed_requests"] == 2
    _assert_no_holes_or_repeats(archive)


def test_a_saved_draft_that_stopped_half_way_is_completed_by_issuing_it_again(archive: Archive, bureau: Bureau) -> None:
    """The web UI's path: the error names the draft; issuing it again keeps its number. Unfinished
    numbered drafts are listed for the quality check and the administrator until then."""
    case = _case(archive, bureau)
    tokens = _tokens(archive, bureau)
    with TestClient(create_app(archive=archive)) as client:
        draft = client.post(f"/api/cases/{case}/documents", json=_survey(False), headers=tokens["handler"]).json()
        with _converter_down(archive, ConverterUnavailable("文书转换服务不可用", "LibreOffice is not running")):
            failed = client.post(f"/api/documents/{draft['id']}/issue", headers=tokens["handler"])
        assert failed.status_code == 503
        number = failed.json()["error"]["details"]["number"]
        finding = archive.qc.run(actor=bureau.handler, name="numbered_drafts")
        assert finding.count == 0  # within the grace period an issue may still be in flight
        with archive.kernel.db.write() as s:  # … an hour later
            held = s.get(Document, draft["id"])
            assert held is not None and held.numbered_at is not None
            held.numbered_at -= dt.timedelta(hours=1)
        finding = archive.qc.run(actor=bureau.handler, name="numbered_drafts")
        assert [f.number for f in finding.findings] == [number]
        admin_token = tokens["admin"]["Authorization"].removeprefix("Bearer ")
        client.cookies.set("anjuan_session", admin_token)  # the browser's session, as the administrator
        admin_page = client.get("/web/admin")
        client.cookies.clear()
        assert admin_page.status_code == 200 and number in admin_page.text
        done = client.post(f"/api/documents/{draft['id']}/issue", headers=tokens["handler"])
        assert done.status_code == 200 and done.json()["number"] == number
    assert archive.qc.run(actor=bureau.handler, name="numbered_drafts").count == 0


def test_a_malformed_idempotency_key_is_refused_before_anything_is_made(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau)
    auth = _tokens(archive, bureau)["handler"]
    with TestClient(create_app(archive=archive)) as client:
        for key in ("two words", "x" * 201):
            refused = client.post(
                f"/api/cases/{case}/documents", json=_survey(True), headers={**auth, "Idempotency-Key": key}
            )
            assert refused.status_code == 422 and refused.json()["error"]["code"] in (
                "bad_idempotency_key",
                "bad_request",
            )
        assert client.get(f"/api/cases/{case}/documents", headers=auth).json() == []


def test_a_numbered_draft_can_be_voided_and_its_number_stays_accounted_for(archive: Archive, bureau: Bureau) -> None:
    """The other way to close a hole: 作废 through the change-request path (审核, 审批, then the
    administrator) — the number stays on the voided draft, and the next document takes the next one."""
    case = _case(archive, bureau)
    request = {"case_id": case, "form_key": "survey_record", "fields": FIELDS["survey_record"]}
    down = ConverterUnavailable("文书转换服务不可用", "LibreOffice is not running")
    with _converter_down(archive, down), pytest.raises(ServiceUnavailable) as stopped:
        archive.documents.issue_new(actor=bureau.handler, **request)
    held = stopped.value.details
    assert [d.id for d in archive.documents.numbered_drafts(actor=bureau.handler, older_than_minutes=0)] == [
        held["document_id"]
    ]
    voided = void_with_approval(archive, bureau, held["document_id"], "现场勘验未完成，文书作废")
    assert (voided.status, voided.number) == ("voided", held["number"])
    assert archive.documents.numbered_drafts(actor=bureau.handler, older_than_minutes=0) == []
    assert archive.documents.issue_new(actor=bureau.handler, **request).number == "（晋临）应急勘〔2026〕2号"
    _assert_no_holes_or_repeats(archive)


def test_every_generated_document_meets_a_converter_outage_the_same_way(archive: Archive, bureau: Bureau) -> None:
    """One publishing pipeline (archive/publishing.py): a 卷宗 volume and a 执法指导意见书 answer a
    LibreOffice outage as issuing does — 503, try again — and once it is back they are made. The
    failed opinions took no number: the first one made is 1号."""
    case = issue_scenario(archive, bureau, 1)["penalty_decision_org"].case_id
    city = add_user(archive, bureau.admin, "city-reviewer", org_id=bureau.city_id, roles=["reviewer"])
    reply_by = dt.date(2026, 12, 31)
    for error in (
        ConverterUnavailable("文书转换服务不可用", "LibreOffice is not running"),
        ConversionTimeout("文书转换超时", "conversion took longer than 60 s"),
    ):
        with _converter_down(archive, error):
            with pytest.raises(ServiceUnavailable) as volume:
                archive.casefiles.build(actor=bureau.handler, case_id=case)
            with pytest.raises(ServiceUnavailable) as guidance:
                archive.reviews.guidance(actor=city, case_id=case, reply_by=reply_by)
        assert volume.value.code == guidance.value.code == error.code  # type: ignore[attr-defined]
    # Back (a volume needs the real LibreOffice to come out whole: tests/archive/test_casefile.py).
    assert archive.reviews.guidance(actor=city, case_id=case, reply_by=reply_by).number == "（晋临）应急指导〔2026〕1号"
    assert [o["dependency"] for o in _outage_events(archive)] == ["converter"]


def test_an_unforeseen_failure_after_the_number_is_a_500_that_names_the_held_number(
    archive: Archive, bureau: Bureau, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(archive, bureau)
    auth = _tokens(archive, bureau)["handler"]

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug nobody foresaw")

    with TestClient(create_app(archive=archive)) as client:
        monkeypatch.setattr(archive.kernel.publisher, "seal", broken)
        failed = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=auth)
        monkeypatch.undo()
        assert failed.status_code == 500, failed.text  # ours to fix, not the client's (was a 400)
        err = failed.json()["error"]
        assert err["code"] == "issue_incomplete" and err["details"]["number"] == "（晋临）应急勘〔2026〕1号"
        done = client.post(f"/api/documents/{err['details']['document_id']}/issue", headers=auth)
        assert done.status_code == 200 and done.json()["number"] == err["details"]["number"]


# -- the blob store refuses writes --------------------------------------------------------------------


@pytest.mark.both_databases
def test_read_only_storage_is_a_503_and_the_retry_completes_the_same_number(
    archive: Archive, bureau: Bureau, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the kernel answers on a disk remounted read-only (EROFS) — root ignores file modes, so
    the answer is given by the store's low-level write rather than by chmod."""
    case = _case(archive, bureau)
    auth = _tokens(archive, bureau)["handler"]
    blobs = archive.kernel.blobs

    def read_only(*_args: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    with TestClient(create_app(archive=archive)) as client:
        key = {**auth, "Idempotency-Key": "batch-7/doc-1"}
        monkeypatch.setattr(blobs, "_write", read_only)
        refused = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
        monkeypatch.undo()
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        err = refused.json()["error"]
        assert err["code"] == "storage_read_only" and err["details"]["number"]
        done = client.post(f"/api/cases/{case}/documents", json=_survey(True), headers=key)
        assert done.status_code == 201 and done.json()["number"] == err["details"]["number"]
        assert archive.kernel.blobs.get(done.json()["pdf_sha256"]).startswith(b"%PDF")
    assert [o["dependency"] for o in _outage_events(archive)] == ["storage"]


# -- the database locked or gone ----------------------------------------------------------------------


def test_a_locked_sqlite_database_is_a_503_and_the_connection_stays_usable(
    archive: Archive, bureau: Bureau, tmp_path: Path
) -> None:
    """Another process holds SQLite's write lock longer than the writer waits (here 0.2 s)."""
    path = archive.kernel.db.engine.url.database
    assert path is not None
    impatient = Archive(
        archive.kernel.settings, converter=archive.kernel.converter, db=Database(f"sqlite:///{path}", busy_timeout=0.2)
    )
    auth = _tokens(archive, bureau)["handler"]
    body = {"org_id": bureau.org_id, "kind": "penalty", "party_id": bureau.party_id, "officer_ids": bureau.officer_ids}
    try:
        with serve(create_app(archive=impatient)) as base, httpx.Client(base_url=base, headers=auth) as client:
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its transaction
            try:
                locked = client.post("/api/cases", json=body)
                readable = client.get("/api/cases")  # readers never wait for the writer (WAL)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            created = client.post("/api/cases", json=body)
        assert locked.status_code == 503 and locked.headers["Retry-After"] == "2"
        assert locked.json()["error"]["code"] == "database_locked"
        assert locked.headers.get("connection") != "close"
        assert readable.status_code == 200 and created.status_code == 201
    finally:
        impatient.close()
    assert [o["dependency"] for o in _outage_events(archive)] == ["database"]


def test_an_unreachable_database_is_a_json_503_not_a_plain_text_500(tmp_path: Path) -> None:
    gone = Archive(
        Settings(data_dir=tmp_path / "data", database_url="postgresql+psycopg://anjuan:x@127.0.0.1:9/none"),
        converter=FakeConverter(),
    )
    try:
        with serve(create_app(archive=gone)) as base, httpx.Client(base_url=base) as client:
            answers = [client.get("/api/cases", headers={"Authorization": "Bearer x"}) for _ in range(3)]
            health = client.get("/healthz").json()
    finally:
        gone.close()
    for answer in answers:
        assert answer.status_code == 503 and answer.headers["content-type"] == "application/json"
        assert answer.json()["error"]["code"] == "database_unavailable" and answer.headers["Retry-After"] == "10"
    assert health["outages"] == {"database": "database_unavailable"}


def test_an_unforeseen_error_is_a_json_500_and_the_connection_stays_usable(archive: Archive, bureau: Bureau) -> None:
    app = create_app(archive=archive)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("a bug nobody foresaw")

    with serve(app) as base, httpx.Client(base_url=base) as client:
        broken = client.get("/api/boom")
        after = client.get("/healthz")
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "internal_error"
    assert "RuntimeError" in broken.json()["error"]["message_en"] and "a bug" not in broken.text
    assert broken.headers.get("connection") != "close" and after.status_code == 200


# -- the server killed in the middle of a batch -------------------------------------------------------

_SERVER = """
import sys, uvicorn
from anjuan.api.app import create_app
from anjuan.archive.config import Settings
from anjuan.archive.service import Archive
from anjuan.templates.convert import FakeConverter

archive = Archive(Settings(), converter=FakeConverter())
uvicorn.run(create_app(archive=archive), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.mark.both_databases
def test_a_server_killed_mid_batch_loses_no_number_and_issues_nothing_twice(
    archive: Archive, bureau: Bureau, tmp_path: Path
) -> None:
    """Four clients issue 16 documents, each request with its own Idempotency-Key; the server is
    killed with SIGKILL after the sixth and started again. Clients retry what got no answer (a
    dropped connection, a refused one, a 503) with the same key (≈ 10 s)."""
    case = _case(archive, bureau)
    auth = _tokens(archive, bureau)["handler"]
    probe = socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(archive.kernel.settings.data_dir),
        "ANJUAN_DATABASE_URL": archive.kernel.db.url,
        "ANJUAN_PKI_PASSPHRASE": "test passphrase, not a secret",
        "ANJUAN_ENFORCE_GATES": "false",
        "ANJUAN_INDEX_ON_CHANGE": "false",  # not what is tested here; the index follows the event log
    }
    base = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        server.kill()
        raise AssertionError("the server did not start")

    answers: dict[str, list[int]] = {}
    results: dict[str, tuple[int, str]] = {}
    dropped: list[str] = []  # requests that got no answer at all
    done = threading.Semaphore(0)
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(timeout=30) as http:
            for i in range(4):
                key = f"client-{n}/request-{i}"
                deadline = time.monotonic() + 60
                while True:
                    assert time.monotonic() < deadline, f"{key} never succeeded"
                    try:
                        response = http.post(
                            f"{base}/api/cases/{case}/documents",
                            json=_survey(True),
                            headers={**auth, "Idempotency-Key": key},
                        )
                    except httpx.TransportError:
                        with lock:
                            dropped.append(key)
                        time.sleep(0.2)  # the server is gone: come back later, same key
                        continue
                    with lock:
                        answers.setdefault(key, []).append(response.status_code)
                    if response.status_code == 201:
                        results[key] = (response.json()["id"], response.json()["number"])
                        done.release()
                        break
                    assert response.status_code == 503, response.text
                    time.sleep(float(response.headers.get("Retry-After", "1")) / 10)

    server = start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(client, n) for n in range(4)]
            for _ in range(6):
                assert done.acquire(timeout=60)
            os.kill(server.pid, signal.SIGKILL)  # mid-batch: requests are in flight
            server.wait()
            server = start()
            for future in futures:
                future.result()
    finally:
        server.kill()
        server.wait()

    assert len(results) == 16 and dropped  # the kill cut requests off; every one was retried
    assert all(status in (201, 503) for codes in answers.values() for status in codes), answers
    assert len({doc_id for doc_id, _ in results.values()}) == 16  # no request issued twice
    with archive.kernel.db.read() as s:
        keys = s.scalars(select(IdempotencyKey)).all()
        docs = s.scalars(select(Document).where(Document.case_id == case)).all()
    assert {k.key: k.document_id for k in keys} == {key: doc_id for key, (doc_id, _) in results.items()}
    assert sorted(d.status for d in docs) == ["issued"] * 16  # no stray draft, no second document
    assert sorted(d.seq for d in docs) == list(range(1, 17))  # no number lost or repeated
    assert archive.upkeep.audit_chain(actor=bureau.admin).ok
