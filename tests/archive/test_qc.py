"""质量检查: the saved queries run by name on real issued, sealed documents — each query finds the case
planted for it and passes over its near miss, only inside the acting user's scope — and the
publication record (公示) of penalty decisions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from anjuan.archive import events
from anjuan.archive.access import Principal
from anjuan.archive.clock import today as beijing_today
from anjuan.archive.errors import NotFound, ValidationFailed
from anjuan.archive.models import Document, Event
from anjuan.archive.procedure.deadlines import compute_deadlines, events_from_documents
from anjuan.archive.procedure.stored import doc_facts
from anjuan.archive.qc import (
    AlreadyPublished,
    Finding,
    NotPublishable,
    QcQueriesError,
    QcRun,
    QualityService,
    load_queries,
    publishable_forms,
    published_events,
)
from anjuan.archive.service import Archive
from sqlalchemy import select

from tests.fixtures.archive import Bureau, add_user, decision_fields

pytestmark = [pytest.mark.both_databases, pytest.mark.archive_settings(enforce_gates=False)]

# Back-filled cases (as in test_review): the procedure gates are off so each test issues only the
# documents its query reads, with the dates it needs. Everything else — numbering, rendering, sealing,
# approvals, the event log — is the real path.


@pytest.fixture
def qc(archive: Archive) -> QualityService:
    return QualityService(archive.kernel)


def _case(archive: Archive, bureau: Bureau, name: str, kind: str = "inspection", actor: Principal | None = None) -> int:
    return archive.registry.create_case(
        actor=actor or bureau.handler,
        org_id=bureau.org_id,
        kind=kind,
        name=name,
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def _issue(
    archive: Archive,
    bureau: Bureau,
    case_id: int,
    form: str,
    on: dt.date,
    fields: dict[str, Any],
    parent_id: int | None = None,
    actor: Principal | None = None,
) -> Document:
    return bureau.issue(
        archive,
        actor=actor or bureau.handler,
        case_id=case_id,
        form_key=form,
        fields=json.loads(json.dumps(fields, default=str)),
        parent_id=parent_id,
        doc_date=on,
    )


def _order(archive: Archive, bureau: Bureau, case_id: int, on: dt.date, deadline: dt.date) -> Document:
    return _issue(
        archive,
        bureau,
        case_id,
        "rectification_order",
        on,
        {
            "problems": ["危险化学品仓库内甲醇与氧化剂混存"],
            "rectify_items": "第1项",
            "deadline": deadline,
            "onsite_person": "王建国",
        },
    )


def _reinspection(archive: Archive, bureau: Bureau, case_id: int, on: dt.date, parent_id: int) -> Document:
    fields = {"reinspection_date": on, "rectification_status": "已全部整改", "opinion": "经复查，问题已整改完毕。"}
    return _issue(archive, bureau, case_id, "reinspection_opinion", on, fields, parent_id=parent_id)


def _found(report: QcRun) -> dict[int, Finding]:
    """Findings by document id (or by case id for case-level findings)."""
    return {f.document_id or f.case_id: f for f in report.findings}


# -- the saved queries as data ----------------------------------------------------------------------


def test_the_saved_queries_load_and_a_bad_file_is_refused(qc: QualityService, tmp_path: Path) -> None:
    by_name = {q.name: q for q in qc.queries()}
    assert set(by_name) == {
        "rectification_overdue",
        "publication_overdue",
        "case_open_too_long",
        "unsealed_documents",
        "low_review_score",
        "numbered_drafts",
    }
    assert by_name["publication_overdue"].params == {"working_days": 7}
    assert by_name["numbered_drafts"].params == {"minutes": 15}
    assert by_name["case_open_too_long"].params == {"days": 90}
    assert by_name["low_review_score"].params == {"min_score": 60}
    assert all(q.title_zh and q.title_en for q in by_name.values())

    bad = tmp_path / "queries.yaml"
    bad.write_text(
        "version: 1\nqueries:\n"
        "  - {name: late, title_zh: 迟, title_en: late, check: publication_overdue, params: {working_day: 7}}\n",
        encoding="utf-8",
    )
    with pytest.raises(QcQueriesError) as exc:
        load_queries(bad)
    assert exc.value.details["errors"][0]["where"] == "queries[late].params.working_day"
    bad.write_text(
        "version: 1\nqueries:\n"
        "  - {name: a, title_zh: 甲, title_en: a, check: low_review_score, colour: red}\n"
        "  - {name: a, title_zh: 甲, title_en: a, check: low_review_score}\n",
        encoding="utf-8",
    )
    with pytest.raises(QcQueriesError, match="colour"):
        load_queries(bad)


def test_an_unknown_name_is_an_error_and_a_run_is_logged(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    with pytest.raises(NotFound) as exc:
        qc.run(actor=bureau.handler, name="no_such_check")
    assert exc.value.code == "qc_unknown" and "publication_overdue" in exc.value.details["known"]
    report = qc.run(actor=bureau.handler, name="case_open_too_long", today=dt.date(2026, 1, 1))
    assert report.count == 0 and report.today == dt.date(2026, 1, 1) and report.params == {"days": 90}
    with archive.kernel.db.read() as s:
        logged = s.scalars(select(Event).where(Event.entity == "qc", Event.action == "qc_run")).all()
    assert [(e.actor, e.data["name"], e.data["count"]) for e in logged] == [
        (bureau.handler.name, "case_open_too_long", 0)
    ]


# -- 整改期限已过未复查 --------------------------------------------------------------------------------


def test_rectification_overdue(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    issued, deadline = dt.date(2026, 3, 2), dt.date(2026, 3, 20)
    # 1. Re-inspected (the 复查意见书 names the order as its parent): not a finding.
    done = _case(archive, bureau, "已复查的检查")
    done_order = _order(archive, bureau, done, issued, deadline)
    _reinspection(archive, bureau, done, dt.date(2026, 3, 23), done_order.id)
    # 2. No re-inspection of the order — the case's only 复查 answers its 现场处理措施决定书: a finding.
    late = _case(archive, bureau, "未复查的检查")
    measures = _issue(
        archive,
        bureau,
        late,
        "onsite_measures_decision",
        issued,
        {
            "inspection_date": issued,
            "violations": ["有限空间作业未审批"],
            "legal_basis": "《中华人民共和国安全生产法》第六十五条第一款第三项",
            "decisions": ["立即停止有限空间作业"],
        },
    )
    late_order = _order(archive, bureau, late, issued, deadline)
    _reinspection(archive, bureau, late, dt.date(2026, 3, 5), measures.id)
    # 3. The deadline extended (整改复查延期申请答复书, 同意延期) to 04-30: not overdue until then.
    extended = _case(archive, bureau, "经批准延期整改的检查")
    extended_order = _order(archive, bureau, extended, issued, deadline)
    _issue(
        archive,
        bureau,
        extended,
        "reinspection_extension_reply",
        dt.date(2026, 3, 18),
        {
            "application_date": dt.date(2026, 3, 16),
            "decision": "同意延期",
            "new_deadline": dt.date(2026, 4, 30),
            "reason": "设备采购周期较长。",
        },
        parent_id=extended_order.id,
    )

    assert qc.run(actor=bureau.handler, name="rectification_overdue", today=deadline).count == 0
    report = qc.run(actor=bureau.handler, name="rectification_overdue", today=dt.date(2026, 3, 31))
    found = _found(report)
    assert set(found) == {late_order.id}
    row = found[late_order.id]
    assert row.due == deadline and row.days_over == 11 and row.case_id == late
    assert row.number == late_order.number and row.title == "责令限期整改指令书"
    assert row.org == "临汾市尧都区应急管理局" and "整改复查意见书" in row.detail_zh

    later = _found(qc.run(actor=bureau.handler, name="rectification_overdue", today=dt.date(2026, 5, 4)))
    assert set(later) == {late_order.id, extended_order.id}
    assert later[extended_order.id].due == dt.date(2026, 4, 30) and later[extended_order.id].days_over == 4
    assert "延期" in later[extended_order.id].detail_zh
    # As of a day before the 复查 was done, the re-inspected order was still open.
    before = _found(qc.run(actor=bureau.handler, name="rectification_overdue", today=dt.date(2026, 3, 22)))
    assert set(before) == {late_order.id, done_order.id}


# -- 行政处罚决定未按期公开 ----------------------------------------------------------------------------


def test_publication_overdue_and_the_publication_record(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    decided = dt.date(2026, 3, 6)  # a Friday; the 7th working day after it is Tuesday 03-17
    limit = archive.kernel.rules.calendar.add_working_days(decided, 7)
    assert limit == dt.date(2026, 3, 17)
    decisions = {}
    for label in ("on_time", "late", "never"):
        case = _case(archive, bureau, f"处罚案件（{label}）", kind="penalty")
        decisions[label] = _issue(archive, bureau, case, "penalty_decision_org", decided, decision_fields())
    on_day_5 = archive.kernel.rules.calendar.add_working_days(decided, 5)  # 03-13
    on_day_9 = archive.kernel.rules.calendar.add_working_days(decided, 9)  # 03-19
    assert (on_day_5, on_day_9) == (dt.date(2026, 3, 13), dt.date(2026, 3, 19))
    handler = bureau.handler
    qc.publish(actor=handler, document_id=decisions["on_time"].id, published_on=on_day_5, channel="网站")
    row = qc.publish(
        actor=handler,
        document_id=decisions["late"].id,
        published_on=on_day_9,
        channel="网站",
        url="https://yjj.example.gov.cn/xzcf/2026/1",
    )
    assert row.recorded_by == handler.name and row.org_id == bureau.org_id

    assert qc.run(actor=handler, name="publication_overdue", today=limit).count == 0
    # The day after the limit: the late one is not published yet either (its record is dated 03-19).
    found = _found(qc.run(actor=handler, name="publication_overdue", today=dt.date(2026, 3, 18)))
    assert set(found) == {decisions["late"].id, decisions["never"].id}
    assert {f.days_over for f in found.values()} == {1} and "未登记公开" in found[decisions["late"].id].detail_zh

    report = qc.run(actor=handler, name="publication_overdue", today=dt.date(2026, 3, 31))
    found = _found(report)
    assert set(found) == {decisions["late"].id, decisions["never"].id}
    assert found[decisions["late"].id].due == limit and found[decisions["late"].id].days_over == 2
    assert "2026-03-19" in found[decisions["late"].id].detail_zh
    assert found[decisions["never"].id].days_over == 14 and "未登记公开" in found[decisions["never"].id].detail_zh

    # The record: once per decision, not before it, and only for an issued penalty decision.
    with pytest.raises(AlreadyPublished):
        qc.publish(actor=handler, document_id=decisions["late"].id, published_on=on_day_9, channel="网站")
    with pytest.raises(ValidationFailed):
        qc.publish(actor=handler, document_id=decisions["never"].id, published_on=dt.date(2026, 3, 5), channel="网站")
    with pytest.raises(ValidationFailed):
        tomorrow = beijing_today() + dt.timedelta(days=1)
        qc.publish(actor=handler, document_id=decisions["never"].id, published_on=tomorrow, channel="网站")
    inspection = _case(archive, bureau, "检查")
    order = _order(archive, bureau, inspection, decided, dt.date(2026, 3, 20))
    with pytest.raises(NotPublishable) as exc:
        qc.publish(actor=handler, document_id=order.id, published_on=on_day_5, channel="网站")
    assert exc.value.code == "not_publishable"
    with archive.kernel.db.read() as s:
        logged = s.scalars(
            select(Event).where(Event.entity == "document", Event.action == "published").order_by(Event.id)
        ).all()
        assert [(e.entity_id, e.data["published_on"]) for e in logged] == [
            (decisions["on_time"].id, "2026-03-13"),
            (decisions["late"].id, "2026-03-19"),
        ]
        # The deadline engine's `publication` rule reads the same records (extra `published` events).
        doc = s.get(Document, decisions["late"].id)
        assert doc is not None and doc.doc_date is not None
        facts = [doc_facts(doc)]
        extra = published_events(s, [doc.id])
    case_events = events_from_documents(facts, "general", rules=archive.kernel.rules.deadlines, extra=extra)
    rule = next(
        d
        for d in compute_deadlines(
            case_events,
            archive.kernel.rules.deadlines,
            procedure="general",
            opened_on=decided,
            today=dt.date(2026, 3, 31),
            calendar=archive.kernel.rules.calendar,
        )
        if d.rule_id == "publication"
    )
    assert rule.due == limit and str(rule.status) == "met_late" and rule.satisfied_on == on_day_9


def test_publishable_forms_are_the_decisions_the_publication_deadline_follows(archive: Archive) -> None:
    rules = archive.kernel.rules.deadlines
    trigger = next(r.trigger for r in rules.rules if r.id == "publication")
    forms = {s.form for s in rules.document_events if s.event == trigger and "general" in s.procedures}
    # The 一般程序 行政处罚决定书 (单位/个人); not the 当场处罚决定书 nor the 不予行政处罚决定书.
    assert publishable_forms(rules) == forms == {"penalty_decision_org", "penalty_decision_person"}
    assert QualityService(archive.kernel).publishable_forms == forms


# -- 案件长期未结 ----------------------------------------------------------------------------------


def test_case_open_too_long(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    now = beijing_today()
    # Opened today with no 立案审批表: counted from today.
    fresh = _case(archive, bureau, "新登记的检查")
    # Entered today, but 立案 100 days ago (a back-filled case): counted from its 立案.
    filed = _case(archive, bureau, "立案已久的处罚案件", kind="penalty")
    filing = _issue(
        archive,
        bureau,
        filed,
        "case_filing_approval",
        now - dt.timedelta(days=100),
        {
            "case_source": "监督检查",
            "source_date": now - dt.timedelta(days=101),
            "case_summary": "现场检查发现有限空间作业未审批。",
            "handler_opinion": "符合立案条件，建议立案调查。",
        },
    )
    # Closed: never a finding, however old.
    closed = _case(archive, bureau, "已结案的检查")
    archive.casefiles.close(actor=bureau.handler, case_id=closed)

    found = _found(qc.run(actor=bureau.handler, name="case_open_too_long", today=now))
    assert set(found) == {filed}
    row = found[filed]
    assert row.document_id is None and row.number == filing.number and row.title == "立案已久的处罚案件"
    assert row.due == now - dt.timedelta(days=10) and row.days_over == 10

    assert set(_found(qc.run(actor=bureau.handler, name="case_open_too_long", today=now + dt.timedelta(90)))) == {filed}
    found = _found(qc.run(actor=bureau.handler, name="case_open_too_long", today=now + dt.timedelta(91)))
    assert set(found) == {filed, fresh}
    assert found[fresh].days_over == 1 and found[fresh].number is None


# -- 文书签章缺失或验证未通过 ------------------------------------------------------------------------


def test_unsealed_documents(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    case = _case(archive, bureau, "签章检查")
    on = dt.date(2026, 3, 2)
    intact = _order(archive, bureau, case, on, dt.date(2026, 3, 20))
    altered = _reinspection(archive, bureau, case, dt.date(2026, 3, 20), intact.id)
    unsigned = _issue(
        archive,
        bureau,
        case,
        "onsite_measures_decision",
        on,
        {"inspection_date": on, "violations": ["无"], "legal_basis": "无", "decisions": ["无"]},
    )
    qc = QualityService(archive.kernel)
    assert qc.run(actor=bureau.handler, name="unsealed_documents", today=on + dt.timedelta(60)).count == 0

    # The stored copy of one no longer matches what was sealed; another has no signatures on record.
    pdf = bytearray(archive.documents.file(actor=bureau.handler, doc_id=altered.id, kind="pdf"))
    pdf[len(pdf) // 2] ^= 0x01
    with archive.kernel.db.write() as s:
        row = s.get(Document, altered.id)
        assert row is not None
        row.pdf_sha256 = archive.kernel.blobs.put(bytes(pdf))
        row2 = s.get(Document, unsigned.id)
        assert row2 is not None
        row2.signatures = []
    found = _found(qc.run(actor=bureau.handler, name="unsealed_documents", today=on + dt.timedelta(60)))
    assert set(found) == {altered.id, unsigned.id}
    assert "未记录电子签章" in found[unsigned.id].detail_zh
    assert found[altered.id].number == altered.number and found[altered.id].due is None

    # A quick variant saved beside the others: signatures on record only, no PDF verification.
    queries = tmp_path / "queries.yaml"
    queries.write_text(
        "version: 1\nqueries:\n"
        "  - name: unsigned_quick\n    title_zh: 未签章文书（快速）\n    title_en: Unsigned documents (quick)\n"
        "    check: unsealed_documents\n    params: {verify_pdf: false}\n",
        encoding="utf-8",
    )
    quick = QualityService(archive.kernel, queries_path=queries)
    assert set(_found(quick.run(actor=bureau.handler, name="unsigned_quick", today=on + dt.timedelta(60)))) == {
        unsigned.id
    }


# -- 案卷评查得分偏低 --------------------------------------------------------------------------------


def test_low_review_score_reads_each_cases_latest_review(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    improved, worsened, real = (_case(archive, bureau, n) for n in ("复评合格", "复评不合格", "实际评查"))
    reviewer = bureau.people["赵敏"].name

    def review(case_id: int, score: float, rating: str) -> None:
        with archive.kernel.db.write() as s:  # what ReviewService.review records
            events.record(
                s,
                actor=reviewer,
                entity="case",
                entity_id=case_id,
                action="reviewed",
                score=score,
                rating=rating,
                findings=3,
                veto=[],
            )

    review(improved, 50, "不合格")
    review(improved, 85, "良好")
    review(worsened, 85, "良好")
    review(worsened, 55.5, "不合格")
    # And one review as the reviewer runs it: an empty case file scores what it scores.
    real_review = archive.reviews.review(actor=bureau.people["赵敏"], case_id=real)
    score = real_review.score if real_review.final or real_review.veto else 100.0  # 初评: not judged low yet

    now = beijing_today()
    found = _found(qc.run(actor=bureau.handler, name="low_review_score", today=now))
    expected = {worsened} | ({real} if score < 60 else set())
    assert set(found) == expected
    assert "55.5" in found[worsened].detail_zh and found[worsened].document_id is None
    # Nothing was reviewed yet the day before.
    assert qc.run(actor=bureau.handler, name="low_review_score", today=now - dt.timedelta(days=1)).count == 0


# -- scope ------------------------------------------------------------------------------------------


def test_findings_stay_inside_the_actors_scope(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    admin = bureau.admin
    county_b = archive.registry.create_org(
        actor=admin, name="临汾市洪洞县应急管理局", area="晋洪", code="应急", level="county", parent_id=bureau.city_id
    )
    b_officers = [
        archive.registry.create_officer(actor=admin, org_id=county_b.id, name="周强", cert_no="14102420180009"),
        archive.registry.create_officer(actor=admin, org_id=county_b.id, name="吴静", cert_no="14102420150003"),
    ]
    b_handler = add_user(archive, admin, "zhouqiang", officer_id=b_officers[0].id)
    city_officer = archive.registry.create_officer(
        actor=admin, org_id=bureau.city_id, name="郑华", cert_no="14100020110001", roles=["supervisor"]
    )
    city = add_user(archive, admin, "zhenghua", officer_id=city_officer.id)

    decided = dt.date(2026, 3, 6)
    a_case = _case(archive, bureau, "尧都区处罚案件", kind="penalty")
    a_decision = _issue(archive, bureau, a_case, "penalty_decision_org", decided, decision_fields())
    b_case = archive.registry.create_case(
        actor=b_handler,
        org_id=county_b.id,
        kind="penalty",
        name="洪洞县处罚案件",
        party_id=bureau.party_id,
        officer_ids=[o.id for o in b_officers],
    ).id
    b_decision = _issue(archive, bureau, b_case, "penalty_decision_org", decided, decision_fields(), actor=b_handler)
    today = dt.date(2026, 3, 31)

    def seen(actor: Principal, name: str = "publication_overdue") -> set[int]:
        return set(_found(qc.run(actor=actor, name=name, today=today)))

    assert seen(b_handler) == {b_decision.id}
    assert seen(bureau.handler) == {a_decision.id}
    assert seen(bureau.people["赵敏"]) == {a_decision.id}  # a county supervisor: that county only
    assert seen(city) == {a_decision.id, b_decision.id}  # the city sees both counties
    assert seen(bureau.people["刘洋"]) == {a_decision.id}  # on the case team
    # The same for the seal check and a case-level query.
    assert seen(b_handler, "unsealed_documents") == set()
    later = today + dt.timedelta(days=400)
    assert {f.case_id for f in qc.run(actor=b_handler, name="case_open_too_long", today=later).findings} == {b_case}
    assert b_case not in {
        f.case_id for f in qc.run(actor=bureau.handler, name="case_open_too_long", today=later).findings
    }
    # County B cannot record county A's publication: the decision does not exist for it.
    with pytest.raises(NotFound):
        qc.publish(actor=b_handler, document_id=a_decision.id, published_on=dt.date(2026, 3, 10), channel="网站")


# -- 公示 notices ---------------------------------------------------------------------------------------


def test_notices_publish_organisations_and_mask_people(archive: Archive, bureau: Bureau, qc: QualityService) -> None:
    person = archive.registry.create_party(
        actor=bureau.handler,
        kind="person",
        name="王建国",
        id_number="142601198005061234",
        address="临汾市尧都区解放路3号",
        phone="13812345678",
    )
    decided = dt.date(2026, 3, 6)
    org_case = _case(archive, bureau, "单位处罚案件", kind="penalty")
    org_decision = _issue(archive, bureau, org_case, "penalty_decision_org", decided, decision_fields())
    person_case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="penalty",
        name="个人处罚案件",
        party_id=person.id,
        officer_ids=bureau.officer_ids,
    ).id
    facts = "王建国（身份证号142601198005061234，住址：临汾市尧都区解放路3号，电话13812345678）无证从事电工作业。"
    person_fields = {**decision_fields(), "facts": facts, "penalty": "罚款人民币伍千元整", "fine": 5000}
    person_decision = _issue(archive, bureau, person_case, "penalty_decision_person", decided, person_fields)
    outside = _issue(archive, bureau, org_case, "penalty_decision_org", dt.date(2026, 5, 6), decision_fields())
    qc.publish(
        actor=bureau.handler,
        document_id=org_decision.id,
        published_on=dt.date(2026, 3, 9),
        channel="门户网站",
        url="https://www.yaodu.gov.cn/xzcf/1",
    )
    rows = {
        r.document_id: r for r in qc.notices(actor=bureau.handler, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    }
    assert set(rows) == {org_decision.id, person_decision.id}  # the May decision is outside the period
    assert outside.id not in rows
    org_row, person_row = rows[org_decision.id], rows[person_decision.id]
    assert org_row.party == archive.registry.party(actor=bureau.handler, key=bureau.party_id).name
    assert org_row.credit_code and org_row.published_on == dt.date(2026, 3, 9)
    assert org_row.url.endswith("/xzcf/1") and org_row.number == org_decision.number
    assert org_row.basis.startswith("《中华人民共和国安全生产法》第四十三条")
    assert person_row.party == "王某" and person_row.credit_code == ""
    assert person_row.facts == (
        "王某（身份证号[身份证号已隐去]，住址：[住址已隐去]，电话[电话已隐去]）无证从事电工作业。"
    )
    assert person_row.result == "罚款人民币伍千元整" and person_row.published_on is None
    assert person_row.publish_by == dt.date(2026, 3, 17)  # 7 working days after Friday 6 March
    from anjuan.archive.qc.notice import notices_csv

    text = notices_csv(list(rows.values()))
    assert text.startswith("\ufeff行政处罚决定书文号,当事人,") and "王建国" not in text and "13812345678" not in text
