"""重大案件: marked with its reason (service, HTTP, CLI), or inferred from what is proposed — either
way the decision waits for 集体讨论 and 法制审核."""

from __future__ import annotations

from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.errors import Conflict, ValidationFailed
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient

from tests.fixtures.archive import Bureau, decision_fields, issue_scenario


def _decision_refusals(archive: Archive, bureau: Bureau, case_id: int, **fields: Any) -> set[str]:
    with pytest.raises(Conflict) as refused:
        archive.documents.issue_new(
            actor=bureau.handler,
            case_id=case_id,
            form_key="penalty_decision_org",
            fields={**decision_fields(), **fields},
        )
    assert refused.value.code == "gate_refused"
    return {f["rule_id"].split(".", 1)[1] for f in refused.value.details["findings"]}


def test_a_marked_major_case_waits_for_discussion_and_legal_review(archive: Archive, bureau: Bureau) -> None:
    docs = issue_scenario(archive, bureau, 1, until="case_handling_approval")
    case = docs["case_handling_approval"].case_id
    with pytest.raises(ValidationFailed):  # never without a reason
        archive.registry.set_major(actor=bureau.handler, case_id=case, major=True, reason=" ")
    with TestClient(create_app(archive=archive), headers=bureau.auth(archive)) as client:
        assert client.put(f"/api/cases/{case}/major", json={"major": True, "reason": ""}).status_code == 422
        marked = client.put(
            f"/api/cases/{case}/major", json={"major": True, "reason": "涉及液氨重大危险源，社会影响大"}
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["major"] is True and marked.json()["major_reason"] == "涉及液氨重大危险源，社会影响大"
    assert {"collective_discussion", "legal_review"} <= _decision_refusals(archive, bureau, case)
    archive.registry.set_major(actor=bureau.handler, case_id=case, major=False, reason="经复核不属于重大案件")
    assert archive.registry.case(actor=bureau.handler, case_id=case).major is False


def test_a_large_fine_makes_the_case_major_without_the_mark(archive: Archive, bureau: Bureau) -> None:
    """Proposing 20万元 (≥ the 10万 default for 单位) or 停产停业 is 重大 whether or not anyone ticked it."""
    docs = issue_scenario(archive, bureau, 1, until="case_handling_approval")
    case = docs["case_handling_approval"].case_id
    assert not archive.registry.case(actor=bureau.handler, case_id=case).major
    assert {"collective_discussion", "legal_review"} <= _decision_refusals(
        archive, bureau, case, fine="200000", penalty="罚款人民币贰拾万元整"
    )
    assert {"collective_discussion", "legal_review"} <= _decision_refusals(
        archive, bureau, case, penalty="责令停产停业整顿一个月，并处罚款人民币伍万元整"
    )
