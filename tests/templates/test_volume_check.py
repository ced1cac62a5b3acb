"""目录与页码核对 of a volume anjuan did NOT make: a third-party-style 卷宗 built here from scratch.

The volume is typed the way a clerk would in Word (python-docx), converted by the real LibreOffice
pool, stamped with page numbers by laying a second converted sheet over the pages, and given an
outline with pikepdf — nothing from ``templates.volume.compose`` is used, so ``check_volume`` meets
a layout it was not written alongside. The pieces are converted once per module; every volume,
good or defective, is assembled from them with pikepdf.

The good volume (physical page: what it is, stamped number)::

     1 案卷首页                       —
     2 卷内目录 (title of entry 4 wraps onto three lines, entry 3's date onto two)
     3 行政处罚决定书 p1               1   outline: 行政处罚决定书（单位）（晋临）应急罚〔2026〕1号
     4 行政处罚决定书 p2               2
     5 立案审批表                      3   its own page number “1” alone in the bottom band: not a stamp
     6 现场检查记录 p1                 4   footer “第 1 页 共 2 页” in the bottom band: not a stamp
     7 现场检查记录 p2                 5
     8 询问笔录 p1                     6
      9 询问笔录 p2                     7   a table row with a lone “3” in the top band: not a stamp
    10 询问笔录 p3                     8
    11 结案审批表 p1                   9   a line holding only “5” in mid-page: not a stamp
    12 结案审批表 p2                  10   目录: 9-10
    13 卷内备考表                      —
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pikepdf
import pytest
from anjuan.templates.convert import UnoPool
from anjuan.templates.volume import check as check_module
from anjuan.templates.volume.check import TocEntry, VolumeCheck, VolumeFinding, check_volume
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "SimSun"


@dataclass(frozen=True)
class Doc:
    """One document of the synthetic volume."""

    name: str  # 文件名称 as printed at the top of its first page
    catalogue: str  # 文件名称 as the 目录 and the outline write it (may carry a qualifier such as （单位）)
    number: str  # 文号 ('' if none)
    responsible: str  # 责任者
    date: str  # 日期 as typed in the 目录 (three spellings)
    pages: int
    remark: str = ""


DOCS = (
    Doc(
        "行政处罚决定书",
        "行政处罚决定书（单位）",
        "（晋临）应急罚〔2026〕1号",
        "临汾市尧都区应急管理局",
        "2026-11-06",
        2,
    ),
    Doc("立案审批表", "立案审批表", "", "临汾市尧都区应急管理局", "2026.10.12", 1),
    Doc("现场检查记录", "现场检查记录", "（晋临）应急检记〔2026〕3号", "", "2026年10月9日", 2, "复印件"),
    Doc("询问笔录", "询问笔录（被询问人：王强，临汾市某某煤业有限公司安全生产管理人员）", "", "王强", "2026-10-20", 3),
    Doc("结案审批表", "结案审批表", "", "临汾市尧都区应急管理局", "2026-11-20", 2),
)
UNLISTED = Doc("勘验笔录", "勘验笔录", "", "", "2026-10-10", 1)  # converted with the rest, listed nowhere
FRONT = 2  # cover + 目录
CONTENT = sum(d.pages for d in DOCS)  # 10 stamped pages
NOTES = FRONT + CONTENT  # 0-based index of the 卷内备考表 in the converted main PDF
UNLISTED_PAGE = NOTES + 1  # 0-based index of the 勘验笔录 there
STARTS = [1 + sum(d.pages for d in DOCS[:i]) for i in range(len(DOCS))]  # [1, 3, 4, 6, 9]
MISSING = [1, 2, None, None, 5, 6, None, 8, None, 10]  # content stamps, four left off (physical 5, 6, 9, 11)
DATES = ["2026-11-06", "2026-10-12", "2026-10-09", "2026-10-20", "2026-11-20"]


# --- typing the pieces in Word --------------------------------------------------------------------


def _font(run: object, name: str, size: float) -> None:
    run.font.name = name  # type: ignore[attr-defined]
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]


def _para(
    container: object,
    text: str,
    size: float = 14,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT,
    font: str = BODY_FONT,
) -> Paragraph:
    paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = align
    _font(paragraph.add_run(text), font, size)
    return paragraph


def _page_break(document: DocxDocument) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _new_document() -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = Cm(3.0)
    return document


def _new_section(document: DocxDocument, top_cm: float = 3.0) -> object:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.top_margin = Cm(top_cm)
    section.footer.is_linked_to_previous = False  # only the 现场检查记录 gets a footer
    return section


def _bytes(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


Row = tuple[str, str, str, str, str, str]


def toc_rows(starts: Sequence[int] = STARTS) -> list[Row]:
    """The 目录 rows of DOCS; ``starts`` are the 页号 written (the last row gets 起-止)."""
    rows = []
    for i, (doc, start) in enumerate(zip(DOCS, starts, strict=True)):
        pages = f"{start}-{start + doc.pages - 1}" if i == len(DOCS) - 1 else str(start)
        rows.append((str(i + 1), doc.catalogue + doc.number, doc.responsible, doc.date, pages, doc.remark))
    return rows


def _toc_table(document: DocxDocument, rows: Sequence[Row], *, centred: bool = False, header: bool = True) -> None:
    widths = (Cm(1.2), Cm(6.0), Cm(3.4), Cm(2.6), Cm(1.6), Cm(1.6))
    cells = [("序号", "文件名称及编号", "责任者", "日期", "页号", "备注")] if header else []
    table = document.add_table(rows=len(cells) + len(rows), cols=6)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice lays out by
    vertical = WD_CELL_VERTICAL_ALIGNMENT.CENTER if centred else WD_CELL_VERTICAL_ALIGNMENT.TOP
    for r, texts in enumerate([*cells, *rows]):
        for c, text in enumerate(texts):
            cell = table.rows[r].cells[c]
            cell.width = widths[c]
            cell.vertical_alignment = vertical
            paragraph = cell.paragraphs[0]
            left = c == 1 and not (header and r == 0)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            _font(paragraph.add_run(text), TABLE_FONT, 11)


def _document(document: DocxDocument, doc: Doc) -> None:
    """A document: its title at the top of its first page, then body text, one page after another."""
    _para(document, doc.name, 22, WD_ALIGN_PARAGRAPH.CENTER)
    if doc.number:
        _para(document, doc.number, 14, WD_ALIGN_PARAGRAPH.RIGHT)
    for page in range(doc.pages):
        if page:
            _page_break(document)
        if doc.name == "询问笔录" and page == 1:
            # A table at the very top of the page: its lone "3" reaches into the top band.
            table = document.add_table(rows=1, cols=3)
            for c, text in enumerate(("3", "问：你单位有几名从业人员？", "答：七名")):
                _font(table.rows[0].cells[c].paragraphs[0].add_run(text), TABLE_FONT, 12)
        _para(document, f"当事人：临汾市某某煤业有限公司。{doc.name}正文第{page + 1}页。" * 3)
        if doc.name == "结案审批表" and page == 0:
            _para(document, "5", 14, WD_ALIGN_PARAGRAPH.CENTER)  # a lone number mid-page (附件数): not a stamp
        _para(document, "经查，该单位未按规定对从业人员进行安全生产教育和培训。" * 2)


def main_docx() -> bytes:
    """Cover, 目录, the five documents, 备考表, then the unlisted 勘验笔录 — each in its own section."""
    document = _new_document()
    _para(document, "案卷首页", 26, WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, "临汾市某某煤业有限公司未按规定进行安全培训案", 16, WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, "立卷单位：临汾市尧都区应急管理局　保管期限：永久")
    _new_section(document)
    _para(document, "卷内目录", 22, WD_ALIGN_PARAGRAPH.CENTER)
    _toc_table(document, toc_rows())
    _para(document, "注：本目录由立卷人填写，页号为各文件首页的页码。", 11, font=TABLE_FONT)  # not part of row 5
    for doc in (*DOCS, None, UNLISTED):
        # The 询问笔录's small top margin lifts its page-2 table into the top tenth of the page.
        section = _new_section(document, 1.8 if doc is not None and doc.name == "询问笔录" else 3.0)
        if doc is not None and doc.name == "现场检查记录":
            _para(section.footer, "第 1 页 共 2 页", 10.5, WD_ALIGN_PARAGRAPH.CENTER)  # type: ignore[attr-defined]
        if doc is not None and doc.name == "立案审批表":  # the form's own page number, alone in its footer
            _para(section.footer, "1", 10.5, WD_ALIGN_PARAGRAPH.RIGHT)  # type: ignore[attr-defined]
        if doc is None:
            _para(document, "卷内备考表", 22, WD_ALIGN_PARAGRAPH.CENTER)
            _para(document, "本卷情况说明：本卷共五件，十页。")
            _para(document, "立卷人：张伟　检查人：赵敏　立卷时间：2026年11月23日")
        else:
            _document(document, doc)
    return _bytes(document)


def variants_docx() -> bytes:
    """Page 1: a 目录 with cells centred vertically whose entry 3 says 页号 5 (the document starts on 4).
    Pages 2–3: the right 目录 over two pages, the second without heading or heading row."""
    document = _new_document()
    _para(document, "卷内目录", 22, WD_ALIGN_PARAGRAPH.CENTER)
    _toc_table(document, toc_rows([1, 3, 5, 6, 9]), centred=True)
    _new_section(document)
    _para(document, "卷内目录", 22, WD_ALIGN_PARAGRAPH.CENTER)
    _toc_table(document, toc_rows()[:3])
    _page_break(document)
    _toc_table(document, toc_rows()[3:], header=False)
    return _bytes(document)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field: LibreOffice prints each page's own number."""
    run = paragraph.add_run()
    _font(run, "Times New Roman", 14)
    for tag, attrs, text in (
        ("w:fldChar", {qn("w:fldCharType"): "begin"}, None),
        ("w:instrText", {}, " PAGE "),
        ("w:fldChar", {qn("w:fldCharType"): "separate"}, None),
        ("w:t", {}, "1"),
        ("w:fldChar", {qn("w:fldCharType"): "end"}, None),
    ):
        element = run._element.makeelement(qn(tag), attrs)
        element.text = text
        run._element.append(element)


