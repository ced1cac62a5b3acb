"""The query language: what users type becomes the intended tree, and bad input says where it is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from anjuan.indexing.query import And, Match, Not, Or, QuerySyntaxError, Range, parse


def test_terms_are_anded_and_or_binds_looser() -> None:
    assert parse("有限空间 粉尘涉爆") == And((Match("text", "有限空间"), Match("text", "粉尘涉爆")))
    assert parse("a OR b c") == Or((Match("text", "a"), And((Match("text", "b"), Match("text", "c")))))


def test_not_minus_and_parentheses() -> None:
    assert parse("-烟花 NOT 爆竹") == And((Not(Match("text", "烟花")), Not(Match("text", "爆竹"))))
    assert parse("(有限空间 OR 受限空间) 化工") == And(
        (Or((Match("text", "有限空间"), Match("text", "受限空间"))), Match("text", "化工"))
    )


def test_phrases_in_ascii_or_chinese_quotes() -> None:
    assert parse('"未按规定 配备"') == Match("text", "未按规定 配备", quoted=True)
    assert parse("“未按规定配备”") == Match("text", "未按规定配备", quoted=True)


def test_fields_in_english_or_chinese() -> None:
    assert parse("当事人:鑫达") == Match("party", "鑫达")
    assert parse("form:rectification_order") == Match("form", "rectification_order")
    assert parse("文号:应急罚〔2023〕12号") == Match("number", "应急罚〔2023〕12号", quoted=True)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("issued:2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("issued:2023-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("issued:2023-01-01..2023-06-30", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ("签发:..2023-06", None, dt.date(2023, 6, 30)),
        ("decided:>=2024-03-01", dt.date(2024, 3, 1), None),
    ],
)
def test_date_ranges(text: str, low: dt.date | None, high: dt.date | None) -> None:
    node = parse(text)
    assert isinstance(node, Range)
    assert (node.low, node.high) == (low, high)


def test_amount_range_understands_wan() -> None:
    assert parse("amount:1万..5万") == Range("amount", 10_000.0, 50_000.0)


def test_a_number_alone_is_an_exact_number_query() -> None:
    assert parse("（晋临）应急罚〔2023〕12号") == Match("number", "（晋临）应急罚〔2023〕12号", quoted=True)
    assert parse("（晋临）应急罚〔2023〕12-2号") == Match("number", "（晋临）应急罚〔2023〕12-2号", quoted=True)


def test_a_minus_before_a_number_is_text() -> None:
    assert parse("-18℃") == Match("text", "-18℃")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('"未闭合', 0),
        ("(有限空间", 0),
        ("有限空间)", 4),
        ("issued:2023-13", 0),
        ("issued:2024..2023", 0),
        ("colour:red", 0),
        ("amount:abc", 0),
        ("OR", 0),
    ],
)
def test_bad_queries_raise_with_a_position(text: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    assert info.value.position == position
    assert info.value.message_zh and info.value.message_en


def test_empty_query_matches_everything() -> None:
    assert parse("   ") is None
