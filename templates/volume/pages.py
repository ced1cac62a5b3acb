"""The case file's own pages, laid out with the official kit: 案卷首页 (cover), 卷内目录 and 卷内备考表
(GB/T 9705 practice: 目录 columns 序号 | 文件名称及编号 | 责任者 | 日期 | 页号 | 备注; 备考表 items
情况说明, 立卷人, 检查人, 立卷时间), and the sheet of page-number stamps laid over the content pages.

All are DOCX, converted by the same LibreOffice pool as the documents, so every glyph comes from an
embedded font (an archival copy must not depend on the reader's fonts — DA/T 70 可用性).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Mm, Pt

from ..formatting import cn_date
from ..generic import (
    add_bookmark,
    keep_row,
    new_document,
    set_cell_text,
    set_row_height,
    styled_run,
    table,
)

__all__ = [
    "NOTES_BOOKMARK",
    "TOC_BOOKMARK",
    "CoverInfo",
    "NotesInfo",
    "StampPosition",
    "TocRow",
    "front_and_back_docx",
    "stamp_sheet_docx",
]

TOC_BOOKMARK = "AnjuanToc"  # no "_": LibreOffice escapes it in PDF names
NOTES_BOOKMARK = "AnjuanNotes"
StampPosition = Literal["top-outer", "top-right", "bottom-center", "bottom-outer"]


@dataclass(frozen=True)
class CoverInfo:  # 案卷首页
    org_name: str  # 制卷单位 / 全宗名称
    case_name: str  # 案件名称
    cause: str  # 案由
    result: str  # 处理结果
    opened: dt.date | None  # 立案日期
    closed: dt.date | None  # 结案日期
    handlers: str  # 承办人
    archive_no: str  # 归档号
    file_no: str  # 档号
    retention: str  # 保管期限
    items: int  # 件数
    pages: int  # 页数


@dataclass(frozen=True)
class TocRow:  # one line of the 卷内目录
    seq: int
    title: str  # 文件名称及编号
    responsible: str  # 责任者
    date: dt.date | None
    pages: str  # 页号: start, or 起-止 on the last row
    remark: str = ""


@dataclass(frozen=True)
class NotesInfo:  # 卷内备考表
    statement: str  # 情况说明
    compiler: str  # 立卷人
    checker: str  # 检查人
    compiled_on: dt.date  # 立卷时间


def _title(doc: DocxDocument, text: str, bookmark: str | None = None, *, new_page: bool = False) -> None:
    paragraph = doc.add_paragraph(style="AnjuanTitle")
    styled_run(paragraph, text)
    paragraph.paragraph_format.space_after = Pt(12)
    # "Page break before" on the heading itself, not a paragraph holding a page break after the
    # previous table: when a 目录 exactly fills its page, that paragraph spills onto a page of its
    # own and the break then leaves it blank — an unnumbered empty page inside the volume.
    paragraph.paragraph_format.page_break_before = new_page
    if bookmark:
        add_bookmark(paragraph, bookmark, bookmark_id=1 if bookmark == TOC_BOOKMARK else 2)


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _cover(doc: DocxDocument, cover: CoverInfo) -> None:
    org = doc.add_paragraph(style="AnjuanOrg")
    styled_run(org, cover.org_name)
    _title(doc, "案 卷 首 页")
    rows = [
        ("案件名称", cover.case_name),
        ("案　　由", cover.cause),
        ("处理结果", cover.result),
        ("立案日期", cn_date(cover.opened) if cover.opened else ""),
        ("结案日期", cn_date(cover.closed) if cover.closed else ""),
        ("承 办 人", cover.handlers),
        ("归 档 号", cover.archive_no),
        ("档　　号", cover.file_no),
        ("保管期限", cover.retention),
        ("件　　数", f"{cover.items}件"),
        ("页　　数", f"{cover.pages}页"),
    ]
    grid = table(doc, [32, 124], rows=len(rows))
    for row, (label, value) in zip(grid.rows, rows, strict=True):
        set_row_height(row, 14)
        set_cell_text(row.cells[0], label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
        set_cell_text(row.cells[1], value, markup=False)


def _toc(doc: DocxDocument, rows: Sequence[TocRow]) -> None:
    _title(doc, "卷 内 目 录", TOC_BOOKMARK, new_page=True)
    grid = table(doc, [10, 60, 30, 28, 16, 12], rows=1 + len(rows))  # the date must fit on one line
    for cell, label in zip(
        grid.rows[0].cells, ("序号", "文件名称及编号", "责任者", "日期", "页号", "备注"), strict=True
    ):
        set_cell_text(cell, label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
    _repeat_header(grid.rows[0])
    for row, item in zip(grid.rows[1:], rows, strict=True):
        keep_row(row)
        set_row_height(row, 10)
        values = (str(item.seq), item.title, item.responsible, _iso(item.date), item.pages, item.remark)
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            centred = index in (0, 3, 4)
            set_cell_text(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER if centred else None, markup=False)


def _repeat_header(row: object) -> None:
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    tr_pr.append(OxmlElement("w:tblHeader"))


def _notes(doc: DocxDocument, notes: NotesInfo) -> None:
    _title(doc, "卷 内 备 考 表", NOTES_BOOKMARK, new_page=True)
    grid = table(doc, [32, 124], rows=4)
    rows = [
        ("情况说明", notes.statement),
        ("立 卷 人", notes.compiler),
        ("检 查 人", notes.checker),
        ("立卷时间", cn_date(notes.compiled_on)),
    ]
    for row, (label, value) in zip(grid.rows, rows, strict=True):
        set_row_height(row, 90 if label == "情况说明" else 14)
        set_cell_text(row.cells[0], label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
        set_cell_text(row.cells[1], value, middle=label != "情况说明", markup=False)


def front_and_back_docx(cover: CoverInfo, rows: Sequence[TocRow], notes: NotesInfo) -> bytes:
    """Cover, 目录 and 备考表 in one DOCX (one conversion); bookmarks mark where 目录 and 备考表
    start, so the PDF can be cut back into its three parts by their named destinations."""
    doc = new_document()
    _cover(doc, cover)
    _toc(doc, rows)  # each part starts on a new page by its heading (see ``_title``)
    _notes(doc, notes)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def stamp_sheet_docx(numbers: Sequence[int | None], position: StampPosition) -> bytes:
    """One page per content page, carrying only its page number where the stamp goes: laid over the
    content page, it becomes the page's 页码 (upper right of a recto, upper left of a verso by default)."""
    doc = new_document()
    section = doc.sections[0]
    section.top_margin = section.bottom_margin = Mm(8)
    section.left_margin = section.right_margin = Mm(12)
    bottom = position.startswith("bottom")
    for index, number in enumerate(numbers):
        paragraph = doc.add_paragraph(style="AnjuanCell")
        fmt = paragraph.paragraph_format
        recto = (number or index + 1) % 2 == 1  # odd page numbers fall on the front of a sheet
        if position == "top-outer" or position == "bottom-outer":
            fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if recto else WD_ALIGN_PARAGRAPH.LEFT
        elif position == "top-right":
            fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if bottom:
            fmt.space_before = Mm(297 - 16 - 10)
        styled_run(paragraph, "" if number is None else str(number), size=14)
        if index < len(numbers) - 1:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
