"""Validation of a form's field values against its catalogue field list.

Input arrives as JSON; what is stored is JSON too (dates as ISO strings, money as a string with two
decimals); :func:`typed_values` turns stored values back into Python types for templates.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import bounds
from .catalogue.model import FieldSpec, FieldType, FormSpec
from .clock import CHINA
from .config import Settings
from .errors import FieldError, ValidationFailed
from .limits import exceeded

__all__ = ["DEFAULT_FIELD_LIMITS", "FieldLimits", "check_field_sizes", "parse_money", "typed_values", "validate_fields"]


@dataclass(frozen=True)
class FieldLimits:
    """How large a document's field values may be (Settings ``field_*_max_*``). A value is rendered
    into a DOCX and converted by LibreOffice: a 2 MB value held a converter for 2 × 60 s, so sizes
    are refused before anything else looks at the values (413, naming the field and the setting)."""

    line_chars: int = 2000  # a one-line text, a list item, any other scalar typed as text
    text_chars: int = 20_000  # a multi-line text (longtext)
    list_items: int = 500  # items of a list or multichoice, rows of a table
    total_chars: int = 100_000  # all values of one document together (≈ 900 KB as a web form)

    @classmethod
    def of(cls, settings: Settings) -> FieldLimits:
        return cls(
            line_chars=settings.field_line_max_chars,
            text_chars=settings.field_text_max_chars,
            list_items=settings.field_list_max_items,
            total_chars=settings.fields_total_max_chars,
        )


DEFAULT_FIELD_LIMITS = FieldLimits()
_SETTING = {
    "line_chars": "field_line_max_chars",
    "text_chars": "field_text_max_chars",
    "list_items": "field_list_max_items",
    "total_chars": "fields_total_max_chars",
}


def _too_large(limits: FieldLimits, which: str, value: int, spec: FieldSpec | None, field_id: str) -> Exception:
    label = spec.label if spec else field_id
    if which == "list_items":
        zh, en, code, unit = f"字段“{label}”的项数", f"field {field_id} item count", "field_too_many_items", "items"
    elif which == "total_chars":
        zh, en, code, unit = "文书各字段的总字数", "all field values together", "fields_too_large", "characters"
    else:
        zh, en, code, unit = f"字段“{label}”", f"field {field_id}", "field_too_long", "characters"
    details: dict[str, Any] = {} if which == "total_chars" else {"field": field_id, "label": label}
    return exceeded(
        _SETTING[which], getattr(limits, which), value, code=code, what_zh=zh, what_en=en, unit=unit, **details
    )


def _chars(value: Any) -> int:
    """Characters of every text inside a JSON value (iterative: nesting depth costs no stack)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += sum(len(k) for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return total


def _check_value(spec: FieldSpec, value: Any, limits: FieldLimits, field_id: str) -> None:
    if isinstance(value, list | tuple):
        if len(value) > limits.list_items:
            raise _too_large(limits, "list_items", len(value), spec, field_id)
        columns = {c.id: c for c in spec.columns}
        for item in value:
            if isinstance(item, dict):  # a table row: each cell by its column's kind
                for key, cell in item.items():
                    column = columns.get(key)
                    _check_value(column or spec, cell, limits, f"{field_id}.{key}")
            else:
                _check_value(spec, item, limits, field_id)
        return
    if isinstance(value, str):
        multi = spec.type == FieldType.longtext or (spec.type == FieldType.list and "\n" in value)
        limit, which = (limits.text_chars, "text_chars") if multi else (limits.line_chars, "line_chars")
        if len(value) > limit:
            raise _too_large(limits, which, len(value), spec, field_id)
        if spec.type == FieldType.list and value.count("\n") >= limits.list_items:
            raise _too_large(limits, "list_items", value.count("\n") + 1, spec, field_id)


def check_field_sizes(form: FormSpec, values: dict[str, Any], limits: FieldLimits = DEFAULT_FIELD_LIMITS) -> None:
    """Refuse values past ``limits`` (:class:`~.errors.TooLarge`, 413): the whole document first,
    then each field by its kind. Runs before coercion, so a huge value is never parsed or stored."""
    total = _chars(values)
    if total > limits.total_chars:
        raise _too_large(limits, "total_chars", total, None, "")
    known = {f.id: f for f in form.fields}
    for key, value in values.items():
        spec = known.get(key) or FieldSpec(id="x", label=str(key)[:50])  # unknown: refused as such later
        _check_value(spec, value, limits, str(key)[:50])


_TYPE_EN = {
    FieldType.date: "a date (YYYY-MM-DD)",
    FieldType.datetime: "a date and time (YYYY-MM-DDTHH:MM)",
    FieldType.integer: "a whole number",
    FieldType.money: "an amount in yuan with at most two decimals",
    FieldType.boolean: "true or false",
}
_TYPE_ZH = {
    FieldType.date: "日期（年-月-日）",
    FieldType.datetime: "日期时间（年-月-日T时:分）",
    FieldType.integer: "整数",
    FieldType.money: "金额（元，最多两位小数）",
    FieldType.boolean: "是或否",
}


class _Bad(Exception):
    def __init__(self, zh: str, en: str, code: str | None = None) -> None:
        super().__init__(en)
        self.zh, self.en, self.code = zh, en, code


def _in_range(day: dt.date) -> None:
    # Deadlines and periods are computed from these dates: 9999-12-31 plus a day overflows.
    if not bounds.EARLIEST_DATE <= (day.date() if isinstance(day, dt.datetime) else day) <= bounds.LATEST_DATE:
        raise _Bad(
            f"日期应在{bounds.EARLIEST_DATE}至{bounds.LATEST_DATE}之间",
            f"must be a date from {bounds.EARLIEST_DATE} to {bounds.LATEST_DATE}",
            "date_out_of_range",
        )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _coerce(spec: FieldSpec, value: Any) -> Any:
    t = spec.type
    if t in (FieldType.text, FieldType.longtext):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _Bad("应为文字", "must be text")
        text = str(value).replace("\r\n", "\n")
        if t == FieldType.text and "\n" in text:
            text = text.replace("\n", " ")
        if spec.max_length and len(text) > spec.max_length:
            raise _Bad(f"不能超过{spec.max_length}个字", f"must not exceed {spec.max_length} characters")
        return text
    if t == FieldType.date:
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}") from exc
        _in_range(day)
        return day.isoformat()
    if t == FieldType.datetime:
        try:
            parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}") from exc
        if parsed.tzinfo is not None:
            # A form's date and time is Beijing wall-clock time as printed on the document (a value
            # without an offset is taken as that); one with an offset is converted to it.
            parsed = parsed.astimezone(CHINA).replace(tzinfo=None)
        _in_range(parsed)
        return parsed.replace(second=0, microsecond=0).isoformat(timespec="minutes")
    if t == FieldType.integer:
        if isinstance(value, bool):
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}") from exc
        if number != number.to_integral_value():
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}")
        return int(number)
    if t == FieldType.money:
        if isinstance(value, bool):
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}")
        try:
            amount = Decimal(str(value).replace(",", "").replace("，", ""))
        except InvalidOperation as exc:
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}") from exc
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}")
        return str(amount.quantize(Decimal("0.01")))
    if t == FieldType.boolean:
        if not isinstance(value, bool):
            raise _Bad(f"应为{_TYPE_ZH[t]}", f"must be {_TYPE_EN[t]}")
        return value
    if t == FieldType.choice:
        if value not in spec.choices:
            raise _Bad(f"应为以下之一：{'、'.join(spec.choices)}", f"must be one of: {', '.join(spec.choices)}")
        return value
    if t == FieldType.multichoice:
        if not isinstance(value, list) or any(v not in spec.choices for v in value):
            raise _Bad(
                f"应为以下选项的列表：{'、'.join(spec.choices)}",
                f"must be a list of: {', '.join(spec.choices)}",
            )
        return list(dict.fromkeys(value))
    if t == FieldType.list:
        if isinstance(value, str):
            value = [line for line in value.splitlines() if line.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Bad("应为文字列表", "must be a list of texts")
        return [v.strip() for v in value if v.strip()]
    if t == FieldType.table:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise _Bad("应为表格行（对象列表）", "must be a list of rows (objects)")
        rows = []
        allowed = {c.id: c for c in spec.columns}
        for index, row in enumerate(value, start=1):
            unknown = sorted(set(row) - set(allowed))
            if unknown:
                raise _Bad(
                    f"第{index}行有未知列：{'、'.join(unknown)}",
                    f"row {index} has unknown columns: {', '.join(unknown)}",
                )
            clean: dict[str, Any] = {}
            for column in spec.columns:
                cell = row.get(column.id)
                if _empty(cell):
                    if column.required:
                        raise _Bad(
                            f"第{index}行缺少“{column.label}”",
                            f"row {index} lacks '{column.label_en or column.id}'",
                        )
                    continue
                try:
                    clean[column.id] = _coerce(column, cell)
                except _Bad as bad:
                    raise _Bad(
                        f"第{index}行“{column.label}”{bad.zh}",
                        f"row {index} '{column.label_en or column.id}' {bad.en}",
                        bad.code,
                    ) from None
            rows.append(clean)
        return rows
    raise AssertionError(f"unhandled field type {t}")  # the catalogue model admits no other type


def validate_fields(
    form: FormSpec, values: dict[str, Any], *, require: bool = True, limits: FieldLimits = DEFAULT_FIELD_LIMITS
) -> dict[str, Any]:
    """Check ``values`` against ``form``'s fields; return the cleaned JSON-ready values.

    With ``require`` False (saving a draft) missing required fields are allowed; unknown fields and
    malformed values are always refused. All problems are reported at once — after the sizes
    (:func:`check_field_sizes`), which are refused on their own before anything else.
    """
    check_field_sizes(form, values, limits)
    errors: list[FieldError] = []
    codes: list[str] = []
    clean: dict[str, Any] = {}
    known = {f.id: f for f in form.fields}
    for key, value in values.items():  # text the database cannot hold is refused before anything else
        if (where := bounds.control_character_at(value, key)) is not None or bounds.has_control_character(key):
            spec = known.get(key)
            raise bounds.refuse_control_character(
                where or key, spec.label if spec else "", spec.label_en if spec else ""
            )
    for key in sorted(set(values) - set(known)):
        errors.append(FieldError(key, key, key, f"《{form.name}》没有此字段", f"no such field in form {form.id}"))
    for spec in form.fields:
        value = values.get(spec.id)
        if _empty(value):
            if require and spec.required:
                errors.append(FieldError(spec.id, spec.label, spec.label_en, "必填", "is required"))
            continue
        try:
            clean[spec.id] = _coerce(spec, value)
        except _Bad as bad:
            errors.append(FieldError(spec.id, spec.label, spec.label_en, bad.zh, bad.en))
            codes += [bad.code] if bad.code else []
    if errors:
        raise ValidationFailed(errors, code=codes[0] if len(codes) == len(errors) else None)
    return clean


def _typed(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.type == FieldType.date:
        return dt.date.fromisoformat(value)
    if spec.type == FieldType.datetime:
        return dt.datetime.fromisoformat(value)
    if spec.type == FieldType.money:
        return Decimal(value)
    if spec.type == FieldType.table:
        return [{c.id: _typed(c, row.get(c.id)) for c in spec.columns} for row in value]
    return value


# Fields whose template loops over them: absent, they are an empty list, so that a draft still
# missing them previews with the rows left blank (a template's ``for`` over None fails).
_LISTS = (FieldType.list, FieldType.multichoice, FieldType.table)


def typed_values(form: FormSpec, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON values → Python values (date, Decimal …) for rendering; absent fields are None
    (absent list, multichoice and table fields: an empty list)."""
    values = {}
    for spec in form.fields:
        value = _typed(spec, stored.get(spec.id))
        values[spec.id] = [] if value is None and spec.type in _LISTS else value
    return values


def parse_money(value: Any) -> Decimal | None:
    """A stored or typed money value (``"50000.00"``, ``50000``, ``"５０,０００"``) as Decimal; None when
    absent or unreadable. Readers of stored fields (gates, statistics, the index) share this."""
    if value is None or isinstance(value, bool):
        return None
    text = "".join(unicodedata.normalize("NFKC", str(value)).split()).replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
