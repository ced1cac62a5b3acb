"""A document's form, generated from its catalogue field list, and the posted form read back.

Each :class:`~anjuan.archive.catalogue.FieldSpec` becomes one HTML control (the template
``_field.html`` draws it); :func:`read_fields` turns the posted values into the JSON the archive
validates. Validation itself stays in the archive (``archive/fields.py``): this module only maps
HTML's strings back to the field types, and leaves bad values as they are so the archive's message
about them can be shown beside the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from anjuan.archive.catalogue import FieldSpec, FieldType, FormSpec
from anjuan.archive.errors import FieldError

__all__ = ["FieldView", "errors_by_field", "read_fields", "views"]

#: empty rows offered below a table's filled rows
SPARE_ROWS = 2


@dataclass(frozen=True)
class FieldView:
    spec: FieldSpec
    value: Any
    error: str = ""

    @property
    def widget(self) -> str:
        return {
            FieldType.text: "text",
            FieldType.longtext: "textarea",
            FieldType.date: "date",
            FieldType.datetime: "datetime-local",
            FieldType.integer: "number",
            FieldType.money: "money",
            FieldType.boolean: "boolean",
            FieldType.choice: "select",
            FieldType.multichoice: "checkboxes",
            FieldType.list: "lines",
            FieldType.table: "table",
        }[self.spec.type]

    @property
    def text(self) -> str:
        """The value as an input's text."""
        value = self.value
        if value is None:
            return ""
        if self.spec.type == FieldType.list and isinstance(value, list):
            return "\n".join(str(v) for v in value)
        if self.spec.type == FieldType.boolean:
            return "true" if value is True else "false" if value is False else ""
        return str(value)

    @property
    def rows(self) -> list[dict[str, Any]]:
        filled = [r for r in self.value if isinstance(r, dict)] if isinstance(self.value, list) else []
        return filled + [{} for _ in range(SPARE_ROWS)]


def views(form: FormSpec, values: Mapping[str, Any], errors: Mapping[str, str] | None = None) -> list[FieldView]:
    errors = errors or {}
    return [FieldView(spec=f, value=values.get(f.id), error=errors.get(f.id, "")) for f in form.fields]


def errors_by_field(errors: Iterable[FieldError]) -> dict[str, str]:
    """Field id → the Chinese message (a table's cell errors are shown on the table)."""
    out: dict[str, str] = {}
    for e in errors:
        key = e.field.split("[")[0].split(".")[0]
        text = e.message_zh if key == e.field else f"{e.label_zh}：{e.message_zh}"
        out[key] = f"{out[key]}；{text}" if key in out else text
    return out


def _scalar(spec: FieldSpec, raw: str) -> Any:
    raw = raw.strip() if spec.type != FieldType.longtext else raw.rstrip()
    if raw == "":
        return None
    if spec.type == FieldType.boolean:
        return {"true": True, "false": False}.get(raw, raw)
    if spec.type == FieldType.datetime and len(raw) == 16:
        return raw  # datetime-local gives YYYY-MM-DDTHH:MM, which the archive reads
    return raw


def read_fields(form: FormSpec, posted: Any) -> dict[str, Any]:
    """Posted form (a Starlette FormData) → field values; empty inputs are left out."""
    out: dict[str, Any] = {}
    for spec in form.fields:
        if spec.type == FieldType.multichoice:
            chosen = [str(v) for v in posted.getlist(spec.id) if str(v)]
            if chosen:
                out[spec.id] = chosen
        elif spec.type == FieldType.list:
            lines = [line.strip() for line in str(posted.get(spec.id, "")).splitlines() if line.strip()]
            if lines:
                out[spec.id] = lines
        elif spec.type == FieldType.table:
            rows: dict[int, dict[str, Any]] = {}
            prefix = f"{spec.id}."
            for key in posted:
                if not key.startswith(prefix):
                    continue
                index, _, column = key[len(prefix) :].partition(".")
                col = spec_column(spec, column)
                if not index.isdigit() or col is None:
                    continue
                value = _scalar(col, str(posted.get(key, "")))
                if value is not None:
                    rows.setdefault(int(index), {})[column] = value
            if rows:
                out[spec.id] = [rows[i] for i in sorted(rows)]
        else:
            value = _scalar(spec, str(posted.get(spec.id, "")))
            if value is not None:
                out[spec.id] = value
    return out


def spec_column(spec: FieldSpec, column: str) -> FieldSpec | None:
    return next((c for c in spec.columns if c.id == column), None)
