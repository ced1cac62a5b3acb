"""DOCX rendering of the 17 core templates and the generic layout.

Every template is rendered with a realistic sample (tests/fixtures/samples.py) by a *strict* renderer,
so an undefined name in a template (a typo) fails; the text Word would show — paragraphs and table
cells — must contain the number, the party, every field value, dates in 年月日 and amounts in 大写.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from anjuan.archive.catalogue import FieldSpec, FieldType, FormSpec, SealType
from anjuan.templates import DocxRenderer, RenderError
from anjuan.templates.convert import UnoPool
from anjuan.templates.formatting import cn_date, money, money_upper
from anjuan.templates.generic import FANGSONG, SEAL_BOOKMARK, XIAOBIAOSONG
from anjuan.templates.render import FORMS_DIR
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree

from tests.fixtures.samples import CORE_FORMS, PARTY, catalogue, form_spec, sample_context
from tools.build_forms import FORMS, build_all

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Fields kept for statistics or filing, not printed on the form.
NOT_PRINTED = {
    ("penalty_decision_org", "penalty_types"),  # 处罚种类: the 行政处罚 text states the penalty
}
LONG_FORMS = {"inquiry_record", "investigation_report"}  # may run past two pages


# -- helpers ---------------------------------------------------------------------------------------


def paragraphs(docx: bytes) -> list[str]:
    """Every paragraph's text as Word shows it — body, table cells, headers and footers, in order;
    a ``w:br`` line break reads as ``\\n``."""
    texts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        for name in package.namelist():
            if not re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
                continue
            root = etree.fromstring(package.read(name))
            for p in root.iter(f"{W}p"):
                parts = []
                for node in p.iter(f"{W}t", f"{W}br", f"{W}tab"):
                    parts.append(node.text or "" if node.tag == f"{W}t" else ("\n" if node.tag == f"{W}br" else "\t"))
                texts.append("".join(parts))
    return texts


def text_of(docx: bytes) -> str:
    return "\n".join(paragraphs(docx))


def document_xml(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return package.read("word/document.xml").decode("utf-8")


def expected_texts(spec: FieldSpec, value: Any) -> list[str]:
    """What must appear on the form for ``value`` of ``spec``."""
    if value is None:
        return []
    t = spec.type
    if t == FieldType.longtext:
        return [line.strip() for line in str(value).splitlines() if line.strip()]
    if t == FieldType.date:
        return [cn_date(value)]
    if t == FieldType.datetime:
        # a same-day end time prints without its date (2023年5月9日9时30分至11时45分)
        return [cn_date(value), f"{value.hour}时{value.minute:02d}分"]
    if t == FieldType.money:
        return [money(value), money_upper(value)]
    if t == FieldType.boolean:
        return ["☑是" if value else "☑否"]
    if t == FieldType.multichoice:
        return [("☑" if choice in value else "☐") + choice for choice in spec.choices]
    if t == FieldType.list:
        return list(value)
    if t == FieldType.table:
        return [text for row in value for column in spec.columns for text in expected_texts(column, row[column.id])]
    return [str(value)]


def printed(form: FormSpec, spec: FieldSpec) -> bool:
    return (form.id, spec.id) not in NOT_PRINTED and "不打印" not in spec.help


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def renderer() -> DocxRenderer:
    return DocxRenderer(strict=True)


@pytest.fixture(scope="module")
def rendered(renderer: DocxRenderer) -> dict[str, bytes]:
    return {form_id: renderer.render(form_id, sample_context(form_id)) for form_id in CORE_FORMS}


# -- the templates and the catalogue agree ---------------------------------------------------------


def test_builder_covers_the_core_forms_of_the_catalogue() -> None:
    assert [form.id for form in FORMS] == list(CORE_FORMS)
    for form in FORMS:
        spec = form_spec(form.id)
        assert spec.template == f"{form.id}.docx"
        assert form.title == spec.name
        assert form.numbered == spec.numbered, form.id
        assert (FORMS_DIR / f"{form.id}.docx").is_file()


def test_multichoice_choices_come_from_the_catalogue() -> None:
    """The builder writes a box per choice the catalogue defines, so the DOCX offers exactly those."""
    from tools.build_forms import INQUIRY_MATERIALS, INSPECTION_METHODS

    plan = form_spec("inspection_plan").field("inspection_methods")
    notice = form_spec("inquiry_notice").field("materials")
    assert plan is not None and plan.choices == INSPECTION_METHODS
    assert notice is not None and notice.choices == INQUIRY_MATERIALS
    status = form_spec("reinspection_opinion").field("rectification_status")
    assert status is not None and status.choices == ("已全部整改", "部分整改", "未整改")


def test_committed_templates_are_what_the_builder_makes(tmp_path: Path) -> None:
    """The DOCX files in templates/forms/ are regenerated: running the builder changes no byte."""
    for path in build_all(tmp_path):
        assert path.read_bytes() == (FORMS_DIR / path.name).read_bytes(), f"rebuild {path.name}"


def test_templates_have_the_official_page_setup_and_fonts() -> None:
    doc = Document(str(FORMS_DIR / "penalty_decision_org.docx"))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    for actual, wanted in zip(margins, (37, 35, 28, 26), strict=True):
        assert abs(actual - Mm(wanted)) < Mm(0.5)
    body = doc.styles["AnjuanBody"].element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) == FANGSONG
    title = doc.styles["AnjuanTitle"].element.rPr.rFonts
    assert title.get(qn("w:eastAsia")) == XIAOBIAOSONG
    # runs name their fonts too (Word would otherwise fall back to theme fonts)
    run_fonts = {r.element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs for r in p.runs}
    assert run_fonts <= {FANGSONG, XIAOBIAOSONG}


# -- rendering the 17 core forms -------------------------------------------------------------------


@pytest.mark.parametrize("form_id", CORE_FORMS)
def test_core_form_shows_every_value(form_id: str, rendered: dict[str, bytes]) -> None:
    docx = rendered[form_id]
    text = text_of(docx)
    context = sample_context(form_id)
    form = form_spec(form_id)
    assert form.name in text
    if form.numbered:
        assert context.doc.number and context.doc.number in text
    assert PARTY.name in text
    missing = [
        f"{spec.id}: {expected!r}"
        for spec in form.fields
        if printed(form, spec)
        for expected in expected_texts(spec, context.fields[spec.id])
        if expected not in text
    ]
    assert not missing, "not on the form: " + "; ".join(missing)
    # dates in 年月日, never ISO; no template tag survives
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "{{" not in text and "{%" not in text and "None" not in text


@pytest.mark.parametrize("form_id", CORE_FORMS)
def test_rendered_docx_is_well_formed(form_id: str, rendered: dict[str, bytes]) -> None:
    """python-docx opens it, every table cell keeps a paragraph (Word refuses empty cells), and the
    sealed forms carry the seal bookmark exactly once."""
    docx = rendered[form_id]
    Document(io.BytesIO(docx))
    root = etree.fromstring(document_xml(docx).encode("utf-8"))
    assert all(tc.find(f"{W}p") is not None for tc in root.iter(f"{W}tc"))
    seals = [b for b in root.iter(f"{W}bookmarkStart") if b.get(f"{W}name") == SEAL_BOOKMARK]
    # the catalogue's seal (机关印章 / 执法专用章) decides whether there is a seal block to bookmark
    sealed = form_spec(form_id).seal != SealType.none
    assert len(seals) == (1 if sealed else 0)
    if seals:
        ends = [e for e in root.iter(f"{W}bookmarkEnd") if e.get(f"{W}id") == seals[0].get(f"{W}id")]
        assert len(ends) == 1


def test_money_appears_in_figures_and_in_words(rendered: dict[str, bytes]) -> None:
    text = text_of(rendered["penalty_decision_org"])
    assert "30000.00元（人民币叁万元整）" in text
    assert "1234.56元（人民币壹仟贰佰叁拾肆元伍角陆分）" in text
    assert "人民币叁万元整" in text_of(rendered["penalty_notice"])


def test_clauses_come_from_the_context(rendered: dict[str, bytes], renderer: DocxRenderer) -> None:
    context = sample_context("penalty_decision_org")
    text = text_of(rendered["penalty_decision_org"])
    for clause_id in ("penalty_payment", "remedy", "penalty_enforcement_warning"):
        assert context.clauses[clause_id] in text
    assert "临汾市尧都区人民政府" in text and "中国工商银行临汾尧都支行" in text
    assert sample_context("hearing_notice").clauses["hearing_request"] in text_of(rendered["hearing_notice"])
    # without the clause (not in force) the paragraph is left out, not printed empty
    bare = renderer.render(
        "rectification_order", dataclasses.replace(sample_context("rectification_order"), clauses={})
    )
    assert "行政复议" not in text_of(bare)


def test_inspection_record_fixed_wording(rendered: dict[str, bytes]) -> None:
    text = text_of(rendered["inspection_record"]).replace("\n", "")
    assert (
        "我们是临汾市尧都区应急管理局行政执法人员张伟、刘洋，证件号码为14100220190031、14100220200057，"
        "这是我们的证件（出示证件）。现依法对你单位进行现场检查，请予以配合。"
    ) in text
    assert "2023年5月9日9时30分至11时45分" in text


def test_rectification_order_fixed_wording(rendered: dict[str, bytes]) -> None:
    text = text_of(rendered["rectification_order"])
    assert "经查，你单位存在下列问题：" in text
    assert "现责令你单位对上述第1-3项问题于2023年6月8日前整改完毕" in text
    assert "1. 有限空间作业未审批" in paragraphs(rendered["rectification_order"])


def test_reinspection_cites_its_parent(rendered: dict[str, bytes], renderer: DocxRenderer) -> None:
    text = text_of(rendered["reinspection_opinion"])
    assert "本机关于2023年5月9日作出了责令限期整改的决定（（晋临）应急责改〔2023〕12号）" in text
    onsite = dataclasses.replace(
        sample_context("reinspection_opinion").parent,  # type: ignore[type-var]
        form_id="onsite_measures_decision",
        number="（晋临）应急现决〔2023〕7号",
    )
    context = dataclasses.replace(sample_context("reinspection_opinion"), parent=onsite)
    assert "作出了现场处理措施的决定（（晋临）应急现决〔2023〕7号）" in text_of(
        renderer.render("reinspection_opinion", context)
    )


def test_inquiry_record_states_the_rights(rendered: dict[str, bytes]) -> None:
    text = text_of(rendered["inquiry_record"])
    assert "您有如实回答问题的义务，也有陈述、申辩和申请回避的权利。您听清楚了吗？" in text
    texts = paragraphs(rendered["inquiry_record"])
    assert sum(t.startswith("问：") for t in texts) == 3
    assert sum(t.startswith("答：") for t in texts) == 3


def test_approvals_fill_the_opinion_cells(rendered: dict[str, bytes]) -> None:
    filing = text_of(rendered["case_filing_approval"])
    assert "同意立案调查。" in filing and "签名：李明" in filing and "签名：陈刚" in filing
    assert "2023年5月9日" in filing
    handling = paragraphs(rendered["case_handling_approval"])
    assert any("签名：李明" in t for t in handling)
    # 审批 not recorded yet: a blank line to sign by hand
    assert any(re.fullmatch(r"签名：\u3000+\u3000*年\u3000+月\u3000+日", t) for t in handling)


def test_untrusted_text_survives_xml_escaping(renderer: DocxRenderer) -> None:
    nasty = "A<b>&amp;\"引号\"'单引号' </w:t> {{ x }} & <![CDATA[x]]>"
    context = sample_context("rectification_order", problems=[nasty, "正常问题"])
    context = dataclasses.replace(context, party=dataclasses.replace(PARTY, name="鑫达<化工>&“有限”公司"))
    docx = renderer.render("rectification_order", context)
    text = text_of(docx)
    assert nasty in text
    assert "鑫达<化工>&“有限”公司" in text
    Document(io.BytesIO(docx))


def test_control_characters_are_dropped(renderer: DocxRenderer) -> None:
    context = sample_context("inspection_record", place="车间\x00一\x07号\x0c区")
    assert "车间一号区" in text_of(renderer.render("inspection_record", context))


def test_longtext_lines_become_paragraphs(renderer: DocxRenderer) -> None:
    findings = "第一行：储罐区防火堤破损。\r\n第二行：排水阀常开。\n\n  第三行：未设警示标志。  "
    docx = renderer.render("inspection_record", sample_context("inspection_record", findings=findings))
    texts = paragraphs(docx)
    lines = ["第一行：储罐区防火堤破损。", "第二行：排水阀常开。", "第三行：未设警示标志。"]
    indexes = [texts.index(line) for line in lines]  # each line is a paragraph of its own
    assert indexes == sorted(indexes) and len(set(indexes)) == 3
    xml = document_xml(docx)
    assert "\a" not in xml and "\r" not in xml
    # each new paragraph keeps the body style (first-line indent) of the one it came from
    root = etree.fromstring(xml.encode("utf-8"))
    styled = [
        p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")  # type: ignore[union-attr]
        for p in root.iter(f"{W}p")
        if "".join(t.text or "" for t in p.iter(f"{W}t")) in lines
    ]
    assert styled == ["AnjuanBody"] * 3


@pytest.mark.parametrize("count", [1, 4])
def test_repeating_table_rows(count: int, renderer: DocxRenderer) -> None:
    delivery = sample_context("service_receipt").fields["deliveries"][0]
    rows = [{**delivery, "document": f"文书{i}号"} for i in range(count)]
    docx = renderer.render("service_receipt", sample_context("service_receipt", deliveries=rows))
    table = Document(io.BytesIO(docx)).tables[0]
    assert len(table.rows) == 3 + count  # 案件名称, 受送达单位, column heads, then one row per 送达
    assert [table.rows[3 + i].cells[0].text for i in range(count)] == [f"文书{i}号" for i in range(count)]


def test_repeating_people_rows_of_the_survey(rendered: dict[str, bytes]) -> None:
    table = Document(io.BytesIO(rendered["survey_record"])).tables[0]
    roles = [row.cells[0].text for row in table.rows[1:]]
    assert roles == ["勘验人", "勘验人", "当事人", "被邀请人", "记录人"]


def test_list_items_are_numbered_paragraphs(renderer: DocxRenderer) -> None:
    problems = [f"问题{i}" for i in range(1, 6)]
    docx = renderer.render("rectification_order", sample_context("rectification_order", problems=problems))
    texts = paragraphs(docx)
    assert [t for t in texts if re.fullmatch(r"\d+\. 问题\d", t)] == [f"{i}. 问题{i}" for i in range(1, 6)]


def test_absent_optional_fields_print_blank(renderer: DocxRenderer) -> None:
    """As archive passes them: every field present, optional ones None."""
    form = form_spec("penalty_decision_org")
    fields = {spec.id: None for spec in form.fields}
    fields.update(
        facts="事实。", evidence=["证据一"], violated_provisions="某规定", penalty_basis="某依据", penalty="警告"
    )
    lenient = DocxRenderer()
    docx = lenient.render("penalty_decision_org", dataclasses.replace(sample_context(form.id), fields=fields))
    text = text_of(docx)
    assert "None" not in text and "罚款金额" not in text and "警告" in text


def test_unnumbered_forms_have_no_number_line(rendered: dict[str, bytes]) -> None:
    for form_id in ("inquiry_record", "statement_defence_record"):
        assert "〔2023〕12号" not in text_of(rendered[form_id])


# -- errors ----------------------------------------------------------------------------------------


def test_missing_template_raises_render_error(renderer: DocxRenderer) -> None:
    with pytest.raises(RenderError) as caught:
        renderer.render("no_such_form", sample_context("rectification_order"))
    assert caught.value.code == "render_failed"
    assert caught.value.details["template"] == "no_such_form"
    assert "no_such_form" in caught.value.message_en and "no_such_form" in caught.value.message_zh
    with pytest.raises(RenderError):
        renderer.render("../render.py", sample_context("rectification_order"))


def _template(tmp_path: Path, name: str, *texts: str) -> Path:
    doc = Document()
    for text in texts:
        doc.add_paragraph(text)
    path = tmp_path / f"{name}.docx"
    doc.save(str(path))
    return path


def test_template_typo_is_caught_by_the_strict_renderer(tmp_path: Path) -> None:
    _template(tmp_path, "typo", "当事人：{{ party.name }}", "问题：{{ f.no_such_field }}", "{{ org.nmae }}")
    context = sample_context("rectification_order")
    with pytest.raises(RenderError) as caught:
        DocxRenderer(tmp_path, strict=True).render("typo", context)
    assert "f.no_such_field" in caught.value.message_en and "nmae" in caught.value.message_en
    # the service renderer prints the blanks instead of failing
    text = text_of(DocxRenderer(tmp_path).render("typo", context))
    assert "当事人：临汾市尧都区鑫达化工有限公司" in text and "问题：" in text


def test_jinja_errors_name_the_template(tmp_path: Path) -> None:
    _template(tmp_path, "broken", "{% if f.x %}never closed")
    with pytest.raises(RenderError) as caught:
        DocxRenderer(tmp_path).render("broken", sample_context("rectification_order"))
    assert caught.value.details["template"] == "broken.docx"
    _template(tmp_path, "bad_value", "{{ f.deadline|money }}")
    with pytest.raises(RenderError):
        DocxRenderer(tmp_path).render("bad_value", sample_context("rectification_order"))


def test_column_loops_keep_the_table_grid_consistent(tmp_path: Path) -> None:
    """A bureau may add a ``{%tc %}`` column loop; the table grid must grow with the cells."""
    doc = Document()
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(
        table.rows[0].cells, ("{%tc for c in f.problems %}", "{{ c }}", "{%tc endfor %}"), strict=True
    ):
        cell.text = text
    doc.save(str(tmp_path / "columns.docx"))
    context = sample_context("rectification_order", problems=["甲", "乙", "丙", "丁"])
    docx = DocxRenderer(tmp_path, strict=True).render("columns", context)
    root = etree.fromstring(document_xml(docx).encode("utf-8"))
    assert len(root.findall(f".//{W}gridCol")) == 4
    assert [c.text for c in Document(io.BytesIO(docx)).tables[0].rows[0].cells] == ["甲", "乙", "丙", "丁"]


def test_edited_template_is_reloaded(tmp_path: Path) -> None:
    renderer = DocxRenderer(tmp_path)
    path = _template(tmp_path, "edit", "第一版{{ party.name }}")
    context = sample_context("rectification_order")
    assert "第一版" in text_of(renderer.render("edit", context))
    first = renderer._compiled("edit")
    assert renderer._compiled("edit") is first  # parsed once
    time.sleep(0.01)
    _template(tmp_path, "edit", "第二版，多几个字{{ party.name }}")
    path.touch()
    assert "第二版" in text_of(renderer.render("edit", context))


def test_fast_path_matches_docxtpl(renderer: DocxRenderer) -> None:
    """Our cached pipeline gives the text docxtpl's own render() gives (guards docxtpl upgrades)."""
    from anjuan.templates.render import _environment, jinja_context

    for form_id in ("service_receipt", "case_filing_approval", "inquiry_notice"):
        context = sample_context(form_id)
        template = DocxTemplate(str(FORMS_DIR / f"{form_id}.docx"))
        template.render(jinja_context(context), jinja_env=_environment(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
        assert paragraphs(out.getvalue()) == paragraphs(renderer.render(form_id, context))


# -- concurrency and speed -------------------------------------------------------------------------


def test_thread_safe_and_deterministic(rendered: dict[str, bytes], renderer: DocxRenderer) -> None:
    jobs = list(CORE_FORMS) * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda form_id: (form_id, renderer.render(form_id, sample_context(form_id))), jobs))
    for form_id, docx in results:
        assert docx == rendered[form_id]


