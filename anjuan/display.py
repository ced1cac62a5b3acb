"""How people read values: one display layer for the web pages, the PDFs and the command line.

The database keeps machine values (UTC instants, ``True``, ``Decimal("50000.00")``, ``issued``,
login names); users read Beijing time, 是/否, ``¥50,000.00（伍万元整）``, 已签发 and 张伟. Every layer
formats through these functions so that a page, a sealed volume and a terminal never disagree (the
web pages used to print UTC approval times beside Beijing seal times). JSON output keeps the machine
values. Like :mod:`anjuan.errors`, this module sits below every layer: the leaf libraries may use it.

Every function accepts ``None`` (an absent optional value) and returns ``""`` for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "BEIJING",
    "day",
    "instant",
    "local_datetime",
    "money",
    "money_upper",
    "person",
    "status",
    "status_table",
    "value",
    "yes_no",
]

#: China Standard Time: UTC+8 all year (no daylight saving since 1991), so a fixed offset is exact.
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
_CENT = Decimal("0.01")
# Above 万亿 the unit names change (兆 is ambiguous); no amount in an enforcement file comes close.
_MONEY_LIMIT = Decimal(10) ** 16


def _parse(text: str) -> dt.date | dt.datetime:
    text = text.strip()
    if "T" in text or " " in text or ":" in text:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.date.fromisoformat(text)


def _beijing(moment: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back naive; the archive stores every instant in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


def instant(moment: dt.datetime | dt.date | str | None) -> str:
    """A stored instant (审批、签章、生成时间) in Beijing time: ``2026年12月7日 19:21``.

    Naive datetimes are UTC (as SQLite gives them back); a bare date prints as :func:`day`.
    """
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = _parse(moment)
        except ValueError:
            return moment
    if not isinstance(moment, dt.datetime):
        return day(moment)
    local = _beijing(moment)
    return f"{day(local)} {local:%H:%M}"


def day(value: dt.date | dt.datetime | str | None) -> str:
    """A calendar date as documents write it: ``2026年10月19日`` (no zero padding).

    An instant is first taken to Beijing time: 2026-10-18 20:00 UTC is already the 19th in China.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = _parse(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = _beijing(value)
    if not isinstance(value, dt.date):  # not a date at all (a template's undefined value): as it is
        return str(value)
    return f"{value.year}年{value.month}月{value.day}日"


def local_datetime(value: dt.datetime | str | None) -> str:
    """A date and time typed into a form (``2026-10-19T09:35``, already Beijing wall-clock time, so
    it is not converted): ``2026年10月19日 09:35``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed = _parse(value)
        except ValueError:
            return value
    else:
        parsed = value
    if not isinstance(parsed, dt.datetime):
        return day(parsed)
    if parsed.tzinfo is not None:  # an aware value names its own offset: show it in Beijing time
        parsed = parsed.astimezone(BEIJING)
    return f"{parsed.year}年{parsed.month}月{parsed.day}日 {parsed:%H:%M}"


def yes_no(flag: Any) -> str:
    """是/否 for a boolean (a form's checkbox value may arrive as ``"true"``/``"false"``)."""
    if flag is None or flag == "":
        return ""
    if isinstance(flag, str):
        flag = flag.strip().lower() in ("true", "1", "yes", "on", "是")
    return "是" if flag else "否"


def _decimal(amount: Decimal | str | int | float | None) -> Decimal | None:
    if amount is None or amount == "" or isinstance(amount, bool):
        return None
    try:
        value = Decimal(str(amount).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _integer_upper(number: int) -> str:
    """壹拾万零贰拾: digits with 拾佰仟 inside each group of four and 万/亿 after each group.

    One 零 stands for any run of zeros between two digits that are read (1001 → 壹仟零壹); zeros
    at the end of a group are not read before its unit (101000 → 壹拾万壹仟), and an all-zero group
    drops its unit (100000001 → 壹亿零壹).
    """
    digits = str(number)
    out: list[str] = []
    zero = False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i
        group, within = divmod(place, 4)
        if ch == "0":
            zero = True
        else:
            if zero and out:
                out.append("零")
            zero = False
            out.append(_DIGITS[int(ch)] + _SMALL[within])
        if within == 0 and group > 0 and any(c != "0" for c in digits[max(0, i - 3) : i + 1]):
            out.append(_GROUPS[group])
            # the group's own trailing zeros are not read; zeros after the unit start afresh
            zero = False
    return "".join(out)


def money_upper(amount: Decimal | str | int | float | None) -> str:
    """人民币大写 (会计基础工作规范 第五十二条): ``伍万元整``, ``壹拾万零贰拾元零伍分``.

    元角分; an amount that ends in 元 or 角 takes 整 (the rule's 应当写"整"字), one that ends in 分
    does not; a zero 角 before a 分 is read as 零 (壹元零伍分). Returns ``""`` for no amount or an
    amount that cannot be written so (negative, or 万亿 and beyond).
    """
    value = _decimal(amount)
    if value is None or value < 0 or value >= _MONEY_LIMIT:
        return ""
    cents = int(value * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    words = _integer_upper(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return words


def money(amount: Decimal | str | int | float | None) -> str:
    """An amount in 元 as people read it: ``¥50,000.00（伍万元整）``."""
    value = _decimal(amount)
    if value is None:
        return "" if amount is None or amount == "" else str(amount)
    upper = money_upper(value)
    figure = f"¥{value:,.2f}"
    return f"{figure}（{upper}）" if upper else figure


@cache
def status_table() -> dict[str, dict[str, str]]:
    """The one table of status labels (anjuan/statuses.yaml): kind → machine value → Chinese."""
    import yaml  # here: a command that shows no status does not pay for the parser

    data = yaml.safe_load(Path(__file__).with_name("statuses.yaml").read_text("utf-8"))
    return {str(kind): {str(k): str(v) for k, v in labels.items()} for kind, labels in data.items()}


def status(kind: str, value: Any) -> str:
    """The Chinese label of a status value of ``kind`` (document, case, approval, change_request,
    job, facet …); the value itself when the table does not know it (never an error on a page)."""
    if value is None or value == "":
        return ""
    raw = getattr(value, "value", value)  # an enum member reads as its value
    return status_table().get(kind, {}).get(str(raw), str(raw))


def person(login: str | None, names: Mapping[str, str] | Callable[[str], str | None] | None = None) -> str:
    """A person's name where the data layer can give it (``names``: login → name, a mapping or a
    function such as ``archive.accounts.display_name_of``), the login name otherwise."""
    if not login:
        return ""
    if names is None:
        return login
    found = names.get(login) if isinstance(names, Mapping) else names(login)
    return found or login


def value(kind: str, raw: Any) -> str:
    """A form field's value by its catalogue type (FieldType: date, datetime, boolean, money …)."""
    if raw is None or raw == "":
        return ""
    if kind == "date":
        return day(raw)
    if kind == "datetime":
        return local_datetime(raw)
    if kind == "boolean":
        return yes_no(raw)
    if kind == "money":
        return money(raw)
    if isinstance(raw, list | tuple):
        return "、".join(str(item) for item in raw if item not in (None, ""))
    return str(raw)
