"""Who sees and changes what (seed 003 第七条): scopes by organisation and case team, passwords,
and changes to issued records only through approved requests — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from anjuan.archive.accounts import hash_password, verify_password
from anjuan.archive.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from anjuan.archive.models import Event, User
from anjuan.archive.service import Archive
from sqlalchemy import select

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import PASSWORD, Bureau, add_user, pdf_text

pytestmark = pytest.mark.both_databases


def _inspection(archive: Archive, bureau: Bureau, actor: object = None) -> tuple[int, int]:
    case = archive.registry.create_case(
        actor=actor or bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id
    plan = bureau.issue(archive, case_id=case, form_key="inspection_plan", fields=FIELDS["inspection_plan"], doc_date=D)
    return case, plan.id


def test_passwords_are_scrypt_hashes_and_logins_are_checked(archive: Archive, bureau: Bureau) -> None:
    stored = hash_password("correct horse", log2_n=10)
    assert stored.startswith("scrypt$10$8$1$") and "correct horse" not in stored
    assert verify_password("correct horse", stored) and not verify_password("correct hors", stored)
    with archive.kernel.db.read() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
    with pytest.raises(Unauthenticated) as err:
        archive.accounts.login(username=bureau.handler.name, password="wrong password")
    assert err.value.code == "bad_credentials"
    result = archive.accounts.login(username=bureau.handler.name, password=PASSWORD)
    assert archive.accounts.authenticate(result.token).officer_id == bureau.officer_ids[0]
    archive.accounts.logout(result.token)
    with pytest.raises(Unauthenticated):
        archive.accounts.authenticate(result.token)
    with pytest.raises(ValidationFailed):  # short passwords and unknown roles are refused
        archive.accounts.create_user(
            actor=bureau.admin, username="x1", password="short", org_id=bureau.org_id, roles=["boss"]
        )
    with pytest.raises(Forbidden):  # only administrators add users
        archive.accounts.create_user(actor=bureau.handler, username="x2", password=PASSWORD, org_id=bureau.org_id)
    with pytest.raises(Conflict):
        archive.accounts.bootstrap_admin(username="second", password=PASSWORD)


def test_scopes_follow_the_organisation_tree_and_the_case_team(archive: Archive, bureau: Bureau) -> None:
    case, plan = _inspection(archive, bureau)
    admin = bureau.admin
    # County B (洪洞) beside county A (尧都), both under the city.
    other = archive.registry.create_org(
        actor=admin, name="临汾市洪洞县应急管理局", area="晋临", code="应急", level="county", parent_id=bureau.city_id
    )
    b_officer = archive.registry.create_officer(actor=admin, org_id=other.id, name="周强", cert_no="14102420180009")
    b_handler = add_user(archive, admin, "zhouqiang", officer_id=b_officer.id)
    b_super_officer = archive.registry.create_officer(
        actor=admin, org_id=other.id, name="吴静", cert_no="14102420150003", roles=["supervisor"]
    )
    b_supervisor = add_user(archive, admin, "wujing", officer_id=b_super_officer.id)
    # A handler of county B reads nothing of county A: not the case, its documents, files or deadlines.
    for user in (b_handler, b_supervisor):
        for call in (
            lambda u=user: archive.registry.case(actor=u, case_id=case),
            lambda u=user: archive.documents.get(actor=u, doc_id=plan),
            lambda u=user: archive.documents.file(actor=u, doc_id=plan, kind="pdf"),
            lambda u=user: archive.procedure.deadlines(actor=u, case_id=case),
            lambda u=user: archive.documents.list(actor=u, case_id=case),
            lambda u=user: archive.documents.create_draft(
                actor=u, case_id=case, form_key="inspection_record", fields={}, doc_date=D
            ),
        ):
            with pytest.raises(NotFound):
                call()
        assert archive.registry.cases(actor=user) == [] and archive.documents.list(actor=user) == []
        with pytest.raises(NotFound):  # nor open a case in county A
            archive.registry.create_case(actor=user, org_id=bureau.org_id, kind="inspection", party_id=bureau.party_id)
    # Inside county A: the case team (张伟, 刘洋) sees it; the supervisor sees every case of the county;
    # a handler of the same county outside the team does not.
    assert archive.registry.case(actor=bureau.people["刘洋"], case_id=case).id == case
    assert archive.documents.get(actor=bureau.people["赵敏"], doc_id=plan).id == plan
    loner_officer = archive.registry.create_officer(
        actor=admin, org_id=bureau.org_id, name="钱磊", cert_no="14100220210077"
    )
    loner = add_user(archive, admin, "qianlei", officer_id=loner_officer.id)
    with pytest.raises(NotFound):
        archive.documents.get(actor=loner, doc_id=plan)
    # A city supervisor sees its counties (the organisation and those below it).
    city_officer = archive.registry.create_officer(
        actor=admin, org_id=bureau.city_id, name="郑华", cert_no="14100020110001", roles=["supervisor"]
    )
    city = add_user(archive, admin, "zhenghua", officer_id=city_officer.id)
    assert {c.id for c in archive.registry.cases(actor=city)} >= {case}
    assert archive.documents.get(actor=city, doc_id=plan).id == plan
    # … and the county's administrator manages only its own organisation.
    with pytest.raises(NotFound):
        archive.registry.create_officer(actor=bureau.people["bureau_admin"], org_id=other.id, name="某", cert_no="1")


def test_corrections_need_legal_review_and_the_deputy_then_issue_a_new_edition(
    archive: Archive, bureau: Bureau, tmp_path: Path
) -> None:
    _case, plan = _inspection(archive, bureau)
    before = archive.documents.get(actor=bureau.handler, doc_id=plan)
    changes = {"contact_person": "李建国"}
    with pytest.raises(Forbidden):  # an administrator does not apply for changes; the record's handler does
        archive.changes.request_change(actor=bureau.people["bureau_admin"], doc_id=plan, kind="correct", reason="x")
    request = archive.changes.request_change(
        actor=bureau.handler, doc_id=plan, kind="correct", reason="联系人姓名记录有误", changes=changes
    )
    assert request.status == "pending" and request.pending_step == "review"
    with pytest.raises(Conflict):  # one open request per document
        archive.changes.request_change(actor=bureau.handler, doc_id=plan, kind="void", reason="重复")
    with pytest.raises(Conflict) as err:  # nothing changes without approval
        archive.changes.apply_change(actor=bureau.people["bureau_admin"], request_id=request.id)
    assert err.value.code == "not_approved"
    with pytest.raises(Forbidden):  # 法制审核 first, not the deputy
        archive.changes.decide_change(
            actor=bureau.people["孙建军"], request_id=request.id, approve=True, opinion="同意"
        )
    archive.changes.decide_change(
        actor=bureau.people["赵敏"], request_id=request.id, approve=True, opinion="属实，同意"
    )
    archive.changes.decide_change(actor=bureau.people["孙建军"], request_id=request.id, approve=True, opinion="同意")
    with pytest.raises(Forbidden):  # only the administrator carries it out
        archive.changes.apply_change(actor=bureau.handler, request_id=request.id)
    new = archive.changes.apply_change(actor=bureau.people["bureau_admin"], request_id=request.id)
    old = archive.documents.get(actor=bureau.handler, doc_id=plan)
    assert old.status == "superseded" and old.pdf_sha256 == before.pdf_sha256  # old bytes untouched
    assert new.status == "issued" and new.edition == 2 and new.supersedes_id == plan
    assert new.number == before.number and new.fields["contact_person"] == "李建国"
    text = pdf_text(archive.documents.file(actor=bureau.handler, doc_id=new.id, kind="pdf"), tmp_path)
    assert "李建国" in text and "同意。" in text  # the corrected edition keeps its approval opinions
    assert archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=new.id, kind="pdf")).ok
    assert archive.changes.change_request(actor=bureau.handler, request_id=request.id).status == "applied"


def test_deletion_needs_the_top_level_and_keeps_every_byte(archive: Archive, bureau: Bureau) -> None:
    _case, plan = _inspection(archive, bureau)
    pdf = archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf")
    admin = bureau.admin
    top_legal_officer = archive.registry.create_officer(
        actor=admin, org_id=bureau.city_id, name="冯丽", cert_no="14100020130002", roles=["legal"]
    )
    top_head_officer = archive.registry.create_officer(
        actor=admin, org_id=bureau.city_id, name="陈刚", cert_no="14100020080001", roles=["head"]
    )
    top_legal = add_user(archive, admin, "fengli", officer_id=top_legal_officer.id)
    top_head = add_user(archive, admin, "chengang", officer_id=top_head_officer.id)
    top_admin = add_user(archive, admin, "city-admin", org_id=bureau.city_id, roles=["admin"])
    request = archive.changes.request_change(actor=bureau.handler, doc_id=plan, kind="delete", reason="重复录入")
    # The county's own legal reviewer is not enough: deletion is reviewed at the top of the hierarchy.
    with pytest.raises(Forbidden):
        archive.changes.decide_change(actor=bureau.people["赵敏"], request_id=request.id, approve=True, opinion="同意")
    archive.changes.decide_change(actor=top_legal, request_id=request.id, approve=True, opinion="经审核同意删除")
    archive.changes.decide_change(actor=top_head, request_id=request.id, approve=True, opinion="同意")
    with pytest.raises(Forbidden):  # the county administrator may not carry out a deletion
        archive.changes.apply_change(actor=bureau.people["bureau_admin"], request_id=request.id)
    deleted = archive.changes.apply_change(actor=top_admin, request_id=request.id)
    assert deleted.status == "deleted" and deleted.deleted_by == "city-admin"
    assert plan not in {d.id for d in archive.documents.list(actor=bureau.handler)}
    assert plan in {d.id for d in archive.documents.list(actor=bureau.handler, include_deleted=True)}
    assert archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf") == pdf  # soft: the bytes stay
    with archive.kernel.db.read() as s:
        actions = s.scalars(select(Event.action).where(Event.entity == "document", Event.entity_id == plan)).all()
    assert actions[-4:] == ["delete_requested", "delete_approved", "delete_approved", "deleted"]
    assert archive.upkeep.audit_chain(actor=bureau.admin).ok


def test_a_rejected_request_changes_nothing(archive: Archive, bureau: Bureau) -> None:
    _case, plan = _inspection(archive, bureau)
    request = archive.changes.request_change(actor=bureau.handler, doc_id=plan, kind="void", reason="想作废")
    with pytest.raises(Forbidden):  # nobody approves their own request
        archive.changes.decide_change(actor=bureau.handler, request_id=request.id, approve=True, opinion="同意")
    rejected = archive.changes.decide_change(
        actor=bureau.people["赵敏"], request_id=request.id, approve=False, opinion="理由不充分"
    )
    assert rejected.status == "rejected"
    with pytest.raises(Conflict):
        archive.changes.apply_change(actor=bureau.people["bureau_admin"], request_id=request.id)
    assert archive.documents.get(actor=bureau.handler, doc_id=plan).status == "issued"
