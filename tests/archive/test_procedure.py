"""The procedure as users meet it: refusals that name what is missing (and leave nothing behind),
and deadlines computed from a case's documents — through the service, HTTP and the CLI."""

from __future__ import annotations

import pytest
from anjuan.api.app import create_app
from anjuan.archive.models import Document, Event
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import Bureau, add_user, issue_scenario


def _counts(archive: Archive) -> tuple[int, int]:
    with archive.kernel.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Document)) or 0,
            s.scalar(select(func.count()).select_from(Event)) or 0,
        )


def test_out_of_order_document_is_refused_with_what_is_missing(archive: Archive, bureau: Bureau) -> None:
    from anjuan.archive.errors import Conflict

    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    bureau.issue(archive, case_id=case, form_key="立案审批表", fields=FIELDS["case_filing_approval"], doc_date=D)
    before = _counts(archive)
    with pytest.raises(Conflict) as err:
        archive.documents.issue_new(
            actor=bureau.handler,
            case_id=case,
            form_key="当事人陈述申辩笔录",
            fields=FIELDS["statement_defence_record"],
            doc_date=D,
        )
    assert err.value.code == "gate_refused"
    (finding,) = err.value.details["findings"]
    assert "penalty_notice" in finding["missing"] and "告知书" in finding["message_zh"]
    assert _counts(archive) == before  # refused before anything was written or numbered


def test_refusal_over_http_is_a_409(archive: Archive, bureau: Bureau) -> None:
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    with TestClient(create_app(archive=archive), headers=bureau.auth(archive)) as client:
        r = client.post(
            f"/api/cases/{case}/documents",
            json={"form": "责令限期整改指令书", "fields": FIELDS["rectification_order"], "issue": True},
        )
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "gate_refused" and err["details"]["findings"][0]["missing"]
    assert "现场检查记录" in err["message_zh"]


def test_deadlines_of_a_case_follow_its_documents(archive: Archive, bureau: Bureau) -> None:
    docs = issue_scenario(archive, bureau, 1, until="penalty_decision_org")
    case_id = docs["penalty_decision_org"].case_id
    with TestClient(create_app(archive=archive), headers=bureau.auth(archive)) as client:
        rows = client.get(f"/api/cases/{case_id}/deadlines", params={"today": "2026-11-10"}).json()
        by_rule = {r["rule_id"]: r for r in rows}
        # decided 11-06, not yet served (no 送达回执 in this case yet): 7 working days → 11-17
        assert by_rule["decision_service"]["due"] == "2026-11-17"
        assert by_rule["publication"]["status"] in ("pending", "due_soon")
        assert by_rule["decision_within"]["status"] == "met"
        due = client.get("/api/due", params={"days": 10, "today": "2026-11-10"}).json()
        assert {r["rule_id"] for r in due} >= {"publication"}
        late = client.get("/api/due", params={"days": 0, "today": "2026-12-01"}).json()
        assert any(r["status"] == "overdue" and r["rule_id"] == "publication" for r in late)
        missing = client.get("/api/cases/999/deadlines")
        assert missing.status_code == 404


def test_approval_needs_the_right_role_in_the_right_organisation(archive: Archive, bureau: Bureau) -> None:
    from anjuan.archive.errors import Forbidden, NotFound

    other = archive.registry.create_org(
        actor=bureau.admin, name="临汾市洪洞县应急管理局", area="晋临", code="应急", level="county"
    )
    outsider_officer = archive.registry.create_officer(
        actor=bureau.admin, org_id=other.id, name="周强", cert_no="14102420180009", roles=["supervisor", "deputy"]
    )
    outsider = add_user(archive, bureau.admin, "zhouqiang", officer_id=outsider_officer.id)
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    draft = archive.documents.create_draft(
        actor=bureau.handler, case_id=case, form_key="立案审批表", fields=FIELDS["case_filing_approval"], doc_date=D
    )
    archive.approvals.submit(actor=bureau.handler, doc_id=draft.id)
    # A handler may not review, nor may the submitter; another county's supervisor does not even see it.
    for user, error, code in (
        (bureau.people["刘洋"], Forbidden, "not_permitted"),
        (bureau.handler, Forbidden, "not_permitted"),
        (outsider, NotFound, "document_not_found"),
    ):
        with pytest.raises(error) as err:
            archive.approvals.decide(actor=user, doc_id=draft.id, opinion="同意", approve=True)
        assert err.value.code == code
    archive.approvals.decide(actor=bureau.approvers["review"], doc_id=draft.id, opinion="同意", approve=True)
    state = archive.approvals.approval_state(actor=bureau.handler, doc_id=draft.id)
    # A supervisor who submits a draft cannot approve it themselves.
    own = archive.documents.create_draft(
        actor=bureau.people["赵敏"],
        case_id=case,
        form_key="立案审批表",
        fields=FIELDS["case_filing_approval"],
        doc_date=D,
    )
    archive.approvals.submit(actor=bureau.people["赵敏"], doc_id=own.id)
    with pytest.raises(Forbidden) as err:
        archive.approvals.decide(actor=bureau.people["赵敏"], doc_id=own.id, opinion="同意", approve=True)
    assert err.value.code == "self_approval"
    assert state.pending_step == "approve" and state.status == "submitted"
