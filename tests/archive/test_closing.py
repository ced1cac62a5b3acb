"""结案 only when nothing is left open: an inspection case with a hazard not rectified, or an order
never re-inspected, is refused, and the refusal names what is open."""

from __future__ import annotations

import pytest
from anjuan.archive.errors import Conflict
from anjuan.archive.service import Archive

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import Bureau


def test_an_inspection_with_a_hazard_not_rectified_cannot_be_closed(archive: Archive, bureau: Bureau) -> None:
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    issue = lambda form, **fields: bureau.issue(  # noqa: E731
        archive, case_id=case, form_key=form, fields={**FIELDS[form], **fields}, doc_date=D
    )
    issue("inspection_record", unplanned_reason="群众举报，临时检查")
    order = issue("rectification_order")
    with pytest.raises(Conflict) as refused:
        archive.casefiles.close(actor=bureau.handler, case_id=case)
    assert refused.value.code == "reinspection_required" and order.number in refused.value.message_zh
    check = issue("reinspection_opinion", rectification_status="未整改")
    with pytest.raises(Conflict) as refused:
        archive.casefiles.close(actor=bureau.handler, case_id=case)
    assert refused.value.code == "hazards_open"
    assert order.number in refused.value.message_zh and "未整改" in refused.value.message_zh
    assert refused.value.details["open"][0]["reinspection"] == check.number
    issue("reinspection_opinion", rectification_status="已全部整改")  # the later 复查 closes the order
    closed = archive.casefiles.close(actor=bureau.handler, case_id=case)
    assert closed.status == "closed"
