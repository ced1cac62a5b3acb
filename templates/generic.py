"""The official layout kit (版式) and the generic layout for forms without their own template.

Two users share the kit, so that every document looks the same:

- ``tools/build_forms.py`` (a developer's tool, outside the package) writes the 17 DOCX templates
  with it, putting Jinja tags where values go;
- :func:`render_generic` lays out any other form straight from its catalogue field list.

The look follows GB/T 9704 (党政机关公文格式) as the 2017 执法文书式样 do: A4, margins 37/35/28/26 mm,
the issuing organisation's full name over a double rule, the title in 小标宋, the 文号 in 仿宋, the
body in 仿宋_GB2312 小三 on a fixed line pitch. Chinese font names are written into ``w:rFonts``
(``eastAsia`` *and* ``ascii``/``hAnsi``) on the styles and on every run: Word otherwise falls back
to theme fonts, and LibreOffice finds the CJK faces through a fontconfig alias by these names.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .context import DocumentContext
from .formatting import checkbox, cn_date, cn_datetime, money, money_upper, sanitize_text


class FieldSpec(Protocol):
    """What the layout needs of a catalogue field (``archive.catalogue.FieldSpec`` fits; templates
    must not import archive — the layers point one way)."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> Any: ...  # FieldType (a str enum) or its value
    @property
    def choices(self) -> tuple[str, ...]: ...
    @property
    def columns(self) -> Sequence[FieldSpec]: ...


__all__ = [
    "BODY_LINE",
    "BODY_SIZE",
    "CELL_LINE",
    "CELL_SIZE",
    "FANGSONG",
    "SEAL_BOOKMARK",
    "TEXT_WIDTH_MM",
    "XIAOBIAOSONG",
    "FieldSpec",
    "add_bookmark",
    "add_page_numbers",
    "body_paragraph",
    "cell_paragraph",
    "keep_row",
    "new_document",
    "org_header",
    "render_generic",
    "seal_block",
    "set_cell_text",
    "set_row_height",
    "styled_run",
    "table",
]

# -- typography (字体、字号) ---------------------------------------------------------------------

FANGSONG = "仿宋_GB2312"  # body text, 文号
XIAOBIAOSONG = "方正小标宋简体"  # organisation name and title
# 字号 in points: 二号 22, 小二 18, 三号 16, 小三 15, 四号 14, 小四 12
ORG_SIZE = 18.0  # 小二
TITLE_SIZE = 22.0  # 二号
NUMBER_SIZE = 15.0  # 小三
BODY_SIZE = 15.0  # 小三: keeps the usual one-sheet forms on one or two pages
BODY_LINE = 26.0  # fixed line pitch (pt); GB/T 9704's 22 lines/page is ~29 pt at 三号
CELL_SIZE = 12.0  # 小四 in tables: a 审批表 must stay on one sheet
CELL_LINE = 18.0

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37.0, 35.0, 28.0, 26.0
TEXT_WIDTH_MM = PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156 mm

SEAL_BOOKMARK = "anjuan_seal"  # where a later sealing step puts the 印章

