"""Chinese official-document formatting: dates (年月日), amounts (小写 / 大写), tick boxes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from anjuan.templates.formatting import (
    checkbox,
    cn_date,
    cn_datetime,
    cn_datetime_range,
    money,
    money_upper,
    sanitize_text,
    to_decimal,
)


def test_cn_date_has_no_zero_padding() -> None:
    assert cn_date(dt.date(2023, 5, 9)) == "2023年5月9日"
    assert cn_date(dt.date(2023, 12, 31)) == "2023年12月31日"
    assert cn_date(dt.datetime(2023, 5, 9, 14, 30)) == "2023年5月9日"
    assert cn_date("2023-05-09") == "2023年5月9日"
    assert cn_date(None) == ""
    assert cn_date("") == ""


def test_cn_date_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        cn_date("9 May 2023")
    with pytest.raises(TypeError):
        cn_date(20230509)  # type: ignore[arg-type]


def test_cn_datetime() -> None:
    assert cn_datetime(dt.datetime(2023, 5, 9, 14, 30)) == "2023年5月9日14时30分"
    assert cn_datetime(dt.datetime(2023, 5, 9, 9, 5)) == "2023年5月9日9时05分"
    assert cn_datetime("2023-05-09T08:00") == "2023年5月9日8时00分"
    assert cn_datetime(dt.date(2023, 5, 9)) == "2023年5月9日"  # no invented time
    assert cn_datetime(None) == ""


def test_cn_datetime_range_drops_the_repeated_date() -> None:
    start, end = dt.datetime(2023, 5, 9, 9, 30), dt.datetime(2023, 5, 9, 11, 45)
    assert cn_datetime_range(start, end) == "2023年5月9日9时30分至11时45分"
    assert cn_datetime_range(start, dt.datetime(2023, 5, 10, 8, 0)) == "2023年5月9日9时30分至2023年5月10日8时00分"
    assert cn_datetime_range(start, None) == "2023年5月9日9时30分"
    assert cn_datetime_range(None, None) == ""


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("10000"), "10000.00"),
        ("1234.5", "1234.50"),
        (3000, "3000.00"),
        (100000, "100000.00"),
        (Decimal("0.5"), "0.50"),
        (0.1, "0.10"),  # through str, not binary float
        ("1,234.56", "1234.56"),
        ("0.005", "0.01"),  # half up, as cashiers round
        (None, ""),
    ],
)
def test_money(amount: object, expected: str) -> None:
    assert money(amount) == expected  # type: ignore[arg-type]


def test_money_rejects_non_amounts() -> None:
    with pytest.raises(ValueError):
        money("一万")
    with pytest.raises(ValueError):
        money("NaN")
    with pytest.raises(TypeError):
        money(True)  # type: ignore[arg-type]
    assert to_decimal("  12.3 ") == Decimal("12.30")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("10000"), "人民币壹万元整"),
        (Decimal("1234.56"), "人民币壹仟贰佰叁拾肆元伍角陆分"),
        (Decimal("0.5"), "人民币伍角整"),  # 整 after 角
        ("0.05", "人民币伍分"),  # no 整 after 分
        (100000, "人民币壹拾万元整"),
        (3000, "人民币叁仟元整"),
        ("30000.00", "人民币叁万元整"),
        ("1000.05", "人民币壹仟元零伍分"),
        ("100.10", "人民币壹佰元壹角整"),
        ("10500", "人民币壹万零伍佰元整"),
        (0, "人民币零元整"),
        (None, ""),
    ],
)
def test_money_upper(amount: object, expected: str) -> None:
    assert money_upper(amount) == expected  # type: ignore[arg-type]


def test_money_upper_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError):
        money_upper("-1")


def test_checkbox() -> None:
    assert checkbox(True) == "☑"
    assert checkbox(False) == "☐"
    assert checkbox(None) == "☐"
    chosen = ["营业执照", "居民身份证"]
    assert checkbox(chosen, "营业执照") == "☑"
    assert checkbox(chosen, "其他有关材料") == "☐"
    assert checkbox(None, "营业执照") == "☐"  # nothing chosen
    assert checkbox("计划执法", "计划执法") == "☑"  # a single choice, not a substring test
    assert checkbox("计划执法", "计划") == "☐"


def test_sanitize_text_drops_what_xml_cannot_hold() -> None:
    assert sanitize_text("a\r\nb\rc") == "a\nb\nc"
    assert sanitize_text("x\x00y\x07z\x0c\x1b") == "xyz"
    assert sanitize_text("tab\tkept") == "tab\tkept"
