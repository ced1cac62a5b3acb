"""Builds the 17 core DOCX templates (``templates/forms/<form_id>.docx``).

Run ``python -m tools.build_forms [out_dir]`` from the repository root. The DOCX files are the
committed artefact — a bureau may adjust the wording in Word — and this script is how we regenerate
them; it is a developer's tool, not part of the installed package. Every form is
assembled from the shared blocks below (page setup, header, number line, signatures, legal clauses,
seal block) and the layout kit in ``generic.py``, so a change of look is made once.

Template variables are those of ``context.py`` (``doc org party case officers f clause parent
approvals``). Legal clauses are looked up defensively (``clause.get(id, '')``) and never written as
text here: periods and article numbers change with the law. Choices of multichoice fields are read
from ``archive/catalogue/catalogue.yaml``, the one place they are written (a tool may read the
catalogue; the runtime ``templates`` package may not import ``archive``).

Markup used in the text below (see ``generic._segments``): ``[[…]]`` prints underlined — the
filled-in blanks of the 式样 — and ``**…**`` bold.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from anjuan.archive.catalogue import load_catalogue
from anjuan.templates.generic import (
    BODY_SIZE,
    body_paragraph,
    cell_paragraph,
    keep_row,
    new_document,
    org_header,
    seal_block,
    set_cell_text,
    set_row_height,
    table,
)
from anjuan.templates.generic import add_page_numbers as _add_page_numbers
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

__all__ = ["FORMS", "FormDef", "build_all", "build_form", "main"]

FORMS_DIR = Path(__file__).resolve().parent.parent / "templates" / "forms"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

LEFT, CENTER, RIGHT = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
SP = "\u3000"  # full-width space: blanks for handwriting line up with Chinese text
BLANK_DATE = f"{SP * 2}年{SP * 2}月{SP * 2}日"
DATE = "{{ doc.date|cn_date or '" + BLANK_DATE + "' }}"
OFFICER_NAMES = "{{ officers|map(attribute='name')|join('、') }}"
OFFICER_CERTS = "{{ officers|map(attribute='cert_no')|join('、') }}"
PERIOD = "{{ f.start_time|cn_datetime_range(f.end_time) }}"  # 起止时间, the end's date only if another day


def _choices(form_id: str, field_id: str) -> tuple[str, ...]:
    """The choices of a multichoice field, as the catalogue defines them."""
    form = next(f for f in load_catalogue().forms if f.id == form_id)
    field = form.field(field_id)
    assert field is not None and field.choices, f"{form_id}.{field_id} has no choices in the catalogue"
    return tuple(field.choices)


INSPECTION_METHODS = _choices("inspection_plan", "inspection_methods")
INQUIRY_MATERIALS = _choices("inquiry_notice", "materials")


# -- the writer: shared building blocks ----------------------------------------------------------


class FormWriter:
    """A template under construction: the layout kit plus Jinja blocks (``{%p %}``, ``{%tr %}``)."""

    def __init__(self, title: str, *, numbered: bool, multipage: bool = False) -> None:
        self.doc: DocxDocument = new_document()
        self.doc.core_properties.title = title
        self.title = title
        org_header(self.doc, "{{ org.name }}", title, "{{ doc.number }}" if numbered else None)
        if multipage:
            _add_page_numbers(self.doc)

    # paragraphs

    def para(
        self,
        text: str = "",
        *,
        indent: bool = True,
        align: WD_ALIGN_PARAGRAPH | None = None,
        space_before: float = 0,
        keep_with_next: bool = False,
    ) -> Paragraph:
        return body_paragraph(
            self.doc, text, indent=indent, align=align, space_before=space_before, keep_with_next=keep_with_next
        )

    def line(
        self,
        text: str,
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        space_before: float = 0,
        keep_with_next: bool = False,
    ) -> Paragraph:
        """A paragraph without first-line indent (labelled lines, salutation, signatures)."""
        return self.para(text, indent=False, align=align, space_before=space_before, keep_with_next=keep_with_next)

    def heading(self, text: str) -> Paragraph:
        """A bold run-in heading (检查情况：, 一、调查经过) that never ends a page."""
        return self.line(f"**{text}**", keep_with_next=True)

    def tag(self, jinja: str) -> None:
        """A paragraph holding only a ``{%p … %}`` tag (docxtpl removes the paragraph itself)."""
        body_paragraph(self.doc, jinja, indent=False)

    @contextmanager
    def when(self, condition: str) -> Iterator[None]:
        """Optional paragraphs: ``{%p if condition %}`` … ``{%p endif %}``."""
        self.tag(f"{{%p if {condition} %}}")
        yield
        self.tag("{%p endif %}")

    def items(self, expr: str, fmt: str = "{{ loop.index }}. {{ item }}") -> None:
        """One numbered paragraph per list element (问题1..n, 决定1..n, 证据1..n)."""
        self.tag(f"{{%p for item in {expr} %}}")
        self.para(fmt)
        self.tag("{%p endfor %}")

    def longtext(self, expr: str, prefix: str = "") -> None:
        """A longtext value: one Word paragraph per line (the ``paras`` filter emits ``\\a``)."""
        self.para(f"{prefix}{{{{ {expr}|paras }}}}")

    def clause(self, clause_id: str) -> None:
        """A legal clause paragraph, printed only when the clause is in force on the document date."""
        with self.when(f"clause.get('{clause_id}')"):
            self.para(f"{{{{ clause.get('{clause_id}', '')|paras }}}}")

    def salutation(self, expr: str = "party.name") -> None:
        self.line(f"{{{{ {expr} }}}}：", space_before=4)

    # signatures and seal

    def officer_signatures(self, label: str = "执法人员（签名）：") -> None:
        """One line per officer with the 执法证号; the names line up under the first one."""
        indent = SP * len(label)
        self.tag("{%p for o in officers %}")
        # keep_with_next down to the seal block: signatures and seal never part across pages
        self.line(
            f"{{% if loop.first %}}{label}{{% else %}}{indent}{{% endif %}}"
            f"{{{{ o.name }}}}{SP * 2}执法证号：{{{{ o.cert_no }}}}",
            keep_with_next=True,
        )
        self.tag("{%p endfor %}")

    def signature(self, label: str, value: str = "") -> None:
        self.line(f"{label}{value}", keep_with_next=True)

    def seal(self) -> None:
        """机关名称 + date at the bottom right, bookmarked for the sealing step."""
        seal_block(self.doc, "{{ org.name }}", DATE)

    def date_line(self) -> None:
        """The date alone, right-aligned with four characters' room (unsealed internal forms)."""
        paragraph = body_paragraph(self.doc, DATE, indent=False, align=RIGHT, space_before=6)
        paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * 2)

    # tables

    def table(self, widths_mm: Sequence[float], rows: int) -> Table:
        return table(self.doc, widths_mm, rows)

    def save(self, path: Path) -> None:
        """Write the DOCX with fixed zip timestamps, so that rebuilding unchanged forms changes no byte
        (the templates are committed)."""
        raw = io.BytesIO()
        self.doc.save(raw)
        out = io.BytesIO()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(entry, src.read(info.filename))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.getvalue())


