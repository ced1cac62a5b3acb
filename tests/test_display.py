"""The one display layer (anjuan/display.py): what people read for the archive's machine values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from anjuan.archive.catalogue import FieldType
from anjuan.archive.procedure.deadlines import DeadlineStatus
from anjuan.templates.formatting import money_upper

from anjuan import display

# 人民币大写 as 会计基础工作规范 第五十二条 writes it (its own examples are among these): 元角分; 整
# after an amount ending in 元 or 角, none after 分; one 零 for a run of zeros between digits read;
# a zero 角 before 分 read as 零; 万/亿 groups, an all-zero group dropping its unit.
MONEY = [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("1.05", "壹元零伍分"),
    ("10", "壹拾元整"),
    ("10.50", "壹拾元伍角整"),
    ("15.00", "壹拾伍元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("50000", "伍万元整"),
    ("100020.05", "壹拾万零贰拾元零伍分"),
    ("101000", "壹拾万壹仟元整"),
    ("100100", "壹拾万零壹佰元整"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1000000", "壹佰万元整"),
    ("30000000", "叁仟万元整"),
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("1001000000", "壹拾亿零壹佰万元整"),
    ("120034005.60", "壹亿贰仟零叁万肆仟零伍元陆角整"),
    ("1000000000000", "壹万亿元整"),
]


@pytest.mark.parametrize(("amount", "words"), MONEY)
def test_amounts_in_capital_numerals(amount: str, words: str) -> None:
    assert display.money_upper(Decimal(amount)) == words
    # the printed forms write the same words (templates/formatting.py uses this converter)
    assert money_upper(amount) == f"人民币{words}"


def test_amounts_as_people_read_them() -> None:
    assert display.money(Decimal("50000.00")) == "¥50,000.00（伍万元整）"
    assert display.money("100020.05") == "¥100,020.05（壹拾万零贰拾元零伍分）"
    assert display.money(0.1) == "¥0.10（壹角整）"  # a float is read through str: 0.10, not 0.1000…055
    assert display.money("2.345") == "¥2.35（贰元叁角伍分）"  # rounded half up to 分, as cashiers do
    assert display.money(None) == "" and display.money("") == ""
    assert display.money("不详") == "不详"  # never an error on a page
    assert display.money_upper("-5") == "" and display.money_upper(Decimal(10) ** 16) == ""


def test_instants_are_shown_in_beijing_time() -> None:
    # SQLite hands a stored instant back naive, in UTC; PostgreSQL aware. Both read 19:21 in Beijing.
    assert display.instant(dt.datetime(2026, 12, 7, 11, 21, 22)) == "2026年12月7日 19:21"
    assert display.instant(dt.datetime(2026, 12, 7, 11, 21, 22, tzinfo=dt.UTC)) == "2026年12月7日 19:21"
    assert display.instant("2026-12-07T11:21:22+00:00") == "2026年12月7日 19:21"
    # 17:30 UTC is already the next morning in China
    assert display.instant(dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)) == "2026年12月8日 01:30"
    assert display.day(dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)) == "2026年12月8日"
    assert display.instant(None) == "" and display.instant(dt.date(2026, 1, 2)) == "2026年1月2日"


def test_dates_form_values_and_booleans() -> None:
    assert display.day(dt.date(2026, 10, 19)) == "2026年10月19日"
    assert display.day("2026-01-05") == "2026年1月5日"
    # a form's datetime-local value is Beijing wall-clock time already: not shifted
    assert display.local_datetime("2026-10-19T09:35") == "2026年10月19日 09:35"
    assert display.local_datetime("2026-10-19") == "2026年10月19日"
    assert display.yes_no(True) == "是" and display.yes_no(False) == "否" and display.yes_no(None) == ""
    assert display.yes_no("false") == "否" and display.yes_no("true") == "是"


def test_field_values_by_their_catalogue_type() -> None:
    assert display.value(FieldType.date.value, "2026-10-19") == "2026年10月19日"
    assert display.value(FieldType.datetime.value, "2026-10-19T09:35") == "2026年10月19日 09:35"
    assert display.value(FieldType.boolean.value, True) == "是"
    assert display.value(FieldType.money.value, "50000.00") == "¥50,000.00（伍万元整）"
    assert display.value(FieldType.multichoice.value, ["营业执照", "身份证"]) == "营业执照、身份证"
    assert display.value(FieldType.text.value, "现场") == "现场"


def test_one_status_table_covers_what_users_see() -> None:
    table = display.status_table()
    assert {s.value for s in DeadlineStatus} == set(table["deadline"])
    assert set(table["document"]) == {"draft", "submitted", "issued", "voided", "superseded", "deleted"}
    assert set(table["change_request"]) == {"pending", "approved", "rejected", "applied"}
    assert set(table["approval"]) == {"approved", "rejected"}
    assert set(table["job"]) == {"running", "done", "failed"}
    labels = [label for kind in table.values() for label in kind.values()]
    assert all(not label.isascii() for label in labels)
    assert display.status("result_kind", "casefile") == "案卷"
    assert display.status("case", "filed") == "已归档"
    assert display.status("document", DeadlineStatus.met) == "met"  # unknown: the value, never an error


def test_person_names_from_the_data_layer() -> None:
    names = {"zhangwei": "张伟"}
    assert display.person("zhangwei", names) == "张伟"
    assert display.person("install", names) == "install"
    assert display.person("wanghong", lambda login: {"wanghong": "王红"}.get(login)) == "王红"
    assert display.person(None, names) == ""
