"""The public check of a copy (``/verify``, no login) is bounded: a file built to cost minutes is
refused at once with its code, a verification that runs past its budget is stopped (its worker
process killed), a flood from one address is answered 429, and other requests are served while a
verification runs."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.models import Event
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import Bureau
from tests.fixtures.cli import run_anjuan
from tests.hostile.pdfs import many_updates


def _sealed(archive: Archive, bureau: Bureau) -> bytes:
    """An inspection plan as anjuan issues it: two officers' signatures, then the organisation's seal."""
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    doc = bureau.issue(archive, case_id=case, form_key="inspection_plan", fields=FIELDS["inspection_plan"], doc_date=D)
    return archive.documents.file(actor=bureau.handler, doc_id=doc.id, kind="pdf")


def _events(archive: Archive) -> int:
    with archive.kernel.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Event)) or 0)


def _post(client: TestClient, pdf: bytes, path: str = "/verify") -> Any:
    return client.post(path, files={"file": ("copy.pdf", pdf, "application/pdf")})


@pytest.fixture
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive)) as client:
        yield client


def test_thousands_of_updates_are_refused_at_once_and_nothing_is_written(
    archive: Archive, bureau: Bureau, client: TestClient, tmp_path: Path
) -> None:
    sealed = _sealed(archive, bureau)
    hostile = many_updates(sealed, 10_000)  # took 43–76 s before the limit
    before = _events(archive)
    pool = archive.kernel.sealing.verifiers
    started = pool.started
    clock = time.monotonic()
    answer = _post(client, hostile)
    elapsed = time.monotonic() - clock
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "verify_too_many_revisions"
    assert error["details"] == {"limit": 64, "value": 10_001 + 3, "setting": "verify_max_revisions"}
    assert "64" in error["message_zh"] and "修订版本" in error["message_zh"]
    assert elapsed < 10  # refused before any parser ran: milliseconds, bounded generously
    assert pool.started == started and pool.running == 0  # refused before a worker was even asked
    assert _events(archive) == before

    # The command line takes the same bounded path: a Chinese refusal, no traceback, exit != 0.
    path = tmp_path / "hostile.pdf"
    path.write_bytes(hostile)
    env = {**os.environ, "ANJUAN_DATA_DIR": str(tmp_path / "cli")}
    for name in ("ANJUAN_DATABASE_URL", "ANJUAN_USER", "ANJUAN_TOKEN"):
        env.pop(name, None)
    run = run_anjuan(["verify", str(path)], env=env, cwd=tmp_path, in_process=True)
    assert run.returncode not in (0, 70) and "verify_too_many_revisions" in run.stderr, run.stderr
    assert "超过验证上限" in run.stderr and "Traceback" not in run.stderr


def test_a_sealed_document_still_verifies_with_its_seals(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    sealed = _sealed(archive, bureau)
    before = _events(archive)
    for path in ("/verify", "/api/verify"):
        answer = _post(client, sealed, path)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["ok"] and report["issued_by_anjuan"]
        assert [s["role"] for s in report["signatures"]] == ["officer", "officer", "enforcement"]
    # An honest file with a few updates appended is judged, not refused: the limits leave room.
    appended = _post(client, many_updates(sealed, 20))
    assert appended.status_code == 200 and appended.json()["relation"] == "later_revision"
    assert not appended.json()["ok"]
    assert _events(archive) == before


@pytest.mark.archive_settings(verify_timeout_seconds=0.001)
def test_the_time_budget_stops_a_verification_and_kills_its_worker(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    sealed = _sealed(archive, bureau)
    pool = archive.kernel.sealing.verifiers
    killed = pool.killed
    answer = _post(client, sealed)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "verify_timeout"
    assert answer.json()["error"]["details"]["setting"] == "verify_timeout_seconds"
    assert int(answer.headers["Retry-After"]) >= 1
    assert pool.killed == killed + 1 and pool.running == 0  # stopped, not abandoned in a thread


@pytest.mark.archive_settings(public_rate_burst=3, public_rate_per_minute=2)
def test_a_flood_from_one_address_is_answered_429_after_the_burst(archive: Archive, bureau: Bureau) -> None:
    with TestClient(create_app(archive=archive)) as client:
        for _ in range(3):
            assert client.get("/api/pki/root.pem").status_code == 200
        refused = client.post("/verify", files={"file": ("x.pdf", b"%PDF-1.7 " + b"x" * 5_000_000)})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 30  # one token back at 2 a minute
        assert refused.json()["error"]["details"]["setting"] == "public_rate_per_minute"
        assert client.get("/api/pki/root.pem").status_code == 429
        # Logged-in work is not the public bucket's business.
        assert client.get("/api/organisations", headers=bureau.auth(archive)).status_code != 429
    # Another address has its own bucket.
    with TestClient(create_app(archive=archive), client=("192.0.2.7", 4000)) as other:
        assert other.get("/api/pki/root.pem").status_code == 200


@pytest.mark.archive_settings(verify_max_revisions=100_000, verify_timeout_seconds=8, verify_max_pending=1)
def test_other_requests_are_served_while_a_verification_runs(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    """A verification that would take a minute (6,000 updates, allowed by a raised limit) holds one
    worker process until its budget is spent; meanwhile the server answers, and a second public
    verification is told to come back (429) instead of taking another thread."""
    slow = many_updates(_sealed(archive, bureau), 6_000)
    answers: list[Any] = []
    pool = archive.kernel.sealing.verifiers
    killed = pool.killed
    runner = threading.Thread(target=lambda: answers.append(_post(client, slow)))
    runner.start()
    deadline = time.monotonic() + 60
    while pool.running == 0 and runner.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.running == 1
    assert client.get("/healthz").json()["status"] in ("ok", "degraded")
    assert client.get("/api/pki/root.pem").status_code == 200
    assert client.get("/api/organisations", headers=bureau.auth(archive)).status_code == 200
    busy = _post(client, b"%PDF-1.7\n%%EOF\n")
    assert busy.status_code == 429 and busy.json()["error"]["code"] == "verify_busy"
    assert int(busy.headers["Retry-After"]) >= 1
    assert runner.is_alive()  # all of that was answered while the verification ran
    runner.join(120)
    assert answers[0].status_code == 503 and answers[0].json()["error"]["code"] == "verify_timeout"
    assert pool.killed == killed + 1