def stamp_docx(count: int, where: str) -> bytes:
    """``count`` empty pages numbered 1…count by a PAGE field: in the top outer corner (odd pages
    right, even pages left) or at the bottom centre — the stamps laid over the content pages."""
    document = _new_document()
    section = document.sections[0]
    section.header_distance = section.footer_distance = Cm(1.0)
    if where == "bottom":
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(paragraph)
    else:
        document.settings.odd_and_even_pages_header_footer = True
        for header, align in (
            (section.header, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_header, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            header.paragraphs[0].alignment = align
            _page_field(header.paragraphs[0])
    for number in range(count):
        if number:
            _page_break(document)
        document.add_paragraph()
    return _bytes(document)


# --- assembling volumes with pikepdf ---------------------------------------------------------------


@dataclass(frozen=True)
class Pieces:
    main: bytes  # 15 pages: cover, 目录, documents, 备考表, unlisted 勘验笔录 (no stamps)
    variants: bytes  # wrong centred 目录; two-page 目录
    top: bytes  # stamp sheet, top outer corner
    bottom: bytes  # stamp sheet, bottom centre


Page = tuple[str, int, int | None]  # (source: "main" / "variants", 0-based page there, stamp or None)


def good_layout() -> list[Page]:
    return [
        ("main", 0, None),
        ("main", 1, None),
        *[("main", FRONT + i, i + 1) for i in range(CONTENT)],
        ("main", NOTES, None),
    ]


def restamp(layout: Sequence[Page], numbers: Sequence[int | None]) -> list[Page]:
    """``layout`` with its content pages (those with a stamp, in order) stamped ``numbers``."""
    stamped = iter(numbers)
    return [(src, i, next(stamped) if stamp is not None else None) for src, i, stamp in layout]


def _outline_items(layout: Sequence[Page], generic: bool = False) -> list[tuple[str, int]]:
    """What a clerk's bookmarks would be: front matter, each document's first page (titled as in the
    目录, or ``generic``: 文件1, 文件2 …), the 备考表."""
    firsts = {FRONT + start - 1: doc.catalogue + doc.number for doc, start in zip(DOCS, STARTS, strict=True)}
    firsts[UNLISTED_PAGE] = UNLISTED.catalogue
    items = []
    for physical, (source, index, _) in enumerate(layout):
        if source == "variants":
            items.append(("卷内目录", physical))
        elif index == 0:
            items.append(("案卷首页", physical))
        elif index == 1:
            items.append(("卷内目录", physical))
        elif index == NOTES:
            items.append(("卷内备考表", physical))
        elif index in firsts and all(t != firsts[index] for t, _ in items):
            items.append((f"文件{len(items) - 1}" if generic else firsts[index], physical))
    return items


def assemble(
    pieces: Pieces,
    layout: Sequence[Page] | None = None,
    *,
    outline: bool = True,
    generic_outline: bool = False,
    sheet: str = "top",
) -> bytes:
    layout = good_layout() if layout is None else layout
    with (
        pikepdf.open(io.BytesIO(pieces.main)) as main,
        pikepdf.open(io.BytesIO(pieces.variants)) as variants,
        pikepdf.open(io.BytesIO(pieces.top if sheet == "top" else pieces.bottom)) as stamps,
    ):
        sources = {"main": main, "variants": variants}
        out = pikepdf.new()
        for source, index, stamp in layout:
            out.pages.append(sources[source].pages[index])
            if stamp is not None:
                out.pages[-1].add_overlay(stamps.pages[stamp - 1])
        if outline:
            with out.open_outline() as tree:
                for title, physical in _outline_items(layout, generic_outline):
                    tree.root.append(pikepdf.OutlineItem(title, physical))
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()


@pytest.fixture(scope="module")
def pieces(converter_pool: UnoPool) -> Pieces:
    docs = (main_docx(), variants_docx(), stamp_docx(14, "top"), stamp_docx(14, "bottom"))
    with ThreadPoolExecutor(max_workers=len(docs)) as workers:  # the pool converts two at a time
        main, variants, top, bottom = workers.map(converter_pool.convert, docs)
    with pikepdf.open(io.BytesIO(main)) as pdf:
        assert len(pdf.pages) == UNLISTED_PAGE + 1, "the typed pages must not overflow"
    with pikepdf.open(io.BytesIO(variants)) as pdf:
        assert len(pdf.pages) == 3
    return Pieces(main, variants, top, bottom)


@pytest.fixture(scope="module")
def good(pieces: Pieces) -> bytes:
    return assemble(pieces)


@pytest.fixture(scope="module")
def good_check(good: bytes) -> VolumeCheck:
    return check_volume(good)


def codes(report: VolumeCheck) -> list[str]:
    return [f.code for f in report.findings]


def only(report: VolumeCheck, code: str) -> list[VolumeFinding]:
    return [f for f in report.findings if f.code == code]


# --- a good volume -------------------------------------------------------------------------------


def test_a_correct_volume_passes_and_its_toc_is_read(good_check: VolumeCheck) -> None:
    report = good_check
    assert report.ok and report.findings == ()
    assert report.pages == 13
    assert report.stamps == (None, None, *range(1, 11), None)
    assert [e.seq for e in report.toc] == [1, 2, 3, 4, 5]
    assert [e.title for e in report.toc] == [d.catalogue + d.number for d in DOCS]  # not the note below
    assert [e.start for e in report.toc] == STARTS
    assert [e.end for e in report.toc] == [None, None, None, None, 10]
    assert [e.date for e in report.toc] == DATES  # 2026-11-06, 2026.10.12, 2026年10月9日 (wrapped)
    assert [e.toc_page for e in report.toc] == [2] * 5
    first, _, third, fourth, _ = report.toc
    assert first == TocEntry(
        seq=1,
        title="行政处罚决定书（单位）（晋临）应急罚〔2026〕1号",  # wrapped over two lines in the cell
        number="（晋临）应急罚〔2026〕1号",
        responsible="临汾市尧都区应急管理局",
        date="2026-11-06",
        start=1,
        end=None,
        remark="",
        toc_page=2,
    )
    assert (third.responsible, third.remark, third.number) == ("", "复印件", "（晋临）应急检记〔2026〕3号")
    assert fourth.title == DOCS[3].catalogue and fourth.number is None  # three lines in a top-aligned cell
    assert [(p, s) for _, p, s in report.starts] == [(3, 1), (5, 3), (6, 4), (8, 6), (11, 9)]
    assert report.starts[0][0] == "行政处罚决定书（单位）（晋临）应急罚〔2026〕1号"  # the outline's title


def test_to_dict_is_json(good_check: VolumeCheck) -> None:
    data = json.loads(json.dumps(good_check.to_dict(), ensure_ascii=False))
    assert data["ok"] is True and data["pages"] == 13 and data["findings"] == []
    assert data["toc"][4] | {"title": None} == {
        "seq": 5,
        "title": None,
        "number": None,
        "responsible": "临汾市尧都区应急管理局",
        "date": "2026-11-20",
        "start": 9,
        "end": 10,
        "remark": "",
        "toc_page": 2,
    }
    assert data["starts"][1] == {"title": "立案审批表", "physical_page": 5, "page": 3}
    assert data["stamps"][2] == 1 and data["stamps"][0] is None


@pytest.mark.parametrize("sheet", ["top", "bottom"])
def test_without_an_outline_the_titles_on_the_pages_are_found(pieces: Pieces, sheet: str) -> None:
    report = check_volume(assemble(pieces, outline=False, sheet=sheet))
    assert report.ok, report.findings
    assert report.stamps == (None, None, *range(1, 11), None)
    # Found by the printed name: 行政处罚决定书 for 行政处罚决定书（单位）, 询问笔录 for 询问笔录（被询问人…）.
    assert [(t, p, s) for t, p, s in report.starts] == [
        (e.title, FRONT + start, start) for e, start in zip(report.toc, STARTS, strict=True)
    ]


def test_bookmarks_titled_otherwise_are_paired_with_the_titles_on_their_pages(pieces: Pieces) -> None:
    report = check_volume(assemble(pieces, generic_outline=True))
    assert report.ok, report.findings
    assert [(t, p) for t, p, _ in report.starts] == [
        ("文件1", 3),
        ("文件2", 5),
        ("文件3", 6),
        ("文件4", 8),
        ("文件5", 11),
    ]


@pytest.mark.parametrize(
    ("title", "name", "number"),
    [
        ("行政处罚决定书（单位）（晋临）应急罚〔2026〕1号", "行政处罚决定书（单位）", "（晋临）应急罚〔2026〕1号"),
        ("现场检查记录(晋临)应急检记[2026]3号", "现场检查记录", "(晋临)应急检记[2026]3号"),
        ("责令限期整改指令书晋临应急责改〔2026〕第12号", "责令限期整改指令书", "晋临应急责改〔2026〕第12号"),
        ("询问笔录（被询问人：王强）", "询问笔录（被询问人：王强）", None),
        ("立案审批表", "立案审批表", None),
    ],
)
def test_the_number_is_told_from_the_name_in_a_title_cell(title: str, name: str, number: str | None) -> None:
    assert check_module._split_number(title) == (name, number)


def test_a_toc_over_two_pages_and_a_centred_toc(pieces: Pieces) -> None:
    two_pages = [("main", 0, None), ("variants", 1, None), ("variants", 2, None), *good_layout()[2:]]
    report = check_volume(assemble(pieces, two_pages))
    assert report.ok, report.findings
    assert [e.toc_page for e in report.toc] == [2, 2, 2, 3, 3]  # page 3 has no heading row at all
    assert [e.start for e in report.toc] == STARTS and report.stamps[:3] == (None, None, None)

    centred = [("main", 0, None), ("variants", 0, None), *good_layout()[2:]]
    report = check_volume(assemble(pieces, centred, outline=False))
    assert [e.title for e in report.toc] == [d.catalogue + d.number for d in DOCS]
    assert [e.date for e in report.toc] == DATES
    assert [e.responsible for e in report.toc] == [d.responsible for d in DOCS]


# --- defects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("outline", [True, False])
def test_a_wrong_page_in_the_toc(pieces: Pieces, outline: bool) -> None:
    layout = [("main", 0, None), ("variants", 0, None), *good_layout()[2:]]  # entry 3 says 5
    report = check_volume(assemble(pieces, layout, outline=outline))
    assert codes(report) == ["toc_page_mismatch"]
    (finding,) = report.findings
    assert (finding.entry, finding.page, finding.physical_page) == (3, 4, 6)
    assert "现场检查记录" in finding.message_zh and "5" in finding.message_zh and "4" in finding.message_zh
    assert "gives page 5" in finding.message_en and "starts on page 4" in finding.message_en


def test_a_missing_stamp_is_not_replaced_by_body_numbers_in_the_margins(pieces: Pieces) -> None:
    # Physical 5 has its own "1" in the footer, 6 "第 1 页 共 2 页" in the footer, 9 a table cell "3"
    # at the top, 11 a line "5" in mid-page.
    report = check_volume(assemble(pieces, restamp(good_layout(), MISSING)))
    assert [report.stamps[i] for i in (4, 5, 8, 10)] == [None] * 4
    assert codes(report) == ["stamp_missing"] * 4  # no sequence break, no 页号 mismatch
    assert [f.physical_page for f in report.findings] == [5, 6, 9, 11]


def test_a_repeated_stamp(pieces: Pieces) -> None:
    layout = good_layout()
    layout.insert(7, ("main", 6, 5))  # 现场检查记录 p2 filed twice, both stamped 5
    report = check_volume(assemble(pieces, restamp(layout, [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10])))
    assert codes(report) == ["stamp_duplicate"]
    assert (report.findings[0].page, report.findings[0].physical_page) == (5, 8)


def test_skipped_stamps_break_the_sequence_the_toc_and_its_end(pieces: Pieces) -> None:
    report = check_volume(assemble(pieces, restamp(good_layout(), [1, 2, 3, 4, 5, 7, 8, 9, 10, 12])))
    breaks = only(report, "stamp_out_of_sequence")
    assert [(f.physical_page, f.page) for f in breaks] == [(8, 7), (12, 12)]  # the first break and the next
    assert [(f.entry, f.page) for f in only(report, "toc_page_mismatch")] == [(4, 7), (5, 10)]
    (end,) = only(report, "toc_end_mismatch")
    assert (end.entry, end.page) == (5, 12) and "10" in end.message_zh
    assert set(codes(report)) == {"stamp_out_of_sequence", "toc_page_mismatch", "toc_end_mismatch"}


def test_a_sequence_that_does_not_start_at_one(pieces: Pieces) -> None:
    report = check_volume(assemble(pieces, restamp(good_layout(), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])))
    assert (report.findings[0].code, report.findings[0].physical_page) == ("stamp_out_of_sequence", 3)


@pytest.mark.parametrize("outline", [True, False])
def test_a_document_not_in_the_toc(pieces: Pieces, outline: bool) -> None:
    layout = good_layout()
    layout.insert(-1, ("main", UNLISTED_PAGE, 11))  # 勘验笔录 filed last, stamped 11, 目录 not updated
    report = check_volume(assemble(pieces, layout, outline=outline))
    (unlisted,) = only(report, "document_not_in_toc")
    assert (unlisted.physical_page, unlisted.page) == (13, 11) and "勘验笔录" in unlisted.message_zh
    assert codes(report) == ["document_not_in_toc", "toc_end_mismatch"]  # the 目录 still ends at 10


@pytest.mark.parametrize("outline", [True, False])
def test_a_listed_document_removed(pieces: Pieces, outline: bool) -> None:
    layout = [page for page in good_layout() if page != ("main", 4, 3)]  # 立案审批表 (p. 3) taken out
    report = check_volume(assemble(pieces, layout, outline=outline))
    (missing,) = only(report, "toc_entry_not_found")
    assert (missing.entry, missing.page) == (2, 3) and "立案审批表" in missing.message_zh
    (gap,) = only(report, "stamp_out_of_sequence")
    assert (gap.physical_page, gap.page) == (5, 4)
    assert sorted(codes(report)) == ["stamp_out_of_sequence", "toc_entry_not_found"]


def test_a_volume_without_a_toc(pieces: Pieces) -> None:
    layout = [page for page in good_layout() if page[1] != 1]
    report = check_volume(assemble(pieces, layout))
    assert codes(report) == ["toc_missing"] and report.toc == () and not report.ok
    assert report.stamps == (None, *range(1, 11), None)  # the cover is not a content page


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n" + bytes(range(256)) * 4])
def test_garbage_is_not_a_pdf(data: bytes) -> None:
    report = check_volume(data)
    assert not report.ok and codes(report) == ["not_a_pdf"]
    assert (report.pages, report.toc, report.stamps, report.starts) == (0, (), (), ())


def test_the_same_answers_without_poppler(pieces: Pieces, good: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf reads the positions where poppler is not installed: same stamps, 目录 and findings."""
    defective = assemble(pieces, restamp(good_layout(), MISSING), outline=False)
    fast = [check_volume(good), check_volume(defective)]
    monkeypatch.setattr(check_module, "_poppler_pages", lambda pdf: None)
    slow = [check_volume(good), check_volume(defective)]
    for a, b in zip(fast, slow, strict=True):
        assert a.stamps == b.stamps and a.starts == b.starts and codes(a) == codes(b)
        assert a.toc == b.toc
    assert slow[0].ok and codes(slow[1]) == ["stamp_missing"] * 4
