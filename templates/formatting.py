"""Chinese official-document formatting (日期、金额大写、勾选框).

Pure functions: the renderer registers them as Jinja filters (``{{ doc.date|cn_date }}``) and other
layers may call them directly. Every function accepts ``None`` (an absent optional field) and
returns ``""`` for it, so that a blank form prints blanks instead of "None".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from anjuan import display

__all__ = [
    "checkbox",
    "cn_date",
    "cn_datetime",
    "cn_datetime_range",
    "money",
    "money_upper",
    "sanitize_text",
    "to_decimal",
]

_CENT = Decimal("0.01")

# Characters XML 1.0 forbids (and \a \f, which docxtpl's listing pass would turn into paragraph /
# page breaks). Text pasted from other programs carries them more often than one would think.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def sanitize_text(text: str) -> str:
    """Normalise line ends to ``\\n`` and drop characters that cannot appear in a DOCX (XML 1.0)."""
    return _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):  # dt.datetime is a dt.date too
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if "T" in text or " " in text:
                return dt.datetime.fromisoformat(text)
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO date: {value!r}") from exc
    raise TypeError(f"not a date: {value!r}")


def cn_date(value: dt.date | dt.datetime | str | None) -> str:
    """日期 → ``2023年5月9日`` (official documents write month and day without zero padding)."""
    date = _as_date(value)
    if date is None:
        return ""
    if isinstance(date, dt.datetime) and date.tzinfo is not None:
        # An instant with its offset (an approval's time) is dated in Beijing, as people there saw it;
        # naive values are a form's wall-clock time already.
        date = date.astimezone(display.BEIJING)
    return f"{date.year}年{date.month}月{date.day}日"


def cn_datetime(value: dt.datetime | dt.date | str | None) -> str:
    """日期时间 → ``2023年5月9日14时30分``; minutes keep two digits (``9时05分``) as on printed forms.

    A bare date (no time recorded) prints as the date alone rather than inventing ``0时00分``.
    """
    moment = _as_date(value)
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return cn_date(moment)
    return f"{cn_date(moment)}{moment.hour}时{moment.minute:02d}分"


def cn_datetime_range(start: dt.datetime | str | None, end: dt.datetime | str | None) -> str:
    """起止时间 → ``2023年5月9日9时30分至11时45分``: the end's date is left out when it is the same day
    (the forms' 检查/询问/勘验时间 lines otherwise wrap)."""
    first, last = _as_date(start), _as_date(end)
    if first is None or last is None:
        return cn_datetime(first) + ("至" + cn_datetime(last) if last is not None else "")
    if isinstance(first, dt.datetime) and isinstance(last, dt.datetime) and first.date() == last.date():
        return f"{cn_datetime(first)}至{last.hour}时{last.minute:02d}分"
    return f"{cn_datetime(first)}至{cn_datetime(last)}"


def to_decimal(amount: Decimal | str | int | float | None) -> Decimal | None:
    """An amount in 元 as a Decimal rounded to 分 (half up, as cashiers round); ``None`` stays None.

    Floats go through ``str`` so that 0.1 is 0.10, not 0.1000000000000000055….
    """
    if amount is None or amount == "":
        return None
    if isinstance(amount, bool):
        raise TypeError(f"not an amount: {amount!r}")
    try:
        value = Decimal(str(amount).replace(",", "").replace("，", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal | str | int | float | None) -> str:
    """金额（小写）→ plain figure with two decimals, ``10000.00`` (no thousands separators: the forms
    print ``罚款10000.00元``)."""
    value = to_decimal(amount)
    return "" if value is None else f"{value:.2f}"


def money_upper(amount: Decimal | str | int | float | None) -> str:
    """金额（大写）→ ``人民币壹万元整``; ``1234.56`` → ``人民币壹仟贰佰叁拾肆元伍角陆分``.

    The words come from the one display layer (:func:`anjuan.display.money_upper`), so a printed
    form and a web page write an amount alike (会计基础工作规范 §52: an amount ending in 元 or 角
    takes 整, one ending in 分 does not).
    """
    value = to_decimal(amount)
    if value is None:
        return ""
    if value < 0:
        raise ValueError(f"negative amount: {amount!r}")
    words = display.money_upper(value)
    if not words:
        raise ValueError(f"amount too large to write in words: {amount!r}")
    return f"人民币{words}"


def checkbox(checked: Any, option: str | None = None) -> str:
    """勾选框: ``☑`` when truthy, ``☐`` otherwise.

    With ``option`` the first argument is a multichoice value (a list, possibly None) and the box is
    ticked when ``option`` is among it: ``{{ f.materials|checkbox('营业执照') }}`` (询问通知书's 携带材料).
    """
    if option is not None:
        if isinstance(checked, str):  # a single choice value
            checked = checked == option
        else:
            try:
                checked = option in checked
            except TypeError:  # None / Undefined: nothing chosen
                checked = False
    return "☑" if checked else "☐"