# -- table helpers -------------------------------------------------------------------------------


def merged(tbl: Table, row: int, first: int, last: int) -> _Cell:
    """Cells ``first..last`` of ``row`` merged into one."""
    cells = tbl.rows[row].cells
    return cells[first].merge(cells[last]) if last > first else cells[first]


def label(cell: _Cell, text: str) -> None:
    set_cell_text(cell, text, align=CENTER)


def value(cell: _Cell, text: str, *, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    set_cell_text(cell, text, align=align)


def longtext_cell(cell: _Cell, expr: str) -> None:
    """A longtext value in a cell: paragraphs with the first-line indent, top-aligned."""
    cell_paragraph(cell, f"{{{{ {expr}|paras }}}}", indent=True, first=True)


def approval_cell(cell: _Cell, step: str, *, blank_lines: int = 2) -> None:
    """审核/审批意见 from ``approvals`` (opinion, then name and date right-aligned); with none recorded,
    blank lines and ``签名：　年　月　日`` for handwriting."""
    chosen = f"approvals|selectattr('step', 'equalto', '{step}')|list"
    cell_paragraph(cell, f"{{%p for a in {chosen} %}}", first=True)
    cell_paragraph(cell, "{{ a.opinion|paras }}", indent=True)
    cell_paragraph(cell, f"签名：{{{{ a.name }}}}{SP * 2}{{{{ a.at|cn_date }}}}", align=RIGHT)
    cell_paragraph(cell, "{%p endfor %}")
    cell_paragraph(cell, f"{{%p if not {chosen} %}}")
    for _ in range(blank_lines):
        cell_paragraph(cell, "")
    cell_paragraph(cell, f"签名：{SP * 6}{BLANK_DATE}", align=RIGHT)
    cell_paragraph(cell, "{%p endif %}")


def handler_cell(cell: _Cell, opinion_expr: str | None = "f.handler_opinion", extra: Sequence[str] = ()) -> None:
    """承办人意见: the opinion, optional extra lines, then the handlers' names, 执法证号 and date."""
    first = True
    if opinion_expr:
        cell_paragraph(cell, f"{{{{ {opinion_expr}|paras }}}}", indent=True, first=True)
        first = False
    for text in extra:
        cell_paragraph(cell, text, indent=True, first=first)
        first = False
    cell_paragraph(cell, f"承办人（签名）：{OFFICER_NAMES}", align=RIGHT, first=first)
    cell_paragraph(cell, f"执法证号：{OFFICER_CERTS}", align=RIGHT)
    cell_paragraph(cell, DATE, align=RIGHT)


def choice_boxes(expr: str, choices: Sequence[str]) -> str:
    """``☑听取汇报 ☐查阅资料 …`` for a multichoice (or choice) field."""
    return SP.join(f"{{{{ {expr}|checkbox('{c}') }}}}{c}" for c in choices)


def party_cells(tbl: Table, start: int) -> int:
    """当事人 rows of the 审批表 (name / 地址 / 法定代表人 职务 / 电话 邮编); returns the next row."""
    label(merged(tbl, start, 0, 0), "当事人")
    value(merged(tbl, start, 1, 3), "{{ party.name }}")
    label(tbl.rows[start + 1].cells[0], "地址")
    value(merged(tbl, start + 1, 1, 3), "{{ party.address }}")
    label(tbl.rows[start + 2].cells[0], "法定代表人")
    value(tbl.rows[start + 2].cells[1], "{{ party.legal_rep }}")
    label(tbl.rows[start + 2].cells[2], "职务")
    value(tbl.rows[start + 2].cells[3], "{{ party.position }}")
    label(tbl.rows[start + 3].cells[0], "联系电话")
    value(tbl.rows[start + 3].cells[1], "{{ party.phone }}")
    label(tbl.rows[start + 3].cells[2], "邮政编码")
    value(tbl.rows[start + 3].cells[3], "{{ party.postcode }}")
    return start + 4


APPROVAL_WIDTHS = (32, 50, 26, 48)  # label | value | label | value (mm, scaled to the text width)
OPINION_ROW_MM = 20  # 审核/审批意见: room for a handwritten opinion, signature and date
HANDLER_ROW_MM = 22


def opinion_row(tbl: Table, row: int, title: str, step: str) -> None:
    """An 审核意见/审批意见 row: label | opinion (merged), kept on one page."""
    label(tbl.rows[row].cells[0], title)
    approval_cell(merged(tbl, row, 1, 3), step)
    set_row_height(tbl.rows[row], OPINION_ROW_MM)
    keep_row(tbl.rows[row])


def handler_row(tbl: Table, row: int, extra: Sequence[str] = ()) -> None:
    """The 承办人意见 row."""
    label(tbl.rows[row].cells[0], "承办人意见")
    handler_cell(merged(tbl, row, 1, 3), extra=extra)
    set_row_height(tbl.rows[row], HANDLER_ROW_MM)
    keep_row(tbl.rows[row])


# -- the 17 forms ---------------------------------------------------------------------------------


def inspection_plan(w: FormWriter) -> None:
    """现场检查方案: an internal table, 审核 and 审批 by the leaders."""
    tbl = w.table(APPROVAL_WIDTHS, 12)
    label(tbl.rows[0].cells[0], "被检查单位")
    value(merged(tbl, 0, 1, 3), "{{ party.name }}")
    label(tbl.rows[1].cells[0], "地址")
    value(merged(tbl, 1, 1, 3), "{{ party.address }}")
    label(tbl.rows[2].cells[0], "联系人")
    value(tbl.rows[2].cells[1], "{{ f.contact_person }}")
    label(tbl.rows[2].cells[2], "联系电话")
    value(tbl.rows[2].cells[3], "{{ party.phone }}")
    label(tbl.rows[3].cells[0], "所属行业")
    value(tbl.rows[3].cells[1], "{{ f.industry }}")
    label(tbl.rows[3].cells[2], "检查类别")
    value(tbl.rows[3].cells[3], "{{ f.inspection_category }}")
    label(tbl.rows[4].cells[0], "检查时间")
    period = "{{ f.planned_start|cn_date }}{% if f.planned_end %}至{{ f.planned_end|cn_date }}{% endif %}"
    value(merged(tbl, 4, 1, 3), period)
    label(tbl.rows[5].cells[0], "双随机抽取")
    value(
        merged(tbl, 5, 1, 3),
        "{{ f.random_selection|checkbox }}是" + SP + "{{ (f.random_selection is sameas false)|checkbox }}否",
    )
    label(tbl.rows[6].cells[0], "行政执法人员")
    officers = merged(tbl, 6, 1, 3)
    cell_paragraph(officers, "{%p for o in officers %}", first=True)
    cell_paragraph(officers, f"{{{{ o.name }}}}{SP * 2}执法证号：{{{{ o.cert_no }}}}")
    cell_paragraph(officers, "{%p endfor %}")
    cell_paragraph(officers, "")  # a cell must keep a paragraph even with no officers
    label(tbl.rows[7].cells[0], "检查内容")
    items = merged(tbl, 7, 1, 3)
    cell_paragraph(items, "{%p for item in f.inspection_items %}", first=True)
    cell_paragraph(items, "{{ loop.index }}. {{ item }}")
    cell_paragraph(items, "{%p endfor %}")
    cell_paragraph(items, "")
    set_row_height(tbl.rows[7], 30)
    label(tbl.rows[8].cells[0], "检查方式")
    value(merged(tbl, 8, 1, 3), choice_boxes("f.inspection_methods", INSPECTION_METHODS))
    opinion_row(tbl, 9, "审核意见", "review")
    opinion_row(tbl, 10, "审批意见", "approve")
    label(tbl.rows[11].cells[0], "备注")
    longtext_cell(merged(tbl, 11, 1, 3), "f.remarks")
    w.seal()  # 行政执法专用章 (catalogue seal: enforcement)


def inspection_record(w: FormWriter) -> None:
    """现场检查记录."""
    w.line("被检查单位：[[{{ party.name }}]]", space_before=4)
    w.line("地址：[[{{ party.address }}]]")
    w.line(f"法定代表人（负责人）：[[{{{{ party.legal_rep }}}}]]{SP}职务：[[{{{{ party.position }}}}]]")
    w.line("联系电话：[[{{ party.phone }}]]")
    w.line("检查场所：[[{{ f.place }}]]")
    w.line(f"检查时间：[[{PERIOD}]]")
    w.para(
        f"我们是[[{{{{ org.name }}}}]]行政执法人员[[{OFFICER_NAMES}]]，证件号码为[[{OFFICER_CERTS}]]，"
        "这是我们的证件（出示证件）。现依法对你单位进行现场检查，请予以配合。"
    )
    w.heading("检查情况：")
    w.longtext("f.findings")
    with w.when("f.unplanned_reason"):  # 未制定现场检查方案时，记录其理由（临时检查）
        w.heading("未制定检查方案的理由：")
        w.longtext("f.unplanned_reason")
    w.officer_signatures("检查人员（签名）：")
    w.signature(
        "被检查单位现场负责人（签名）：",
        "{{ f.onsite_person }}{% if f.onsite_person_position %}（{{ f.onsite_person_position }}）{% endif %}",
    )
    w.seal()


def onsite_measures_decision(w: FormWriter) -> None:
    """现场处理措施决定书."""
    w.salutation()
    w.para("本机关于[[{{ f.inspection_date|cn_date }}]]现场检查时，发现你单位有下列违法违规行为和事故隐患：")
    w.items("f.violations")
    w.para("以上存在的问题无法保证安全生产，依据[[{{ f.legal_basis }}]]的规定，现作出如下现场处理决定：")
    w.items("f.decisions")
    w.clause("remedy_onsite")
    w.officer_signatures()
    w.signature("被检查单位负责人（签名）：", "{{ f.onsite_person }}")
    w.seal()


def rectification_order(w: FormWriter) -> None:
    """责令限期整改指令书."""
    w.salutation()
    w.para("经查，你单位存在下列问题：")
    w.items("f.problems")
    w.para(
        "现责令你单位对上述第[[{{ f.rectify_items }}]]项问题于[[{{ f.deadline|cn_date }}]]前整改完毕，"
        "达到有关法律法规规章和标准规定的要求。由此造成事故的，依法追究有关人员的责任。"
    )
    w.para("整改期间，你单位应当采取措施，确保安全生产。对安全生产违法行为，将依法予以行政处罚。")
    w.clause("remedy_order")
    w.officer_signatures()
    w.signature("被检查单位负责人（签名）：", "{{ f.onsite_person }}")
    w.seal()


def reinspection_opinion(w: FormWriter) -> None:
    """整改复查意见书: cites the 责改/现决 it follows up (``parent``)."""
    w.salutation()
    decided = (
        "{% if parent and parent.form_id == 'onsite_measures_decision' %}现场处理措施{% else %}责令限期整改{% endif %}"
    )
    w.para(
        f"本机关于[[{{{{ parent.date|cn_date if parent else '' }}}}]]作出了[[{decided}]]的决定"
        "[[{% if parent and parent.number %}（{{ parent.number }}）{% endif %}]]，"
        "经[[{{ f.reinspection_date|cn_date }}]]对你单位整改情况进行复查，提出如下意见："
    )
    with w.when("f.rectification_status"):
        w.para("整改情况：" + choice_boxes("f.rectification_status", ("已全部整改", "部分整改", "未整改")))
    w.longtext("f.opinion")
    w.officer_signatures()
    w.signature("被检查单位负责人（签名）：", "{{ f.onsite_person }}")
    w.seal()


def case_filing_approval(w: FormWriter) -> None:
    """立案审批表."""
    tbl = w.table(APPROVAL_WIDTHS, 12)
    label(tbl.rows[0].cells[0], "案件名称")
    value(merged(tbl, 0, 1, 3), "{{ case.name }}")
    label(tbl.rows[1].cells[0], "案件来源")
    value(tbl.rows[1].cells[1], "{{ f.case_source }}")
    label(tbl.rows[1].cells[2], "来源时间")
    value(tbl.rows[1].cells[3], "{{ f.source_date|cn_date }}")
    label(tbl.rows[2].cells[0], "案由")
    value(merged(tbl, 2, 1, 3), "{{ case.cause }}")
    row = party_cells(tbl, 3)
    label(tbl.rows[row].cells[0], "统一社会信用代码")
    value(merged(tbl, row, 1, 3), "{{ party.credit_code or party.id_number }}")
    label(tbl.rows[row + 1].cells[0], "案件基本情况")
    longtext_cell(merged(tbl, row + 1, 1, 3), "f.case_summary")
    set_row_height(tbl.rows[row + 1], 20)
    handler_row(tbl, row + 2)
    opinion_row(tbl, row + 3, "审核意见", "review")
    opinion_row(tbl, row + 4, "审批意见", "approve")
    w.seal()  # 行政执法专用章 (catalogue seal: enforcement)


def inquiry_notice(w: FormWriter) -> None:
    """询问通知书."""
    w.salutation("f.inquiree")
    w.para(
        "为调查了解[[{{ f.reason }}]]有关情况，请你（单位）于[[{{ f.inquiry_time|cn_datetime }}]]"
        "到[[{{ f.inquiry_place }}]]接受询问调查。"
    )
    w.para("请携带下列材料：")
    # one material per line: a box never parts from its text; 其他有关材料 names what else to bring
    materials = "[" + ", ".join(f"'{m}'" for m in INQUIRY_MATERIALS) + "]"
    w.tag(f"{{%p for m in {materials} %}}")
    w.para(
        "{{ f.materials|checkbox(m) }}{{ m }}"
        "{% if m == '其他有关材料' and f.other_materials %}：[[{{ f.other_materials }}]]{% endif %}"
    )
    w.tag("{%p endfor %}")
    w.line(f"联系人：[[{{{{ org.contact }}}}]]{SP * 2}联系电话：[[{{{{ org.phone }}}}]]", space_before=6)
    w.line("本机关地址：[[{{ org.address }}]]")
    w.seal()


def inquiry_record(w: FormWriter) -> None:
    """询问笔录: no number; runs over several pages, so pages are numbered in the footer."""
    w.line(
        f"询问时间：[[{PERIOD}]]" + "{% if f.session_no %}" + SP + "第[[{{ f.session_no }}]]次询问{% endif %}",
        space_before=4,
    )
    w.line("询问地点：[[{{ f.place }}]]")
    w.line(f"被询问人：[[{{{{ f.interviewee }}}}]]{SP}性别：[[{{{{ f.gender }}}}]]{SP}年龄：[[{{{{ f.age }}}}]]")
    w.line(f"身份证号：[[{{{{ f.id_number }}}}]]{SP}联系电话：[[{{{{ f.phone }}}}]]")
    w.line(f"工作单位：[[{{{{ f.employer }}}}]]{SP}职务：[[{{{{ f.position }}}}]]")
    w.line("住址：[[{{ f.address }}]]")
    w.line(f"询问人：[[{{{{ f.interviewer }}}}]]{SP}记录人：[[{{{{ f.recorder }}}}]]")
    w.line("在场人：[[{{ f.present }}]]")
    # the rights sentence (inquiry_rights) is data: it changes with the 行政处罚法
    w.para(
        f"我们是[[{{{{ org.name }}}}]]的行政执法人员[[{OFFICER_NAMES}]]，证件号码为[[{OFFICER_CERTS}]]，"
        "这是我们的证件（出示证件）。{{ clause.get('inquiry_rights', '') }}"
    )
    w.tag("{%p for row in f.qa %}")
    w.para("**问：**{{ row.question|paras }}")
    w.para("**答：**{{ row.answer|paras }}")
    w.tag("{%p endfor %}")
    w.line("（以下空白）", align=CENTER, keep_with_next=True)
    w.line(f"被询问人（签名）：{SP * 8}{BLANK_DATE}", space_before=10, keep_with_next=True)
    w.line(f"询问人（签名）：{SP * 9}{BLANK_DATE}", keep_with_next=True)
    w.line(f"记录人（签名）：{SP * 9}{BLANK_DATE}")


def survey_record(w: FormWriter) -> None:
    """勘验笔录: the people present as table rows (one per 勘验人 / 当事人), then the findings."""
    w.line(f"勘验时间：[[{PERIOD}]]", space_before=4)
    w.line("勘验场所：[[{{ f.place }}]]")
    w.line("天气情况：[[{{ f.weather }}]]")
    people = w.table((24, 30, 66, 36), 1)
    for cell, text in zip(people.rows[0].cells, ("", "姓名", "单位及职务", "联系电话"), strict=True):
        label(cell, text)
    loop_rows(people, "p in f.surveyors", ("勘验人", "{{ p.name }}", "{{ p.unit_position }}", ""))
    loop_rows(
        people,
        "p in f.parties_present",
        ("当事人", "{{ p.name }}", "{{ p.unit_position }}", "{{ p.phone }}"),
    )
    add_row(people, ("被邀请人", "{{ f.invitee }}", "{{ f.invitee_unit_position }}", ""))
    add_row(people, ("记录人", "{{ f.recorder }}", "", ""))
    w.para(
        f"我们是[[{{{{ org.name }}}}]]的行政执法人员[[{OFFICER_NAMES}]]，证件号码为[[{OFFICER_CERTS}]]，"
        "这是我们的证件（出示证件）。现依法进行勘验。",
        space_before=4,
    )
    w.heading("勘验情况：")
    w.longtext("f.findings")
    with w.when("f.attachments"):
        w.line("附件：[[{{ f.attachments }}]]")
    w.officer_signatures("勘验人（签名）：")
    w.signature("当事人（签名）：")
    w.signature(f"被邀请人（签名）：{SP * 8}记录人（签名）：")
    w.seal()


def add_row(tbl: Table, texts: Sequence[str]) -> None:
    """A table row: the first cell is a label (centred), the others values."""
    cells = tbl.add_row().cells
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        set_cell_text(cell, text, align=CENTER if index == 0 else None)


def loop_rows(tbl: Table, loop: str, texts: Sequence[str]) -> None:
    """``{%tr for loop %}`` / one row of ``texts`` / ``{%tr endfor %}``: a real row per element."""
    tag = tbl.add_row().cells
    set_cell_text(tag[0], f"{{%tr for {loop} %}}")
    add_row(tbl, texts)
    tag = tbl.add_row().cells
    set_cell_text(tag[0], "{%tr endfor %}")


def notice_body(w: FormWriter) -> None:
    """The facts part shared by 行政处罚告知书 and 听证告知书."""
    w.salutation()
    w.para("经查，你（单位）{{ f.violations|paras }}")
    w.para("以上事实违反了{{ f.violated_provisions|paras }}的规定。")
    w.para("依据{{ f.penalty_basis|paras }}的规定，本机关拟对你（单位）作出[[{{ f.proposed_penalty }}]]的行政处罚。")
    with w.when("f.proposed_fine"):
        w.para("拟罚款金额：[[{{ f.proposed_fine|money }}]]元（[[{{ f.proposed_fine|money_upper }}]]）。")


def org_contact(w: FormWriter) -> None:
    w.line(f"本机关地址：[[{{{{ org.address }}}}]]{SP}邮政编码：[[{{{{ org.postcode }}}}]]", space_before=4)
    w.line(f"联系人：[[{{{{ org.contact }}}}]]{SP * 2}联系电话：[[{{{{ org.phone }}}}]]")


def penalty_notice(w: FormWriter) -> None:
    """行政处罚告知书."""
    notice_body(w)
    w.clause("statement_defence")
    org_contact(w)
    w.seal()


def hearing_notice(w: FormWriter) -> None:
    """行政处罚听证告知书."""
    notice_body(w)
    w.clause("hearing_request")
    org_contact(w)
    w.seal()


def statement_defence_record(w: FormWriter) -> None:
    """当事人陈述申辩笔录: no number."""
    w.line("案件名称：[[{{ case.name }}]]", space_before=4)
    w.line(f"时间：[[{PERIOD}]]")
    w.line("地点：[[{{ f.place }}]]")
    w.line(f"陈述申辩人：[[{{{{ f.speaker }}}}]]{SP}性别：[[{{{{ f.gender }}}}]]")
    w.line(f"工作单位：[[{{{{ f.employer }}}}]]{SP}职务：[[{{{{ f.position }}}}]]")
    w.line(f"联系电话：[[{{{{ f.phone }}}}]]{SP}邮政编码：[[{{{{ f.postcode }}}}]]")
    w.line("地址：[[{{ f.address }}]]")
    w.line(f"承办人：[[{{{{ f.handler }}}}]]{SP}记录人：[[{{{{ f.recorder }}}}]]")
    w.para(
        f"我们是[[{{{{ org.name }}}}]]的行政执法人员[[{OFFICER_NAMES}]]，证件号码为[[{OFFICER_CERTS}]]，"
        "这是我们的证件（出示证件）。现依法听取你（单位）的陈述和申辩。"
    )
    w.heading("陈述申辩记录：")
    w.longtext("f.record")
    w.line("（以下空白）", align=CENTER, keep_with_next=True)
    w.line(f"陈述申辩人（签名）：{SP * 7}{BLANK_DATE}", space_before=10, keep_with_next=True)
    w.line(f"承办人（签名）：{SP * 9}{BLANK_DATE}", keep_with_next=True)
    w.line(f"记录人（签名）：{SP * 9}{BLANK_DATE}")


def investigation_report(w: FormWriter) -> None:
    """案件调查报告 (2021 era; internal, several pages possible)."""
    w.line("案件名称：[[{{ case.name }}]]", space_before=4)
    w.line("当事人：[[{{ party.name }}]]")
    w.line("统一社会信用代码：[[{{ party.credit_code or party.id_number }}]]")
    w.line("地址：[[{{ party.address }}]]")
    w.line(f"法定代表人（负责人）：[[{{{{ party.legal_rep }}}}]]{SP}职务：[[{{{{ party.position }}}}]]")
    w.heading("一、调查经过")
    w.longtext("f.investigation_process")
    w.heading("二、违法事实")
    w.longtext("f.facts")
    w.heading("三、证据")
    w.items("f.evidence")
    w.heading("四、违反的规定及处罚依据")
    w.para(
        "当事人的上述行为违反了{{ f.violated_provisions|paras }}的规定，"
        "依据{{ f.penalty_basis|paras }}的规定，应当给予行政处罚。"
    )
    with w.when("f.discretion"):
        w.heading("五、裁量情节及理由")
        w.longtext("f.discretion")
    w.heading("{{ '六' if f.discretion else '五' }}、处理意见")
    w.longtext("f.proposed_penalty")
    with w.when("f.proposed_fine"):
        w.para("拟罚款金额：[[{{ f.proposed_fine|money }}]]元（[[{{ f.proposed_fine|money_upper }}]]）。")
    w.para(
        "是否需要法制审核：{{ f.needs_legal_review|checkbox }}是"
        + SP
        + "{{ (f.needs_legal_review is sameas false)|checkbox }}否"
        + SP * 2
        + "是否需要集体讨论：{{ f.needs_collective_discussion|checkbox }}是"
        + SP
        + "{{ (f.needs_collective_discussion is sameas false)|checkbox }}否"
    )
    w.officer_signatures("承办人（签名）：")
    w.date_line()


def case_handling_approval(w: FormWriter) -> None:
    """案件处理呈批表."""
    tbl = w.table(APPROVAL_WIDTHS, 10)
    label(tbl.rows[0].cells[0], "案件名称")
    value(merged(tbl, 0, 1, 3), "{{ case.name }}")
    row = party_cells(tbl, 1)
    label(tbl.rows[row].cells[0], "违法事实及处罚依据")
    longtext_cell(merged(tbl, row, 1, 3), "f.facts_and_basis")
    set_row_height(tbl.rows[row], 20)
    label(tbl.rows[row + 1].cells[0], "当事人申辩意见")
    longtext_cell(merged(tbl, row + 1, 1, 3), "f.defence_opinion")
    fine = (
        "{% if f.proposed_fine %}拟罚款{{ f.proposed_fine|money }}元（{{ f.proposed_fine|money_upper }}）。{% endif %}"
    )
    handler_row(tbl, row + 2, extra=(fine,))
    opinion_row(tbl, row + 3, "审核意见", "review")
    opinion_row(tbl, row + 4, "审批意见", "approve")


def penalty_decision_org(w: FormWriter) -> None:
    """行政处罚决定书（单位）."""
    w.line("被处罚单位：[[{{ party.name }}]]", space_before=4)
    w.line("统一社会信用代码：[[{{ party.credit_code }}]]")
    w.line("地址：[[{{ party.address }}]]")
    w.line(f"法定代表人（负责人）：[[{{{{ party.legal_rep }}}}]]{SP}职务：[[{{{{ party.position }}}}]]")
    w.para("经查，{{ f.facts|paras }}")
    w.para("以上事实有下列证据证明：")
    w.items("f.evidence")
    with w.when("f.defence_adoption"):
        w.longtext("f.defence_adoption")
    w.para(
        "你单位的上述行为违反了{{ f.violated_provisions|paras }}的规定，"
        "依据{{ f.penalty_basis|paras }}的规定，决定给予{{ f.penalty|paras }}的行政处罚。"
    )
    with w.when("f.fine"):
        w.para("罚款金额：[[{{ f.fine|money }}]]元（[[{{ f.fine|money_upper }}]]）。")
    with w.when("f.confiscation"):
        w.para("没收违法所得：[[{{ f.confiscation|money }}]]元（[[{{ f.confiscation|money_upper }}]]）。")
    with w.when("(f.fine or f.confiscation) and clause.get('penalty_payment')"):
        w.para("{{ clause.get('penalty_payment', '')|paras }}")
    w.clause("remedy")
    w.clause("penalty_enforcement_warning")
    w.seal()


def service_receipt(w: FormWriter) -> None:
    """文书送达回执: one row per service (送达)."""
    widths = (44, 18, 20, 20, 18, 16, 20)
    tbl = w.table(widths, 3)
    label(merged(tbl, 0, 0, 1), "案件名称")
    value(merged(tbl, 0, 2, 6), "{{ case.name }}")
    label(merged(tbl, 1, 0, 1), "受送达单位（个人）")
    value(merged(tbl, 1, 2, 6), "{{ f.recipient or party.name }}")
    heads = ("送达文书名称及文号", "收件人签名或盖章", "送达地点", "送达日期", "送达方式", "送达人", "备注")
    for cell, text in zip(tbl.rows[2].cells, heads, strict=True):
        label(cell, text)
    exprs = ("d.document", "d.receiver", "d.place", "d.date|cn_date", "d.method", "d.server", "d.remarks")
    loop_rows(tbl, "d in f.deliveries", [f"{{{{ {e} }}}}" for e in exprs])
    set_row_height(tbl.rows[-2], 16)  # room for the recipient's signature
    for row in tbl.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.style = w.doc.styles["AnjuanSmall"]
    w.clause("service_notes")
    w.seal()


def case_closing_approval(w: FormWriter) -> None:
    """结案审批表."""
    tbl = w.table(APPROVAL_WIDTHS, 11)
    label(tbl.rows[0].cells[0], "案件名称")
    value(merged(tbl, 0, 1, 3), "{{ case.name }}")
    row = party_cells(tbl, 1)
    label(tbl.rows[row].cells[0], "处理结果")
    longtext_cell(merged(tbl, row, 1, 3), "f.result")
    set_row_height(tbl.rows[row], 20)
    label(tbl.rows[row + 1].cells[0], "执行情况")
    longtext_cell(merged(tbl, row + 1, 1, 3), "f.execution")
    set_row_height(tbl.rows[row + 1], 20)
    label(tbl.rows[row + 2].cells[0], "履行方式")
    value(tbl.rows[row + 2].cells[1], "{{ f.execution_status }}")
    label(tbl.rows[row + 2].cells[2], "实收罚款")
    value(
        tbl.rows[row + 2].cells[3],
        "{% if f.fine_collected is not none %}{{ f.fine_collected|money }}元{% endif %}",
    )
    handler_row(tbl, row + 3)
    opinion_row(tbl, row + 4, "审核意见", "review")
    opinion_row(tbl, row + 5, "审批意见", "approve")
    w.seal()  # 行政执法专用章 (catalogue seal: enforcement)


# -- registry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormDef:
    id: str  # catalogue form id = file name
    title: str  # 文书名称 (as in the catalogue)
    build: Callable[[FormWriter], None]
    numbered: bool = True
    multipage: bool = False  # 笔录/报告: page numbers in the footer


FORMS: tuple[FormDef, ...] = (
    FormDef("inspection_plan", "现场检查方案", inspection_plan),
    FormDef("inspection_record", "现场检查记录", inspection_record),
    FormDef("onsite_measures_decision", "现场处理措施决定书", onsite_measures_decision),
    FormDef("rectification_order", "责令限期整改指令书", rectification_order),
    FormDef("reinspection_opinion", "整改复查意见书", reinspection_opinion),
    FormDef("case_filing_approval", "立案审批表", case_filing_approval),
    FormDef("inquiry_notice", "询问通知书", inquiry_notice),
    FormDef("inquiry_record", "询问笔录", inquiry_record, numbered=False, multipage=True),
    FormDef("survey_record", "勘验笔录", survey_record, multipage=True),
    FormDef("penalty_notice", "行政处罚告知书", penalty_notice),
    FormDef("statement_defence_record", "当事人陈述申辩笔录", statement_defence_record, numbered=False, multipage=True),
    FormDef("hearing_notice", "行政处罚听证告知书", hearing_notice),
    FormDef("investigation_report", "案件调查报告", investigation_report, multipage=True),
    FormDef("case_handling_approval", "案件处理呈批表", case_handling_approval),
    FormDef("penalty_decision_org", "行政处罚决定书（单位）", penalty_decision_org),
    FormDef("service_receipt", "文书送达回执", service_receipt),
    FormDef("case_closing_approval", "结案审批表", case_closing_approval),
)


def build_form(form: FormDef, out_dir: Path = FORMS_DIR) -> Path:
    writer = FormWriter(form.title, numbered=form.numbered, multipage=form.multipage)
    form.build(writer)
    path = out_dir / f"{form.id}.docx"
    writer.save(path)
    return path


def build_all(out_dir: Path = FORMS_DIR) -> list[Path]:
    return [build_form(form, out_dir) for form in FORMS]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else FORMS_DIR
    for path in build_all(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
