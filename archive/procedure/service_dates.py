"""送达日期 (service dates): the one reading of the 文书送达回执's table, for the gates and the deadlines.

A service receipt (送达回执) records each delivery as a row of a table: the document served, named
in free text with its 文号 (送达文书名称及文号), the date (送达日期), the method (送达方式) and who
received it. Periods run from service, so the gates (``after_period``: wait for the 陈述申辩 period)
and the deadline engine (``*_served`` events) both read these rows. They read them here, through
:func:`service_rows`, so they cannot disagree on which row names which document or on its date.

What each does with a row stays its own: the gates take the latest row naming a document and fall
back to the document's date; the deadline engine matches rows by 文号, then by the document's name,
and assumes the receipt's date for a row without one.

Both rule files describe the table (``gates.yaml`` ``service``, ``deadlines.yaml`` ``services``): each
file stays whole and overridable on its own, both parse into a :class:`ReceiptTable`, both are
checked against the catalogue by :func:`receipt_table_problems`, and ``archive.rules.Rules`` refuses
a pair that reads different tables (:func:`check_same_receipts`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..catalogue import FieldType, FormSpec
from ..errors import ArchiveError
from ..numbering.format import normalise_number
from .facts import DocFacts

__all__ = [
    "METHOD_COLUMN",
    "RECEIVER_COLUMN",
    "ReceiptTable",
    "ReceiptTablesDiffer",
    "ServiceRow",
    "as_date",
    "check_same_receipts",
    "normalise",
    "receipt_table_problems",
    "service_rows",
]

# Read for the record of a delivery only (event details), never to decide; neither rule file has
# ever named them, so they are not part of the table's description.
METHOD_COLUMN = "method"  # 送达方式
RECEIVER_COLUMN = "receiver"  # 收件人


class ReceiptTable(BaseModel):
    """Where deliveries are recorded: a table field of the receipt form(s) and the columns read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str  # the table field of the 送达回执
    document_column: str  # 送达文书名称及文号: names the document served, with its 文号
    date_column: str  # 送达日期

    @property
    def forms(self) -> tuple[str, ...]:
        """The receipt forms (文书送达回执) whose table is read; each rule file names them its own way."""
        raise NotImplementedError

    def reading(self) -> tuple[tuple[str, ...], str, str, str]:
        """What decides which rows are read and how: equal readings give equal service dates."""
        return (self.forms, self.table, self.document_column, self.date_column)


class ReceiptTablesDiffer(ArchiveError):
    """The gates and the deadlines would read service dates from different tables (``receipt_tables_differ``)."""

    code = "receipt_tables_differ"


def check_same_receipts(gates: ReceiptTable, deadlines: ReceiptTable, *, files: tuple[str, str]) -> None:
    """Refuse two rule files that describe the 送达回执 table differently (``files`` names them)."""
    if gates.reading() == deadlines.reading():
        return
    first, second = files
    raise ReceiptTablesDiffer(
        f"{first} 与 {second} 的送达回执表格不一致：{gates.reading()} ≠ {deadlines.reading()}",
        f"{first} and {second} read service dates differently: {gates.reading()} ≠ {deadlines.reading()}",
        details={"files": list(files), first: list(gates.reading()), second: list(deadlines.reading())},
    )


_TEXT = (FieldType.text, FieldType.longtext)