_STYLES = {
    # name: (face, size, line pitch, alignment, first-line indent in characters)
    "AnjuanBody": (FANGSONG, BODY_SIZE, BODY_LINE, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "AnjuanOrg": (XIAOBIAOSONG, ORG_SIZE, 30.0, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "AnjuanTitle": (XIAOBIAOSONG, TITLE_SIZE, 34.0, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "AnjuanNumber": (FANGSONG, NUMBER_SIZE, BODY_LINE, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "AnjuanCell": (FANGSONG, CELL_SIZE, CELL_LINE, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "AnjuanSmall": (FANGSONG, 10.5, 15.0, WD_ALIGN_PARAGRAPH.LEFT, 0),  # 五号, many-column tables
}


def _set_fonts(rpr: Any, face: str) -> None:
    """Name ``face`` for every script and drop theme-font attributes (they take precedence)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)


def _no_autospace(ppr: Any) -> None:
    """Word inserts a quarter space between Chinese and digits by default; forms print none."""
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "0")
        ppr.append(element)


def new_document() -> DocxDocument:
    """An empty A4 document with the official page setup and the Anjuan* paragraph styles."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.header_distance, section.footer_distance = Mm(15), Mm(18)

    # document defaults: 仿宋, Chinese language, no spacing between paragraphs
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(int(BODY_LINE * 20)))
    spacing.set(qn("w:lineRule"), "exact")

    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE)
    _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    _no_autospace(normal.element.get_or_add_pPr())

    for name, (face, size, line, align, indent_chars) in _STYLES.items():
        style = doc.styles.add_style(name, 1)  # 1 = WD_STYLE_TYPE.PARAGRAPH
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        _set_fonts(style.element.get_or_add_rPr(), face)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.first_line_indent = Pt(size * indent_chars) if indent_chars else None
        fmt.widow_control = False
    _prune_styles(doc)
    _drop_extra_parts(doc)
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    return doc


# python-docx's default template carries ~170 styles (350 kB of styles.xml, mostly table designs);
# every render re-zips that part, and a bureau editing the template only needs ours.
_KEEP_STYLES = {
    "Normal",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "TableGrid",
    "Header",
    "HeaderChar",
    "Footer",
    "FooterChar",
}


def _drop_extra_parts(doc: DocxDocument) -> None:
    """Drop the default template's Word 2010 stylesWithEffects (440 kB), custom XML and its stale
    thumbnail picture: nothing refers to them, and a thumbnail of another document misleads."""
    unwanted = ("/stylesWithEffects", "/customXml", "/metadata/thumbnail")
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id in [r for r, rel in rels.items() if rel.reltype.endswith(unwanted)]:
            rels.pop(r_id)


def _prune_styles(doc: DocxDocument) -> None:
    root = doc.styles.element
    for style in root.findall(qn("w:style")):
        style_id = style.get(qn("w:styleId"), "")
        if style_id not in _KEEP_STYLES and not style_id.startswith("Anjuan"):
            root.remove(style)


# -- runs and paragraphs -------------------------------------------------------------------------


def styled_run(
    paragraph: Paragraph,
    text: str,
    *,
    face: str | None = None,
    size: float | None = None,
    bold: bool = False,
    underline: bool = False,
) -> Run:
    """Append a run whose fonts are named explicitly (see the module docstring for why)."""
    run = paragraph.add_run(sanitize_text(text))
    style_face, style_size = _style_font(paragraph)
    _set_fonts(run._r.get_or_add_rPr(), face or style_face)
    run.font.size = Pt(size or style_size)
    if bold:
        run.bold = True
    if underline:
        run.underline = True
    return run


def _style_font(paragraph: Paragraph) -> tuple[str, float]:
    name = paragraph.style.name if paragraph.style is not None else ""
    face, size, *_ = _STYLES.get(name, _STYLES["AnjuanBody"])
    return face, size


def _segments(text: str) -> Iterable[tuple[str, bool, bool]]:
    """``"前[[下划线]]后**粗体**"`` → (text, underline, bold) pieces.

    The builder marks filled-in values ``[[{{ f.x }}]]`` so they print underlined as on the 式样.
    """
    out: list[tuple[str, bool, bool]] = []
    rest = text
    while rest:
        u, b = rest.find("[["), rest.find("**")
        starts = [(i, m) for i, m in ((u, "[["), (b, "**")) if i >= 0]
        if not starts:
            out.append((rest, False, False))
            break
        index, mark = min(starts)
        close = "]]" if mark == "[[" else "**"
        end = rest.find(close, index + 2)
        if end < 0:
            out.append((rest, False, False))
            break
        if index:
            out.append((rest[:index], False, False))
        out.append((rest[index + 2 : end], mark == "[[", mark == "**"))
        rest = rest[end + 2 :]
    return out


def _fill(paragraph: Paragraph, text: str, *, markup: bool = True) -> Paragraph:
    """Append ``text``; with ``markup`` its ``[[ ]]``/``** **`` pieces print underlined/bold (the
    builder's fixed wording) — user values go in with ``markup=False``, verbatim."""
    if not markup:
        if text:
            styled_run(paragraph, text)
        return paragraph
    for piece, underline, bold in _segments(text):
        if piece:
            styled_run(paragraph, piece, underline=underline, bold=bold)
    return paragraph


def body_paragraph(
    container: Any,
    text: str = "",
    *,
    style: str = "AnjuanBody",
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = True,
    left_indent_mm: float | None = None,
    keep_with_next: bool = False,
    space_before: float = 0,
    markup: bool = True,
) -> Paragraph:
    """A paragraph in ``container`` (document or cell) with ``[[underlined]]``/``**bold**`` pieces."""
    paragraph = container.add_paragraph(style=style)
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if not indent:
        fmt.first_line_indent = Pt(0)
    if left_indent_mm is not None:
        fmt.left_indent = Mm(left_indent_mm)
    if keep_with_next:
        fmt.keep_with_next = True
    if space_before:
        fmt.space_before = Pt(space_before)
    return _fill(paragraph, text, markup=markup)


def org_header(doc: DocxDocument, org_name: str, title: str, number: str | None) -> None:
    """机关全称, the double rule, 文书名称 and (for numbered forms) the 文号 line (all verbatim)."""
    org = doc.add_paragraph(style="AnjuanOrg")
    org.paragraph_format.space_after = Pt(2)
    _bottom_rule(org)
    _fill(org, org_name, markup=False)
    heading = doc.add_paragraph(style="AnjuanTitle")
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(2)
    _fill(heading, title, markup=False)
    if number is not None:
        line = doc.add_paragraph(style="AnjuanNumber")
        line.paragraph_format.space_after = Pt(4)
        _fill(line, number, markup=False)


def _bottom_rule(paragraph: Paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "thinThickSmallGap")  # GB/T-style double rule, thick line below
    bottom.set(qn("w:sz"), "18")
    bottom.set(qn("w:space"), "2")
    bottom.set(qn("w:color"), "auto")
    borders.append(bottom)
    # pBdr must come before spacing/ind/jc in CT_PPr's sequence
    anchor = next((c for c in ppr if c.tag in {qn("w:spacing"), qn("w:ind"), qn("w:jc")}), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int = 0) -> None:
    """Wrap the paragraph's content in a bookmark (``w:bookmarkStart``/``w:bookmarkEnd``); ids must
    be unique within the document."""
    bid = str(bookmark_id)
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), bid)
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), bid)
    ppr = paragraph._p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def seal_block(container: Any, org_line: str, date_line: str, *, space_before: float = 12) -> Paragraph:
    """机关名称 over the date, centred in the right part of the line, bookmarked ``anjuan_seal``.

    This is where the paper seal goes (压年盖月); a later sealing step finds it by the bookmark.
    """
    paragraph = container.add_paragraph(style="AnjuanBody")
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.first_line_indent = Pt(0)
    fmt.left_indent = Mm(TEXT_WIDTH_MM * 0.45)
    fmt.space_before = Pt(space_before)
    fmt.keep_together = True
    _fill(paragraph, org_line, markup=False)
    styled_run(paragraph, "").add_break()
    _fill(paragraph, date_line, markup=False)
    add_bookmark(paragraph, SEAL_BOOKMARK, 0)
    return paragraph


