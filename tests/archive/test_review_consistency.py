"""The cross-document checks (archive/review/consistency.py) on cases described in a few lines: the
readings the corpus (test_review_corpus.py) cannot reach through the service — a lowered fine that
the decision explains, a party named by its 字号 or beside another enterprise, editions named by a
decree number, officers repeated on one document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anjuan.archive.catalogue import load_catalogue
from anjuan.archive.procedure.facts import CaseFacts, DocFacts
from anjuan.archive.procedure.gates import load_gates
from anjuan.archive.review import load_review_rules
from anjuan.archive.review.checks import DocInfo, PartyFacts, ReviewInput
from anjuan.archive.review.consistency import CHECKS, citations

PARTY = PartyFacts(kind="organisation", name="临汾市尧都区鑫达化工有限公司", credit_code="91141002MA0K1234EY")


def _doc(doc_id: int, form_id: str, day: str, officers: tuple[tuple[str, str], ...] = (), **fields: Any) -> DocInfo:
    facts = DocFacts(
        id=doc_id,
        form_id=form_id,
        status="issued",
        doc_date=dt.date.fromisoformat(day),
        fields=fields,
        number=f"（晋临）应急{doc_id}〔2025〕1号",
    )
    return DocInfo(facts=facts, name=form_id, officers=officers, pdf=b"", handler_signatures=True, numbered=True)


def _run(check: str, *docs: DocInfo, major: bool = False) -> list[Any]:
    item = next(i for i in load_review_rules().items if i.check == check)
    catalogue = load_catalogue()
    data = ReviewInput(
        case_id=1,
        case=CaseFacts(procedure="general", kind="penalty", major=major, documents=tuple(d.facts for d in docs)),
        volume_kind="general",
        review_body="",
        court="",
        docs=docs,
        deadlines=(),
        gates=load_gates(catalogue=catalogue),
        is_workday=lambda day: day.weekday() < 5,
        catalogue=catalogue,
        verify=lambda pdf: None,  # type: ignore[arg-type,return-value]
        counter_seqs={},
        as_of=dt.date(2026, 12, 7),
        item_config=dict(item.model_extra or {}),
        party=PARTY,
    )
    return list(CHECKS[check](data))


def test_citations_carry_the_law_to_articles_without_a_title() -> None:
    cited = citations("违反《中华人民共和国安全生产法》（2021年修正）第三十九条第二款，依据第一百零一条第（一）项")
    assert [(c.law, c.edition, c.article, c.paragraph, c.item) for c in cited] == [
        ("安全生产法", "2021年修正", 39, 2, None),
        ("安全生产法", "2021年修正", 101, None, 1),
    ]


def test_a_lowered_fine_is_explained_by_the_defence_and_the_decision() -> None:
    notice = _doc(1, "penalty_notice", "2025-03-14", proposed_fine="30000")
    defence = _doc(2, "statement_defence_record", "2025-03-16")
    decided = {"fine": "20000", "defence_adoption": "当事人已整改完毕，采纳其从轻处罚的申辩意见。"}
    assert _run("fine_consistency", notice, defence, _doc(3, "penalty_decision_org", "2025-03-21", **decided)) == []
    # Without the defence on file, the same decision is a finding; a higher fine always is.
    assert _run("fine_consistency", notice, _doc(3, "penalty_decision_org", "2025-03-21", **decided))
    higher = _doc(3, "penalty_decision_org", "2025-03-21", fine="40000", defence_adoption="不予采纳。")
    assert "高于告知" in _run("fine_consistency", notice, defence, higher)[0].message_zh


def test_the_party_by_its_short_name_or_beside_another_enterprise_is_not_misnamed() -> None:
    facts = "鑫达化工有限公司将临汾市恒通物流有限公司运来的甲醇与氧化剂混存（统一社会信用代码91141002MA0K1234EY）"
    assert _run("party_identity", _doc(1, "penalty_decision_org", "2025-03-21", facts=facts)) == []
    wrong_code = _doc(1, "penalty_decision_org", "2025-03-21", facts="当事人（91141002MA0K1234EX）混存甲醇")
    assert "91141002MA0K1234EX" in _run("party_identity", wrong_code)[0].message_zh


def test_an_edition_named_by_its_decree_is_judged_by_its_own_period() -> None:
    old = "《安全生产违法行为行政处罚办法》（国家安全生产监督管理总局令第15号）第四十五条"
    assert _run("laws_in_force", _doc(1, "penalty_decision_org", "2026-01-20", penalty_basis=old)) == []
    late = _run("laws_in_force", _doc(1, "penalty_decision_org", "2026-03-02", penalty_basis=old))
    assert late and "不在施行期内" in late[0].message_zh
    early = "《中华人民共和国安全生产法》（2021年修正）第九十九条"  # cited before it took effect
    assert _run("laws_in_force", _doc(1, "penalty_decision_org", "2021-06-01", penalty_basis=early))


def test_an_officer_twice_on_one_document_and_a_ticked_major_case() -> None:
    twice = (("张伟", "14100220190031"), ("张伟", "14100220190031"))
    assert _run("officers_distinct", _doc(1, "inquiry_record", "2025-03-06", officers=twice))
    suspended = _doc(1, "penalty_decision_org", "2025-03-21", penalty_types=["责令停产停业"], fine="5000")
    assert _run("major_inferred", suspended)
    assert _run("major_inferred", suspended, major=True) == []  # marked 重大: the procedure gates judge it
