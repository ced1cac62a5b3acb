"""Gates without holes: coercive measures need their approval and the facts found first; every
decision form has a gate; a （单位）/（个人） form only for that party."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anjuan.archive.errors import Conflict
from anjuan.archive.service import Archive

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import Bureau
from tests.fixtures.samples import sample_fields


def _fields(form_id: str) -> dict[str, Any]:
    return json.loads(json.dumps(FIELDS.get(form_id) or sample_fields(form_id), default=str))


def _case(archive: Archive, bureau: Bureau, kind: str) -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=kind,
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def _refused(archive: Archive, bureau: Bureau, case: int, form: str, **fields: Any) -> set[str]:
    """The ids of the gate rules that refuse ``form`` now (the refusal leaves nothing behind)."""
    with pytest.raises(Conflict) as refused:
        archive.documents.issue_new(
            actor=bureau.handler, case_id=case, form_key=form, fields={**_fields(form), **fields}, doc_date=D
        )
    assert refused.value.code == "gate_refused", refused.value
    return {f["rule_id"].split(".", 1)[1] for f in refused.value.details["findings"]}


def _issue(archive: Archive, bureau: Bureau, case: int, form: str, **fields: Any) -> None:
    bureau.issue(archive, case_id=case, form_key=form, fields={**_fields(form), **fields}, doc_date=D)


def test_a_seizure_needs_its_approval_and_the_facts_found_first(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau, "inspection")
    assert _refused(archive, bureau, case, "seizure_decision") == {"coercion_approved", "found_first"}
    _issue(archive, bureau, case, "inspection_record", unplanned_reason="群众举报，临时检查")
    assert _refused(archive, bureau, case, "seizure_decision") == {"coercion_approved"}
    for form in ("supply_stop_notice", "supply_stop_decision"):
        assert _refused(archive, bureau, case, form) == {"coercion_approved"}
    _issue(archive, bureau, case, "enforcement_approval")
    _issue(archive, bureau, case, "seizure_decision")
    _issue(archive, bureau, case, "seizure_extension_decision")  # the same approval covers the extension
    assert _refused(archive, bureau, case, "supply_resume_notice") == {"supply_stopped"}


def test_an_onsite_suspension_is_a_coercive_measure(archive: Archive, bureau: Bureau) -> None:
    """现场处理措施 that stop production need the 行政强制审批表; ordering a hazard removed does not."""
    case = _case(archive, bureau, "inspection")
    _issue(archive, bureau, case, "inspection_record", unplanned_reason="群众举报，临时检查")
    refused = _refused(archive, bureau, case, "onsite_measures_decision", decisions=["责令暂时停产停业，撤出作业人员"])
    assert refused == {"suspension_approved"}
    _issue(archive, bureau, case, "onsite_measures_decision", decisions=["责令立即排除液氨管道泄漏隐患"])


def test_every_decision_form_has_a_gate(archive: Archive) -> None:
    """A 决定书 (and a notice that stops a supply) never issues on nothing: each has rules in gates.yaml."""
    gates = archive.kernel.rules.gates.gates
    deciding = [
        f.id for f in archive.kernel.rules.catalogue.forms if "决定书" in f.name or f.id == "supply_stop_notice"
    ]
    assert len(deciding) >= 12
    assert [f for f in deciding if not gates.get(f)] == []


def test_a_form_for_organisations_is_refused_for_a_person(archive: Archive, bureau: Bureau) -> None:
    person = archive.registry.create_party(
        actor=bureau.handler, kind="person", name="王建军", id_number="141002198503150012", address="临汾市尧都区"
    ).id
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        procedure="simple",
        party_id=person,
        officer_ids=bureau.officer_ids,
    ).id
    with pytest.raises(Conflict) as refused:
        archive.documents.create_draft(
            actor=bureau.handler,
            case_id=case,
            form_key="行政（当场）处罚决定书（单位）",
            fields=_fields("onsite_penalty_decision_org"),
        )
    assert refused.value.code == "form_not_for_party" and "个人" in refused.value.message_zh