def add_page_numbers(doc: DocxDocument) -> None:
    """Footer ``第 n 页 共 m 页`` for forms that run over several pages (笔录, 报告)."""
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["AnjuanCell"]
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled_run(paragraph, "第 ", size=12)
    _field(paragraph, "PAGE")
    styled_run(paragraph, " 页  共 ", size=12)
    _field(paragraph, "NUMPAGES")
    styled_run(paragraph, " 页", size=12)


def _field(paragraph: Paragraph, code: str) -> None:
    parts = (("begin", None), ("instr", f" {code} "), ("separate", None), ("text", "1"), ("end", None))
    for kind, text in parts:
        run = styled_run(paragraph, "", size=12)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text or ""
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


# -- tables --------------------------------------------------------------------------------------


def table(container: Any, widths_mm: Sequence[float], rows: int = 1, *, borders: bool = True) -> Table:
    """A fixed-layout table across the text width (columns scaled to ``widths_mm``' proportions)."""
    total = sum(widths_mm)
    widths = [Mm(TEXT_WIDTH_MM * w / total) for w in widths_mm]
    tbl = container.add_table(rows=rows, cols=len(widths))
    tbl.style = container.part.document.styles["Table Grid"] if borders else None
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    for index, column in enumerate(tbl.columns):
        column.width = widths[index]
    for row in tbl.rows:
        for index, cell in enumerate(row.cells):
            cell.width = widths[index]
    if not borders:
        _no_borders(tbl)
    return tbl