def receipt_table_problems(spec: ReceiptTable, forms: Mapping[str, FormSpec]) -> list[tuple[str, str]]:
    """What in ``spec`` the catalogue (``forms`` by id) does not have, as (Chinese, English) messages."""
    problems: list[tuple[str, str]] = []
    for form_id in spec.forms:
        form = forms.get(form_id)
        if form is None:
            problems.append((f"未知文书 {form_id!r}", f"unknown form {form_id!r}"))
            continue
        table = form.field(spec.table)
        if table is None or table.type != FieldType.table:
            problems.append(
                (f"文书 {form_id} 没有表格字段 {spec.table!r}", f"form {form_id} has no table field {spec.table!r}")
            )
            continue
        columns = {c.id: c for c in table.columns}
        for col, types in ((spec.document_column, _TEXT), (spec.date_column, (FieldType.date,))):
            column = columns.get(col)
            if column is None:
                problems.append(
                    (
                        f"表格 {form_id}.{spec.table} 没有列 {col!r}",
                        f"table {form_id}.{spec.table} has no column {col!r} (has {sorted(columns)})",
                    )
                )
            elif column.type not in types:
                wanted = " or ".join(t.value for t in types)
                problems.append(
                    (
                        f"列 {spec.table}.{col} 的类型是 {column.type.value}，应为 {wanted}",
                        f"column {spec.table}.{col} has type {column.type.value}, not {wanted}",
                    )
                )
    return problems


def normalise(text: str) -> str:
    """Text as 文号 are compared: NFKC (full-width digits → half-width), then the numbering module's
    brackets (（）〔〕) and no spaces — so ``(晋临)应急罚告[2026]3号`` names ``（晋临）应急罚告〔2026〕3号``."""
    return normalise_number(unicodedata.normalize("NFKC", text)) if text else ""


_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def as_date(value: Any, *, text: bool) -> dt.date | None:
    """A stored field value as a date: date/datetime objects, ISO strings; inside text when ``text``.

    Without ``text`` only a short value (a date or a date and time, ≤ 19 characters) may be read
    in another spelling (2026年5月12日); a longer one is prose, not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        pass
    if not text and len(raw) > 19:
        return None
    match = _CN_DATE.search(raw) or _ISO_DATE.search(raw)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@dataclass(frozen=True)
class ServiceRow:
    """One delivery recorded on a 送达回执: which receipt, which row, what it served, when and how."""

    receipt: DocFacts  # the 送达回执
    row: Mapping[str, Any]  # the table row as stored
    text: str  # 送达文书名称及文号, as written
    normalised: str  # the same as 文号 and names are compared (see normalise)
    numbers: tuple[str, ...]  # the known 文号 the text names (normalised), longest first
    on: dt.date | None  # 送达日期; None when missing or unreadable — the caller decides what that means
    method: str  # 送达方式 ("" when not given)
    receiver: str  # 收件人 ("" when not given)

    @property
    def number(self) -> str | None:
        """The served document's 文号: the longest known number the row names (a longer number that
        contains a shorter one is the more specific reading), None when it names none."""
        return self.numbers[0] if self.numbers else None


def service_rows(documents: Iterable[DocFacts], spec: ReceiptTable, numbers: Iterable[str]) -> Iterator[ServiceRow]:
    """Every delivery row of the receipts among ``documents`` (those of ``spec.forms``, in order).

    ``numbers`` are the 文号 the rows may name (any spelling); each row lists those its document
    column contains. Which receipts count (issued ones, those dated by a day …) is the caller's
    choice: pass only those. Rows that are not mappings, or name nothing at all, are skipped.
    """
    forms = set(spec.forms)
    known: dict[str, None] = {}  # normalised, first spelling first, no repeats (ordered set)
    for number in numbers:
        if key := normalise(number):
            known.setdefault(key, None)
    for receipt in documents:
        if receipt.form_id not in forms:
            continue
        rows = receipt.fields.get(spec.table) or []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, Mapping):
                continue
            text = str(row.get(spec.document_column) or "")
            norm = normalise(text)
            if not norm:
                continue
            named = sorted((n for n in known if n in norm), key=len, reverse=True)
            yield ServiceRow(
                receipt=receipt,
                row=row,
                text=text,
                normalised=norm,
                numbers=tuple(named),
                on=as_date(row.get(spec.date_column), text=False),
                method=str(row.get(METHOD_COLUMN) or ""),
                receiver=str(row.get(RECEIVER_COLUMN) or ""),
            )
