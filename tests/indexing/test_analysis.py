"""Analysis: folding keeps offsets, numbers match in any bracket style, the dictionary keeps terms whole."""

from __future__ import annotations

import pytest
from anjuan.indexing.analysis import Analyzer, bigrams, fold, looks_like_number, number_keys, squeeze


def test_fold_keeps_length_and_unifies_width_case_and_brackets() -> None:
    text = "ＡＢＣ１２３　应急罚〔2023〕【12】号"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "abc123 应急罚[2023][12]号"


def test_squeeze_removes_line_breaks_inside_words() -> None:
    assert squeeze("有限\n空间  作业") == "有限空间作业"


def test_bigrams_end_with_the_last_character() -> None:
    assert list(bigrams("有限空间")) == [("有限", 0), ("限空", 1), ("空间", 2), ("间", 3)]
    assert list(bigrams("罚")) == [("罚", 0)]


@pytest.mark.parametrize(
    "typed",
    [
        "（晋临）应急罚〔2023〕12号",
        "(晋临)应急罚[2023]12号",
        "（晋临）应急罚【2023】12号",
        "（ 晋临 ）应急罚〔2023〕12 号",
    ],
)
def test_number_keys_agree_whatever_the_brackets(typed: str) -> None:
    assert number_keys(typed) == ["(晋临)应急罚[2023]12号", "应急罚[2023]12号"]


def test_number_without_area_prefix_is_its_own_short_key() -> None:
    assert number_keys("应急罚〔2023〕12号") == ["应急罚[2023]12号"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("（晋临）应急罚〔2023〕12号", True),
        ("应急罚[2023]12号", True),
        ("应急检记〔2023〕17号-2", True),
        ("91141002MA0K1234EY", True),
        ("Z047-ZF·2025-D30-0001", True),
        ("有限空间", False),
        ("2023", False),
        ("罚款 30000", False),
    ],
)
def test_looks_like_number(query: str, expected: bool) -> None:
    assert looks_like_number(query) is expected


def test_domain_dictionary_keeps_hazard_terms_whole() -> None:
    words = Analyzer.shared().words("该企业粉尘涉爆除尘系统未设置泄爆装置，有限空间作业未审批")
    assert "粉尘涉爆" in words
    assert "有限空间" in words
    assert "泄爆装置" in words


def test_catalogue_words_are_added_to_the_dictionary() -> None:
    words = Analyzer.shared(["责令限期整改指令书"]).words("现送达责令限期整改指令书一份")
    assert "责令限期整改指令书" in words


def test_clause_memo_returns_the_same_words() -> None:
    analyzer = Analyzer(memo_size=10)
    text = "依据《中华人民共和国安全生产法》第九十九条，责令限期整改。"
    first = analyzer.words(text)
    hits = analyzer.hits
    assert analyzer.words(text) == first
    assert analyzer.hits > hits