def test_render_time(renderer: DocxRenderer) -> None:
    contexts = {form_id: sample_context(form_id) for form_id in CORE_FORMS}
    for form_id, context in contexts.items():  # warm: parse and compile once
        renderer.render(form_id, context)
    rounds = 10
    start = time.perf_counter()
    for _ in range(rounds):
        for form_id, context in contexts.items():
            renderer.render(form_id, context)
    per_doc = (time.perf_counter() - start) * 1000 / (rounds * len(contexts))
    print(f"\nrender: {per_doc:.2f} ms/doc over {len(contexts)} templates")


# -- the generic layout ----------------------------------------------------------------------------


def _generic_form() -> FormSpec:
    """A form without its own template, with list and table fields (听证笔录)."""
    candidates = [f for f in catalogue().forms if f.template is None]

    def kinds(form: FormSpec) -> set[FieldType]:
        return {spec.type for spec in form.fields}

    both = [f for f in candidates if {FieldType.list, FieldType.table} <= kinds(f)]
    return (both or [f for f in candidates if FieldType.table in kinds(f)])[0]


def test_generic_layout_renders_a_form_from_its_fields(renderer: DocxRenderer) -> None:
    form = _generic_form()
    context = sample_context(form.id)
    docx = renderer.render_generic(form.name, form.fields, context)
    text = text_of(docx)
    assert form.name in text and PARTY.name in text and "2023年5月9日" in text
    if context.doc.number:
        assert context.doc.number in text
    missing = [
        f"{spec.id}: {expected!r}"
        for spec in form.fields
        for expected in expected_texts(spec, context.fields[spec.id])
        if expected not in text
    ]
    assert not missing, "not on the generic form: " + "; ".join(missing)
    doc = Document(io.BytesIO(docx))
    for spec in form.fields:
        if spec.type in (FieldType.list, FieldType.table):
            items = context.fields[spec.id]
            heads = [c.label for c in spec.columns] if spec.type == FieldType.table else [spec.label]
            table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells[1:]] == heads)
            assert len(table.rows) == 1 + len(items), spec.id  # a real row per item
    root = etree.fromstring(document_xml(docx).encode("utf-8"))
    assert [b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")] == [SEAL_BOOKMARK]
    # archive's call form: the catalogue form and the context
    assert text_of(renderer.render_generic(form, context)) == text


def test_generic_layout_escapes_and_splits_longtext(renderer: DocxRenderer) -> None:
    specs = (
        FieldSpec(id="note", label="情况", type=FieldType.longtext),
        FieldSpec(id="amount", label="金额", type=FieldType.money),
        FieldSpec(id="when", label="日期", type=FieldType.date),
    )
    context = dataclasses.replace(
        sample_context("rectification_order"),
        fields={"note": '第一段<&>"\n第二段', "amount": Decimal("0.5"), "when": dt.date(2024, 1, 2)},
    )
    texts = paragraphs(renderer.render_generic("测试文书", specs, context))
    assert '第一段<&>"' in texts and "第二段" in texts
    assert "0.50元（人民币伍角整）" in texts and "2024年1月2日" in texts


# -- PDF (LibreOffice) -----------------------------------------------------------------------------


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@pytest.fixture(scope="module")
def pdfs(
    rendered: dict[str, bytes],
    converter_pool: UnoPool,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Path]]:
    out = tmp_path_factory.mktemp("pdf")
    paths = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        converted = pool.map(lambda form_id: converter_pool.convert(rendered[form_id]), CORE_FORMS)
        for form_id, pdf in zip(CORE_FORMS, converted, strict=True):
            path = out / f"{form_id}.pdf"
            path.write_bytes(pdf)
            paths[form_id] = path
    yield paths


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", CORE_FORMS)
def test_pdf_is_a4_and_keeps_its_pages(form_id: str, pdfs: dict[str, Path]) -> None:
    info = _pdfinfo(pdfs[form_id])
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1, info["Page size"]
    pages = int(info["Pages"])
    assert pages <= (4 if form_id in LONG_FORMS else 2), f"{form_id}: {pages} pages"
    out = subprocess.run(["pdftotext", str(pdfs[form_id]), "-"], capture_output=True, text=True, check=True).stdout
    text = "".join(out.split())  # CJK lines wrap anywhere
    context = sample_context(form_id)
    assert PARTY.name in text
    if context.doc.number:
        assert context.doc.number in text
    assert "\ufffd" not in text  # no missing glyphs
