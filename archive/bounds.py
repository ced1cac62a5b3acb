"""The values the archive accepts at all, whatever the field: ids that fit the database's 64-bit
integers, dates in a range that date arithmetic (deadlines, periods, 保管期限) cannot overflow, and
text without control characters (PostgreSQL cannot store NUL; the others are never typed by a
person and only corrupt documents and exports).

The API checks these at the edge (``api/schemas.py``, ``api/guard.py``) so a refusal names the
request's field; the archive checks them again where values enter it — form fields
(:mod:`.fields`), names and logins, and every row written (:func:`check_row`, run before each
flush) — so the command line and any other caller get the same 422 instead of a driver error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from .errors import FieldError, ValidationFailed

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_ID",
    "TEXT_MAX_CHARS",
    "check_date",
    "check_text",
    "control_character_at",
    "date_out_of_range",
    "has_control_character",
    "refuse_control_character",
    "too_long",
]

#: The largest id the database holds (SQLite INTEGER and PostgreSQL BIGINT are signed 64-bit); a
#: larger one cannot name a row, and the drivers raise OverflowError / numeric-out-of-range on it.
MAX_ID = 2**63 - 1

#: Dates the archive accepts in any field. Enforcement records of the People's Republic start in
#: 1949; 2100 leaves every deadline, 保管期限 (30 years) and statistics period far inside the
#: calendar, where ``date.max`` (9999-12-31) plus one day is an OverflowError.
EARLIEST_DATE = dt.date(1949, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

#: The longest free text a column without a declared length (案由, 认定理由, an approval's opinion, a
#: change request's reason) takes: a long page of prose. Declared lengths (``String(n)``) are held on
#: every database — SQLite would store a 900 KB party name that then goes into every document.
TEXT_MAX_CHARS = 20_000

# C0 controls except tab, line feed and carriage return (a browser's textarea posts CR LF).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON-like value (keys too) with its dotted path; iterative, so a deeply
    nested value cannot exhaust the stack."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, sub in item.items():
                sub_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    yield sub_path, key
                stack.append((sub, sub_path))
        elif isinstance(item, list | tuple):
            stack.extend((sub, f"{where}.{i}" if where else str(i)) for i, sub in enumerate(item))


def control_character_at(value: Any, path: str = "") -> str | None:
    """The path of the first string in ``value`` holding a control character, or None."""
    for where, text in _walk(value, path):
        if has_control_character(text):
            return where
    return None


def refuse_control_character(field: str, label_zh: str = "", label_en: str = "") -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                field,
                label_zh or field,
                label_en or field,
                "含有不允许的控制字符（如NUL）",
                "contains a control character (such as NUL), which is not allowed",
            )
        ],
        code="control_character",
    )


def check_text(value: Any, field: str, label_zh: str = "", label_en: str = "") -> None:
    """Refuse ``value`` (a string, or JSON holding strings) if it holds a control character."""
    if (where := control_character_at(value, field)) is not None:
        raise refuse_control_character(where, label_zh if where == field else "", label_en if where == field else "")


def date_out_of_range(field: str, label_zh: str = "", label_en: str = "") -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                field,
                label_zh or field,
                label_en or field,
                f"日期应在{EARLIEST_DATE.isoformat()}至{LATEST_DATE.isoformat()}之间",
                f"must be a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
                {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()},
            )
        ],
        code="date_out_of_range",
    )


def check_date(value: dt.date | None, field: str, label_zh: str = "", label_en: str = "") -> None:
    """Refuse a date (or datetime) outside :data:`EARLIEST_DATE` … :data:`LATEST_DATE`."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise date_out_of_range(field, label_zh, label_en)


def too_long(field: str, limit: int, length: int, label_zh: str = "", label_en: str = "") -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                field,
                label_zh or field,
                label_en or field,
                f"过长：最多{limit}个字符，实际{length}个",
                f"too long: at most {limit} characters, got {length}",
                {"limit": limit, "length": length},
            )
        ],
        code="value_too_long",
    )
