"""The statistics table (from :func:`~anjuan.archive.stats.report.build_table`) as a spreadsheet
laid out like the seed's 报表 (seed 004): a title row, two header rows (a group's header merged over
its columns, an ungrouped column's header merged over both rows), the 合计 row, one row per unit
with its 序号, and the 说明 below; and as CSV (one header row, group and column joined by ·)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from .views import Cell, StatsTable

__all__ = ["to_csv", "to_xlsx"]

TotalAt = Literal["first", "last"]


def _body(table: StatsTable, total_at: TotalAt) -> list[tuple[str, str, Mapping[str, Cell]]]:
    """(序号, 单位, cells) in print order. The seed prints 合计 straight under the headers."""
    units = [(str(i), row.label, row.cells) for i, row in enumerate(table.rows, start=1)]
    total = ("", table.total.label, table.total.cells)
    return [total, *units] if total_at == "first" else [*units, total]


def _text(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def to_xlsx(table: StatsTable, *, total_at: TotalAt = "first") -> bytes:
    """The table as an XLSX workbook (one sheet). Amounts and shares are numbers shown with two
    decimals; counts are integers."""
    # openpyxl is imported here, not at the top: only exports need it, and every CLI command would
    # otherwise pay ~0.15 s importing it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "报表"
    columns = table.columns
    width = 2 + len(columns)
    last = get_column_letter(width)

    ws["A1"] = table.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = centre
    ws.merge_cells(f"A1:{last}1")

    for col, text in ((1, "序号"), (2, "单位")):
        ws.cell(row=2, column=col, value=text)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    i = 0
    while i < len(columns):
        col = columns[i]
        at = 3 + i
        if col.group is None:
            ws.cell(row=2, column=at, value=col.header)
            ws.merge_cells(start_row=2, start_column=at, end_row=3, end_column=at)
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].group == col.group:
            ws.cell(row=3, column=3 + j, value=columns[j].header)
            j += 1
        ws.cell(row=2, column=at, value=col.group_header)
        if j - i > 1:
            ws.merge_cells(start_row=2, start_column=at, end_row=2, end_column=2 + j)
        i = j
    for row in ws.iter_rows(min_row=2, max_row=3, max_col=width):
        for cell in row:
            cell.alignment = centre
            cell.font = Font(bold=True)
            cell.border = box

    r = 4
    for seq, label, cells in _body(table, total_at):
        ws.cell(row=r, column=1, value=int(seq) if seq else None)
        ws.cell(row=r, column=2, value=label)
        for k, col in enumerate(columns):
            value = cells[col.id]
            cell = ws.cell(row=r, column=3 + k)
            if isinstance(value, Decimal):
                cell.value = float(value)
                cell.number_format = "0.00"
            else:
                cell.value = value
        for cell in ws[r][:width]:
            cell.border = box
            cell.alignment = centre
        r += 1

    if table.notes:
        r += 1
        ws.cell(row=r, column=1, value="说明：")
        for note in table.notes:
            r += 1
            ws.cell(row=r, column=1, value=note)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 16
    for k in range(len(columns)):
        ws.column_dimensions[get_column_letter(3 + k)].width = 11
    ws.freeze_panes = "C4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(table: StatsTable, *, total_at: TotalAt = "first") -> str:
    """The table as CSV: a header row (序号, 单位, then each column's label — group·column (unit)),
    then the rows in the same order as :func:`to_xlsx`. Amounts and shares keep their two decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["序号", "单位", *(c.label for c in table.columns)])
    for seq, label, cells in _body(table, total_at):
        writer.writerow([seq, label, *(_text(cells[c.id]) for c in table.columns)])
    return out.getvalue()
