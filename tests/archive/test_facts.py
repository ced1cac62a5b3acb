"""The procedure's one facts model (procedure/facts.py), its builder from stored rows (procedure/stored.py)
and the one reading of 送达回执 rows (procedure/service_dates.py) that the gates and the deadlines share."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from anjuan.archive.config import Settings
from anjuan.archive.models import Document
from anjuan.archive.procedure import events_from_documents, load_gates, load_rules
from anjuan.archive.procedure.facts import CaseFacts, DocFacts, replay
from anjuan.archive.procedure.gates import ServiceSource, check_gates
from anjuan.archive.procedure.service_dates import (
    ReceiptTablesDiffer,
    as_date,
    check_same_receipts,
    normalise,
    service_rows,
)
from anjuan.archive.procedure.stored import doc_facts
from anjuan.archive.rules import Rules

D = dt.date
NOTICE_NUMBER = "（晋临）应急罚告〔2026〕7号"


def _doc(doc_id: int, form_id: str, on: dt.date | None, *, status: str = "issued", **kw: Any) -> DocFacts:
    return DocFacts(id=doc_id, form_id=form_id, status=status, doc_date=on, **kw)


def _receipt(doc_id: int, on: dt.date, *rows: Any) -> DocFacts:
    return _doc(doc_id, "service_receipt", on, fields={"deliveries": list(rows)})


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


# -- 送达回执 rows --------------------------------------------------------------------------------------


def test_service_rows_read_numbers_in_any_bracket_and_dates() -> None:
    spec = load_rules().services
    receipt = _receipt(
        9,
        D(2026, 5, 20),
        {"document": "行政处罚告知书(晋临)应急罚告[2026]7号", "date": "2026-05-12", "method": "直接送达"},
        {"document": "听证告知书", "date": ""},  # names no known number; no date
        {"document": "", "date": "2026-05-13"},  # names nothing at all: skipped
        "not a row",
    )
    other = _doc(8, "penalty_notice", D(2026, 5, 11), number="（晋临）应急罚告〔2026〕8号")
    rows = list(service_rows([other, receipt], spec, [NOTICE_NUMBER, "（晋临）应急罚告〔2026〕17号"]))
    assert [(r.receipt.id, r.number, r.on, r.method) for r in rows] == [
        (9, normalise(NOTICE_NUMBER), D(2026, 5, 12), "直接送达"),
        (9, None, None, ""),
    ]
    assert rows[1].normalised == "听证告知书"


def test_a_longer_number_is_the_more_specific_reading() -> None:
    spec = load_rules().services
    # One number inside another (the archive's own format never nests; typed or imported ones may).
    short, long = "（晋临）应急罚〔2026〕1号", "（晋临）应急罚〔2026〕1号之一"
    receipt = _receipt(9, D(2026, 5, 20), {"document": f"决定书{long}", "date": "2026-05-12"})
    (row,) = service_rows([receipt], spec, [short, long])
    assert row.numbers == (normalise(long), normalise(short)) and row.number == normalise(long)


def test_as_date_reads_stored_and_written_dates() -> None:
    assert as_date("2026-05-12", text=False) == D(2026, 5, 12)
    assert as_date(dt.datetime(2026, 5, 12, 9, 30), text=False) == D(2026, 5, 12)
    assert as_date("2026年5月12日", text=False) == D(2026, 5, 12)
    assert as_date("于2026年5月12日前整改完毕，逾期将依法处理。", text=False) is None  # prose, not a date
    assert as_date("于2026年5月12日前整改完毕，逾期将依法处理。", text=True) == D(2026, 5, 12)
    assert as_date("", text=True) is None and as_date(None, text=True) is None


def test_gates_and_deadlines_read_the_same_service_date_from_the_same_receipt() -> None:
    gates, deadlines = load_gates(), load_rules()
    assert gates.service.reading() == deadlines.services.reading()  # the packaged files agree
    filing = _doc(1, "case_filing_approval", D(2026, 10, 15), number="（晋临）应急立〔2026〕7号")
    notice = _doc(2, "penalty_notice", D(2026, 10, 23), number=NOTICE_NUMBER, fields={"proposed_fine": "10000.00"})
    # Half-width brackets, as people type them: both read the row as serving the notice on 10-26.
    row = {"document": "行政处罚告知书(晋临)应急罚告[2026]7号", "date": "2026-10-26", "method": "直接送达"}
    receipt = _receipt(3, D(2026, 10, 26), row)
    docs = (filing, notice, receipt)

    (served,) = [e for e in events_from_documents(docs, "general", rules=deadlines) if e.kind == "notice_served"]
    assert (served.on, served.source) == (D(2026, 10, 26), NOTICE_NUMBER)

    case = CaseFacts(procedure="general", kind="penalty", documents=docs)
    fields = {"handler_opinion": "建议罚款人民币壹万元整。", "facts_and_basis": "未审批。", "proposed_fine": "10000.00"}
    findings = check_gates(gates, "case_handling_approval", fields, case, on=D(2026, 10, 27))
    (waiting,) = [f for f in findings if f.rule == "after_period"]
    assert "2026-10-26" in waiting.message_en  # the period starts from the same service date
    assert check_gates(gates, "case_handling_approval", fields, case, on=D(2026, 10, 30)) == []


def test_two_rule_files_reading_different_receipt_tables_are_refused() -> None:
    gates, deadlines = load_gates(), load_rules()
    other = ServiceSource(form="service_receipt", table="deliveries", document_column="remarks", date_column="date")
    check_same_receipts(gates.service, deadlines.services, files=("gates.yaml", "deadlines.yaml"))
    with pytest.raises(ReceiptTablesDiffer) as info:
        check_same_receipts(other, deadlines.services, files=("gates.yaml", "deadlines.yaml"))
    assert info.value.code == "receipt_tables_differ" and "remarks" in info.value.message_en


def test_the_rules_refuse_a_gates_override_reading_another_receipt_column(tmp_path: Path) -> None:
    packaged = resources.files("anjuan.archive.procedure").joinpath("gates.yaml").read_text("utf-8")
    data = yaml.safe_load(packaged)
    data["service"]["document_column"] = "remarks"  # a text column of the table: the gates file alone is valid
    path = tmp_path / "gates.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    assert load_gates(path).service.document_column == "remarks"
    rules = Rules(Settings(data_dir=tmp_path / "data", gates_path=path))
    with pytest.raises(ReceiptTablesDiffer):
        rules.gates  # noqa: B018 — loading is the act under test
