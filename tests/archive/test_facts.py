"""The procedure's one facts model (procedure/facts.py) and its builder from stored rows (procedure/stored.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from anjuan.archive.models import Document
from anjuan.archive.procedure.facts import CaseFacts, DocFacts, replay
from anjuan.archive.procedure.stored import doc_facts

D = dt.date
NOTICE_NUMBER = "（晋临）应急罚告〔2026〕7号"


def _doc(doc_id: int, form_id: str, on: dt.date | None, *, status: str = "issued", **kw: Any) -> DocFacts:
    return DocFacts(id=doc_id, form_id=form_id, status=status, doc_date=on, **kw)


# -- the model ---------------------------------------------------------------------------------------


def test_no_number_has_one_spelling() -> None:
    blank = _doc(1, "inquiry_record", D(2026, 5, 1), number="  ")
    assert blank.number is None and blank.number_text == "" and blank.ref == "1"
    numbered = _doc(2, "penalty_notice", D(2026, 5, 1), number=NOTICE_NUMBER)
    assert numbered.number_text == numbered.ref == NOTICE_NUMBER


def test_fields_are_named_never_positional() -> None:
    with pytest.raises(TypeError):
        DocFacts(1, "penalty_notice", "issued")  # type: ignore[misc]
    with pytest.raises(TypeError):
        CaseFacts("general", "penalty")  # type: ignore[misc]


def test_replay_judges_each_document_against_those_dated_by_its_day() -> None:
    filing = _doc(3, "case_filing_approval", D(2026, 5, 1))
    notice = _doc(1, "penalty_notice", D(2026, 5, 4))
    same_day = _doc(2, "inquiry_record", D(2026, 5, 4))
    undated = _doc(4, "inquiry_record", None)
    case = CaseFacts(procedure="general", kind="penalty", documents=(undated, notice, same_day, filing))
    steps = [
        (doc.id, on, [d.id for d in earlier.documents]) for doc, on, earlier in replay(case, undated_on=D(2026, 6, 1))
    ]
    assert steps == [
        (3, D(2026, 5, 1), []),
        (1, D(2026, 5, 4), [3, 2]),  # the same day counts: the dates do not tell the order
        (2, D(2026, 5, 4), [3, 1]),
        (4, D(2026, 6, 1), [3, 1, 2]),  # undated: judged last, counted by nobody
    ]
    assert all(earlier.kind == "penalty" for _, _, earlier in replay(case, undated_on=D(2026, 6, 1)))


def test_doc_facts_reads_a_stored_row_without_aliasing_it() -> None:
    row = Document(
        id=5,
        form_id="penalty_notice",
        status="issued",
        doc_date=D(2026, 5, 4),
        fields={"proposed_fine": "2000.00"},
        parent_id=2,
        number=NOTICE_NUMBER,
    )
    facts = doc_facts(row)
    assert facts == _doc(
        5, "penalty_notice", D(2026, 5, 4), fields={"proposed_fine": "2000.00"}, parent_id=2, number=NOTICE_NUMBER
    )
    assert facts.fields is not row.fields
