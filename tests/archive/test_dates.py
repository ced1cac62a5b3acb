"""Dates a reviewer can trust: no document dated after the day it is made, 补录 said aloud, and
requests that name the same officer twice refused as bad input (422), not a server error."""

from __future__ import annotations

import datetime as dt

import pytest
from anjuan.api.app import create_app
from anjuan.archive.clock import CHINA, FixedClock
from anjuan.archive.errors import ValidationFailed
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient

from tests.archive.test_documents import FIELDS
from tests.fixtures.archive import Bureau

TODAY = dt.date(2026, 12, 7)


def _on(archive: Archive, day: dt.date, hour: int = 10) -> Archive:
    """The same archive (database, files, converter) with its clock on ``day``."""
    clock = FixedClock(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHINA))
    return Archive(archive.kernel.settings, converter=archive.kernel.converter, db=archive.kernel.db, clock=clock)


def _inspection_case(archive: Archive, bureau: Bureau) -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def test_a_document_dated_after_today_is_refused_with_its_date(archive: Archive, bureau: Bureau) -> None:
    with _on(archive, TODAY) as now:
        case = _inspection_case(now, bureau)
        for later in (TODAY + dt.timedelta(days=1), dt.date(2027, 3, 1), dt.date(2029, 1, 1)):
            with pytest.raises(ValidationFailed) as refused:
                now.documents.create_draft(
                    actor=bureau.handler,
                    case_id=case,
                    form_key="现场检查方案",
                    fields=FIELDS["inspection_plan"],
                    doc_date=later,
                )
            (error,) = refused.value.errors
            assert (
                error.field == "doc_date" and later.isoformat() in error.message_zh and "2026-12-07" in error.message_zh
            )
        draft = now.documents.create_draft(
            actor=bureau.handler,
            case_id=case,
            form_key="现场检查方案",
            fields=FIELDS["inspection_plan"],
            doc_date=TODAY,
        )
        with pytest.raises(ValidationFailed):
            now.documents.update_draft(actor=bureau.handler, doc_id=draft.id, doc_date=dt.date(2027, 3, 1))
        assert now.documents.get(actor=bureau.handler, doc_id=draft.id).doc_date == TODAY
        with TestClient(create_app(archive=now), headers=bureau.auth(now)) as client:
            r = client.post(
                f"/api/cases/{case}/documents",
                json={"form": "inspection_plan", "fields": FIELDS["inspection_plan"], "doc_date": "2027-03-01"},
            )
        assert r.status_code == 422 and "2027-03-01" in r.text, r.text


def test_a_document_issued_after_its_date_is_marked_backfilled(archive: Archive, bureau: Bureau) -> None:
    """补录: the 文号's year is the document's year; the page and the JSON say when it was really issued."""
    with _on(archive, dt.date(2027, 1, 5)) as january:
        case = _inspection_case(january, bureau)
        late = january.documents.issue_new(
            actor=bureau.handler,
            case_id=case,
            form_key="现场检查记录",
            fields={**FIELDS["inspection_record"], "unplanned_reason": "群众举报，临时检查"},
            doc_date=dt.date(2026, 12, 28),
        )
        same_day = january.documents.issue_new(
            actor=bureau.handler,
            case_id=_inspection_case(january, bureau),
            form_key="现场检查记录",
            fields={**FIELDS["inspection_record"], "unplanned_reason": "群众举报，临时检查"},
            doc_date=dt.date(2027, 1, 5),
        )
        assert late.backfilled and not same_day.backfilled
        assert "〔2026〕" in (late.number or "") and "〔2027〕" in (same_day.number or "")
        with TestClient(create_app(archive=january), headers=bureau.auth(january)) as client:
            shown = client.get(f"/api/documents/{late.id}").json()
        assert (
            shown["backfilled"] is True
            and shown["doc_date"] == "2026-12-28"
            and shown["issued_at"][:10] == "2027-01-05"
        )


def test_the_same_officer_twice_is_bad_input(archive: Archive, bureau: Bureau) -> None:
    one = bureau.officer_ids[0]
    with pytest.raises(ValidationFailed) as refused:
        archive.registry.create_case(
            actor=bureau.handler,
            org_id=bureau.org_id,
            kind="inspection",
            party_id=bureau.party_id,
            officer_ids=[one, one],
        )
    assert refused.value.errors[0].field == "officer_ids"
    case = _inspection_case(archive, bureau)
    with TestClient(create_app(archive=archive), headers=bureau.auth(archive)) as client:
        for body in (
            {"org_id": bureau.org_id, "kind": "inspection", "party_id": bureau.party_id, "officer_ids": [one, one]},
            {"org_id": bureau.org_id, "kind": "inspection", "party_id": bureau.party_id, "officer_ids": [0]},
        ):
            r = client.post("/api/cases", json=body)
            assert r.status_code == 422, r.text
        r = client.post(
            f"/api/cases/{case}/documents",
            json={"form": "inspection_plan", "fields": FIELDS["inspection_plan"], "officer_ids": [one, one]},
        )
        assert r.status_code == 422 and r.json()["error"]["code"], r.text
        for roles in (["handler", "handler"], [""]):
            body = {"org_id": bureau.org_id, "name": "李强", "cert_no": "14100220210099", "roles": roles}
            assert client.post("/api/officers", json=body).status_code == 422