def _no_borders(tbl: Table) -> None:
    tbl_pr = tbl._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    # CT_TblPr is a sequence: tblBorders goes before shd / tblLayout / tblCellMar / tblLook
    later = {qn("w:shd"), qn("w:tblLayout"), qn("w:tblCellMar"), qn("w:tblLook")}
    anchor = next((child for child in tbl_pr if child.tag in later), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tbl_pr.append(borders)


def cell_paragraph(
    cell: _Cell,
    text: str = "",
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    first: bool = False,
    markup: bool = True,
) -> Paragraph:
    """A paragraph in a cell (``first``: reuse the cell's initial empty paragraph)."""
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.style = cell.part.document.styles["AnjuanCell"]
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if indent:
        fmt.first_line_indent = Pt(CELL_SIZE * 2)
    return _fill(paragraph, text, markup=markup)


def set_cell_text(
    cell: _Cell,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    middle: bool = True,
    bold: bool = False,
    markup: bool = True,
) -> Paragraph:
    """Write ``text`` into the cell's first paragraph (a label or a one-line value)."""
    if middle:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if bold and text and markup:
        text = f"**{text}**"
    return cell_paragraph(cell, text, align=align, first=True, markup=markup)


def set_row_height(row: Any, height_mm: float, *, exact: bool = False) -> None:
    """A minimum (or exact) row height: room for handwriting in 意见/签名 rows."""
    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def keep_row(row: Any) -> None:
    """Never split this row across pages (an opinion must stay with its signature and date)."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        tr_pr.insert(0, OxmlElement("w:cantSplit"))


# -- the generic layout --------------------------------------------------------------------------

_SIMPLE = {"text", "date", "datetime", "integer", "money", "boolean", "choice", "multichoice"}
_STEPS = {"review": "审核意见", "approve": "审批意见", "examine": "审查意见", "presider": "主持人意见"}


def _plain(value: Any) -> str:
    return "" if value is None else sanitize_text(str(value))


def format_value(spec: FieldSpec, value: Any) -> str:
    """One field value as printed on a form (dates in 年月日, money with its 大写, ticked boxes)."""
    kind = str(spec.type)
    if kind == "multichoice":
        chosen = set(value or ())
        return "  ".join(f"{checkbox(c in chosen)}{c}" for c in spec.choices)
    if value is None or value == "" or value == []:
        return ""
    if kind == "date":
        return cn_date(value)
    if kind == "datetime":
        return cn_datetime(value)
    if kind == "money":
        return f"{money(value)}元（{money_upper(value)}）"
    if kind == "boolean":
        return f"{checkbox(value)}是  {checkbox(not value)}否"
    if kind == "list":
        return "；".join(_plain(v) for v in value)
    return _plain(value)


def _label(doc: DocxDocument, label: str) -> None:
    body_paragraph(doc, f"{label}：", indent=False, keep_with_next=True, space_before=4, markup=False)


def _kv_table(doc: DocxDocument, pairs: list[tuple[str, str]]) -> None:
    tbl = table(doc, (42, 114), rows=len(pairs))
    for row, (label, value) in zip(tbl.rows, pairs, strict=True):
        set_cell_text(row.cells[0], label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
        first, *more = value.split("\n")
        set_cell_text(row.cells[1], first, markup=False)
        for line in more:
            cell_paragraph(row.cells[1], line, markup=False)
        set_row_height(row, 9)


def _list_table(doc: DocxDocument, spec: FieldSpec, items: list[Any]) -> None:
    _label(doc, spec.label)
    tbl = table(doc, (14, 142), rows=1 + len(items))
    set_cell_text(tbl.rows[0].cells[0], "序号", align=WD_ALIGN_PARAGRAPH.CENTER)
    set_cell_text(tbl.rows[0].cells[1], spec.label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
    for index, item in enumerate(items, start=1):
        cells = tbl.rows[index].cells
        set_cell_text(cells[0], str(index), align=WD_ALIGN_PARAGRAPH.CENTER)
        set_cell_text(cells[1], _plain(item), markup=False)


def _rows_table(doc: DocxDocument, spec: FieldSpec, rows: list[Any]) -> None:
    _label(doc, spec.label)
    columns = list(spec.columns)
    # text columns get more room than numbers and dates
    widths = [10.0] + [30.0 if str(c.type) in ("text", "longtext") else 20.0 for c in columns]
    tbl = table(doc, widths, rows=1 + len(rows))
    header = tbl.rows[0].cells
    set_cell_text(header[0], "序号", align=WD_ALIGN_PARAGRAPH.CENTER)
    for cell, column in zip(header[1:], columns, strict=True):
        set_cell_text(cell, column.label, align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
    for index, row in enumerate(rows, start=1):
        cells = tbl.rows[index].cells
        set_cell_text(cells[0], str(index), align=WD_ALIGN_PARAGRAPH.CENTER)
        values = row if isinstance(row, dict) else {}
        for cell, column in zip(cells[1:], columns, strict=True):
            set_cell_text(cell, format_value(column, values.get(column.id)), markup=False)


def _longtext(doc: DocxDocument, spec: FieldSpec, value: Any) -> None:
    _label(doc, spec.label)
    for line in _plain(value).split("\n"):
        if line.strip():
            body_paragraph(doc, line.strip(), markup=False)


def _party_pairs(context: DocumentContext) -> list[tuple[str, str]]:
    party = context.party
    if party is None:
        return []
    pairs = [("当事人", party.name)]
    if party.kind == "organisation":
        pairs += [
            ("统一社会信用代码", party.credit_code),
            ("地址", party.address),
            ("法定代表人（负责人）", party.legal_rep),
        ]
    else:
        pairs += [("身份证号码", party.id_number), ("工作单位", party.employer), ("住址", party.address)]
    return [(label, _plain(value)) for label, value in pairs if value]


def _signatures(doc: DocxDocument, context: DocumentContext) -> None:
    for index, officer in enumerate(context.officers):
        paragraph = body_paragraph(
            doc, "执法人员（签名）：" if index == 0 else "", indent=False, space_before=8 if index == 0 else 0
        )
        if index:
            paragraph.paragraph_format.left_indent = Pt(BODY_SIZE * 9)  # under the first name
        styled_run(paragraph, f"{officer.name}\u3000\u3000执法证号：{officer.cert_no}")
    if context.party is not None:
        body_paragraph(doc, "当事人（签名）：", indent=False, space_before=4, markup=False)


def render_generic(form_title: str, field_specs: Sequence[FieldSpec], context: DocumentContext) -> bytes:
    """A form laid out from its field list: header, label | value table for simple fields, real
    table rows for ``list``/``table`` fields, longtext as paragraphs, then signatures and date."""
    doc = new_document()
    org_header(doc, context.org.name, form_title, context.doc.number or None)
    if context.case.name:
        paragraph = body_paragraph(doc, "案件名称：", indent=False)
        styled_run(paragraph, context.case.name)

    # consecutive simple fields share one label | value table; the others break it, in catalogue order
    pending: list[tuple[str, str]] = _party_pairs(context)
    for spec in field_specs:
        value = context.fields.get(spec.id)
        kind = str(spec.type)
        if kind in _SIMPLE:
            pending.append((spec.label, format_value(spec, value)))
            continue
        if pending:
            _kv_table(doc, pending)
            pending = []
        if kind == "list":
            _list_table(doc, spec, list(value or []))
        elif kind == "table":
            _rows_table(doc, spec, list(value or []))
        else:
            _longtext(doc, spec, value)
    if pending:
        _kv_table(doc, pending)

    if context.approvals:
        _label(doc, "审核审批意见")
        tbl = table(doc, (22, 80, 24, 30), rows=len(context.approvals))
        for row, approval in zip(tbl.rows, context.approvals, strict=True):
            cells = row.cells
            set_cell_text(cells[0], _STEPS.get(approval.step, approval.step), align=WD_ALIGN_PARAGRAPH.CENTER)
            set_cell_text(cells[1], _plain(approval.opinion), markup=False)
            set_cell_text(cells[2], _plain(approval.name), align=WD_ALIGN_PARAGRAPH.CENTER, markup=False)
            set_cell_text(cells[3], cn_date(approval.at), align=WD_ALIGN_PARAGRAPH.CENTER)

    _signatures(doc, context)
    seal_block(doc, context.org.name, cn_date(context.doc.date) or "年\u3000\u3000月\u3000\u3000日")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
