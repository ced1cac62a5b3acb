"""The web UI in a real browser (Debian's headless Chromium): what handlers, approvers, archivists and
reviewers do with it, acted out as they would — by labels, buttons and the text they read.

One world for the module (tests/fixtures/archive.py): the county bureau 临汾市尧都区应急管理局 under
临汾市应急管理局, with an archivist of the county and a reviewer (评查人员) of the city, and the
demo's whole penalty case issued. Each test adds what else it needs; none relies on another's data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anjuan.archive.access import Principal
from anjuan.archive.demo import issue_with_approval
from anjuan.archive.service import Archive
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.fixtures.archive import PASSWORD, Bureau, add_user, issue_scenario, make_bureau
from tests.fixtures.browser import off_loop
from tests.fixtures.pdfsig import PdfSig, make_nss_db

pytestmark = pytest.mark.browser

PARTY = "临汾市尧都区鑫达化工有限公司"
NUMBER = re.compile(r"（晋临）应急(检记|检查)〔\d{4}〕\d+号")


@dataclass(frozen=True)
class World:
    archive: Archive
    bureau: Bureau
    archivist: Principal  # 档案管理员 of the county bureau
    reviewer: Principal  # 评查人员 of the city bureau (the county's superior)
    penalty_case: int  # the demo's penalty case, issued up to its 结案审批表
    penalty_case_name: str

    def username(self, who: str) -> str:
        return self.bureau.people[who].name


@pytest.fixture(scope="module")
def world(web_archive: Archive, live_url: str) -> World:
    """The module's data (``live_url``: every test here drives the app served over it). Built once per
    module — two cases issued in their legal order with the real LibreOffice, ≈ 10 s."""
    bureau = make_bureau(web_archive)
    archivist = add_user(web_archive, bureau.admin, "archivist", org_id=bureau.org_id, roles=["archivist"])
    reviewer = add_user(web_archive, bureau.admin, "city-reviewer", org_id=bureau.city_id, roles=["reviewer"])
    issued = off_loop(issue_scenario, web_archive, bureau, 1)  # seals: off Playwright's loop
    case = web_archive.registry.case(actor=bureau.handler, case_id=issued["penalty_decision_org"].case_id)
    return World(web_archive, bureau, archivist, reviewer, case.id, case.name)


@pytest.fixture(autouse=True)
def no_script_errors(page: Page) -> Iterator[None]:
    """Every page's scripts (htmx, anjuan.js) run without an uncaught error."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    yield
    assert not errors, errors


# -- what a user does ----------------------------------------------------------------------------------


def log_in(page: Page, username: str) -> None:
    page.goto("/web/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/web/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/web/login$"))
    expect(page.get_by_role("status")).to_have_text("已退出登录")


def switch_user(page: Page, username: str) -> None:
    log_out(page)
    log_in(page, username)


def open_case(page: Page, name: str) -> None:
    """From anywhere: 案件 in the menu, then the case by its name."""
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="案件").click()
    page.locator("#case-list").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def start_document(page: Page, form_name: str) -> None:
    """On a case page: choose the form under 制作文书 and press 填写."""
    section = page.locator("#new-document")
    section.get_by_label("文书种类").select_option(label=form_name)
    section.get_by_role("button", name="填写").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(form_name)


def field(page: Page, field_id: str) -> Locator:
    """The box of one catalogue field: its label, control, help and the archive's message."""
    return page.locator(f"#field-{field_id}")


def open_from_inbox(page: Page, form_name: str, case_name: str) -> None:
    """An approver: 审批 in the menu, then the submission of ``form_name`` in ``case_name``."""
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="审批").click()
    row = page.locator("#inbox tr").filter(has_text=case_name).filter(has_text=form_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=form_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(form_name)


def decide(page: Page, button: str, opinion: str) -> None:
    decision = page.locator("#decision")
    decision.get_by_role("textbox").fill(opinion)
    decision.get_by_role("button", name=button, exact=True).click()


def bar(page: Page, unit: str) -> float:
    """The length of a unit's bar in the statistics chart."""
    return float(page.locator(f'#chart g[data-bar="{unit}"] rect').get_attribute("width") or "nan")


def new_inspection_case(world: World, name: str) -> int:
    """A case opened for the tests that start at its page (opening one in the browser is test 1)."""
    bureau = world.bureau
    return world.archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
        name=name,
    ).id


# -- the tests ----------------------------------------------------------------------------------------------


def confirming(page: Page, *, accept: bool = True) -> list[str]:
    """Answer the next confirmation dialog (anjuan.js, data-confirm); returns its message once shown."""
    messages: list[str] = []

    def answer(dialog: Dialog) -> None:
        messages.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    return messages


def test_handler_new_case_to_issued_sealed_document(
    page: Page, world: World, web_archive: Archive, pdfsig: PdfSig, tmp_path: Path
) -> None:
    log_in(page, world.username("张伟"))

    # 新建案件: an inspection of the registered party by both handlers.
    page.locator("#my-cases").get_by_role("link", name="新建案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建案件")
    page.get_by_label("案件类型").select_option(label="检查（现场检查、整改复查）")
    page.get_by_label("程序").select_option(label="一般程序")
    page.get_by_label("案件名称").fill("鑫达化工液氯储罐区专项检查")
    page.get_by_label("张伟（14100220190031）").check()
    page.get_by_label("刘洋（14100220200057）").check()
    page.get_by_label("已登记的当事人").check()
    page.get_by_label("选择当事人").select_option(label=f"{PARTY}（91141002MA0K1234EY）")
    page.get_by_role("button", name="新建案件").click()

    expect(page).to_have_url(re.compile(r"/web/cases/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("鑫达化工液氯储罐区专项检查")
    expect(page.get_by_role("status")).to_contain_text("已新建案件")
    info = page.locator("dl.kv")
    expect(info).to_contain_text(PARTY)
    expect(info).to_contain_text("张伟、刘洋")
    expect(page.locator("#case-status")).to_have_text("办理中")
    expect(page.locator("#documents")).to_contain_text("尚无文书")

    # 现场检查记录 without a plan (a complaint came in): the form comes from the catalogue.
    start_document(page, "现场检查记录")
    field(page, "place").get_by_role("textbox").fill("液氯储罐区及装卸站台")
    field(page, "start_time").locator("input").fill("2026-11-23T09:00")
    field(page, "end_time").locator("input").fill("2026-11-23T11:30")
    field(page, "unplanned_reason").get_by_role("textbox").fill("群众举报储罐区违规动火，临时检查。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/web/documents/\d+$"))
    expect(page.locator("#doc-status")).to_have_text("草稿")
    expect(page.locator("#doc-number")).to_have_text("（签发时编号）")
    expect(page.locator("iframe#preview")).to_be_visible()

    # 保存并签发 with 检查情况 still empty: refused, the message beside that field, still a draft.
    asked = confirming(page)
    page.get_by_role("button", name="保存并签发").click()
    expect(page.locator("#edit .error-box")).to_have_text("请修改标红的项目。")
    expect(field(page, "findings").locator(".err")).to_contain_text("必填")
    expect(field(page, "place").locator(".err")).to_have_count(0)
    expect(page.locator("#doc-status")).to_have_text("草稿")
    expect(field(page, "place").get_by_role("textbox")).to_have_value("液氯储罐区及装卸站台")  # kept

    field(page, "findings").get_by_role("textbox").fill(
        "1. 液氯储罐区可燃气体报警仪未定期检定；\n2. 装卸站台未设置紧急切断装置标识。"
    )
    field(page, "violation_count").get_by_role("spinbutton").fill("2")
    assert asked and "签发后文书不能修改" in asked[0]  # 签发 says what it freezes
    confirming(page)
    page.get_by_role("button", name="保存并签发").click()

    expect(page.locator("#doc-status")).to_have_text("已签发")
    expect(page.get_by_role("status")).to_contain_text("已签发：（晋临）应急检记")
    number = page.locator("#doc-number").inner_text()
    assert NUMBER.fullmatch(number) and "检记" in number, number
    expect(page.locator("#verify")).to_contain_text("有效")
    expect(page.locator("#verify")).to_contain_text("完好可信")
    expect(page.locator("iframe#pdf")).to_be_visible()
    expect(page.locator("#document-form")).to_have_count(0)  # issued: nothing left to edit
    expect(page.locator("#content")).to_contain_text("液氯储罐区可燃气体报警仪未定期检定")

    # 下载 PDF: the very file that was sealed, valid for poppler and for the archive.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith("现场检查记录.pdf") and number in download.suggested_filename
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    entries = pdfsig(pdf)
    assert entries and all(e.signature_valid for e in entries), pdfsig.output(pdf)
    assert entries[-1].total_document_signed
    # With the archive's own root trusted (its development PKI), poppler trusts every signer too.
    root = off_loop(web_archive.kernel.sealing.root_certificate_pem)
    trusting = PdfSig(make_nss_db(tmp_path / "nss", root), pdfsig.executable)
    assert all(e.signature_valid and e.certificate_trusted for e in trusting(pdf)), trusting.output(pdf)
    report = off_loop(web_archive.keys.verify, pdf)
    assert report.ok, report
    assert report.document and report.document.number == number

    # Back on the case page the document is listed as issued, under its stage.
    page.get_by_role("link", name="鑫达化工液氯储罐区专项检查").click()
    row = page.locator("#documents tr").filter(has_text="现场检查记录")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("已签发")


def test_approval_flow(page: Page, world: World) -> None:
    """退回 → 被退回 → 审核 → 审批 → 签发 in a real browser, three users logging in and out: slow on
    purpose (≈ 15 s of page loads and a real issuance)."""
    case_name = "鑫达化工复产复工前检查"
    new_inspection_case(world, case_name)

    # The handler drafts a 现场检查方案 and sends it for approval.
    log_in(page, world.username("张伟"))
    open_case(page, case_name)
    start_document(page, "现场检查方案")
    field(page, "planned_start").locator("input").fill("2026-12-01")
    field(page, "inspection_items").get_by_role("textbox").fill("安全生产责任制落实情况\n重大危险源管控情况")
    field(page, "inspection_methods").get_by_label("现场查看").check()
    field(page, "inspection_methods").get_by_label("查阅资料").check()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#doc-status")).to_have_text("草稿")
    expect(page.get_by_role("status")).to_have_text("草稿已保存：现场检查方案")
    expect(page.locator("dl.kv").first).to_contain_text("审核 → 审批")
    page.get_by_role("button", name="保存并报送审批").click()
    expect(page.get_by_role("status")).to_have_text("已报送审批")
    expect(page.locator("#doc-status")).to_have_text("审批中")
    expect(page.get_by_text("等待审核。")).to_be_visible()
    expect(page.locator("#decision")).to_have_count(0)  # the handler cannot approve their own

    # 赵敏 (审核) finds it on her home page and in 审批; she sends it back with a reason.
    switch_user(page, world.username("赵敏"))
    inbox = page.locator("#inbox")
    expect(inbox.locator("tr").filter(has_text=case_name)).to_contain_text("现场检查方案")
    expect(inbox.locator("tr").filter(has_text=case_name)).to_contain_text("审核")
    open_from_inbox(page, "现场检查方案", case_name)
    expect(page.locator("#decision h2")).to_have_text("审核")
    reason = "检查内容未包括特种作业人员持证情况，请补充。"
    decide(page, "退回", reason)
    expect(page.get_by_role("status")).to_have_text("已退回承办人")
    expect(page.locator("#doc-status")).to_have_text("草稿")
    expect(page.locator("#decision")).to_have_count(0)

    # The handler sees it under 被退回, reads why, amends and submits again.
    switch_user(page, world.username("张伟"))
    mine = page.locator("#my-documents")
    expect(mine).to_contain_text("被退回（1）")
    returned = mine.locator("li").filter(has_text=case_name)
    expect(returned).to_contain_text("现场检查方案")
    returned.get_by_role("link", name="现场检查方案").click()
    record = page.locator("#approvals")
    expect(record).to_contain_text("退回")
    expect(record).to_contain_text(reason)
    expect(record).to_contain_text("赵敏")
    items = field(page, "inspection_items").get_by_role("textbox")
    expect(items).to_have_value("安全生产责任制落实情况\n重大危险源管控情况")
    items.fill("安全生产责任制落实情况\n重大危险源管控情况\n特种作业人员持证上岗情况")
    page.get_by_role("button", name="保存并报送审批").click()
    expect(page.locator("#doc-status")).to_have_text("审批中")

    # 赵敏 agrees (审核), then 孙建军 agrees (审批).
    switch_user(page, world.username("赵敏"))
    open_from_inbox(page, "现场检查方案", case_name)
    expect(page.locator("#content")).to_contain_text("特种作业人员持证上岗情况")
    decide(page, "同意", "同意，按方案实施。")
    expect(page.get_by_role("status")).to_have_text("已同意，转审批")
    expect(page.get_by_text("等待审批。")).to_be_visible()

    switch_user(page, world.username("孙建军"))
    expect(page.locator("#inbox").locator("tr").filter(has_text=case_name)).to_contain_text("审批")
    open_from_inbox(page, "现场检查方案", case_name)
    expect(page.locator("#decision h2")).to_have_text("审批")
    decide(page, "同意", "同意。")
    expect(page.get_by_role("status")).to_have_text("已同意，审批完成，可以签发")

    # The handler issues it: numbered and sealed, with the whole approval record on it.
    switch_user(page, world.username("张伟"))
    # Every step approved: the desk says 待签发 (not 审批中) and links to the document to issue.
    mine = page.locator("#my-documents")
    expect(mine.locator("#to-issue")).to_have_text("待签发（1）")
    expect(mine.locator("li[data-stage=waiting]").filter(has_text=case_name)).to_have_count(0)
    mine.locator("li[data-stage=to_issue]").filter(has_text=case_name).get_by_role("link", name="现场检查方案").click()
    expect(page.locator("#doc-status")).to_have_text("待签发")
    ready = page.locator("#ready")
    expect(ready).to_contain_text("审批完成")
    confirming(page)
    ready.get_by_role("button", name="签发").click()
    expect(page.locator("#doc-status")).to_have_text("已签发")
    number = page.locator("#doc-number").inner_text()
    assert NUMBER.fullmatch(number) and "检查" in number, number
    expect(page.locator("#verify")).to_contain_text("有效")
    rows = page.locator("#approvals tr")
    expect(rows).to_have_count(4)  # the header and three decisions
    expect(rows.nth(1)).to_contain_text("退回")
    expect(rows.nth(2)).to_contain_text("同意，按方案实施。")
    expect(rows.nth(3)).to_contain_text("孙建军")


def test_search_with_facets_and_highlights(page: Page, world: World) -> None:
    log_in(page, world.reviewer.name)
    # The reviewer's home page has the search box.
    desk = page.locator("#review-desk")
    desk.get_by_label("检索").fill("鑫达化工 罚款")
    desk.get_by_role("button", name="检索").click()
    expect(page).to_have_url(re.compile(r"/web/search\?q="))
    expect(page.get_by_role("heading", level=1)).to_have_text("全文检索")
    expect(page.get_by_label("检索词")).to_have_value("鑫达化工 罚款")

    total = page.locator("#total")
    expect(total).to_contain_text(re.compile(r"共 \d+ 条"))
    before = int(re.search(r"共 (\d+) 条", total.inner_text()).group(1))  # type: ignore[union-attr]
    hits = page.locator("#results .hit")
    assert before >= 2 and hits.count() == min(before, 10)
    marks = page.locator("#results .snip mark")
    expect(marks.first).to_be_visible()
    assert {m.strip() for m in marks.all_inner_texts()} >= {"鑫达化工"}

    # Facets in words: the kind of record, the form, the bureau.
    kinds = page.locator("#facets div[data-facet=kind]")
    expect(kinds).to_contain_text("类型")
    expect(kinds.get_by_role("link", name="文书", exact=True)).to_be_visible()
    expect(page.locator("#facets div[data-facet=org]")).to_contain_text("临汾市尧都区应急管理局")
    expect(hits.first.locator(".badge").first).to_have_text(re.compile(r"^(文书|案卷|证据材料)$"))

    # A facet narrows the results: 文书种类 → 行政处罚决定书（单位）.
    facet = page.locator("#facets div[data-facet=form]")
    facet.get_by_role("link", name="行政处罚决定书（单位）").click()
    expect(total).to_contain_text("共 1 条")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("（晋临）应急罚〔2026〕1号")
    expect(hits.first.locator(".snip mark").first).to_be_visible()
    chosen = page.locator("#facets div[data-facet=form] b")
    expect(chosen).to_have_text("行政处罚决定书（单位）")
    # ✕ beside the chosen value lifts it again.
    page.locator("#facets div[data-facet=form]").get_by_title("取消").click()
    expect(total).to_contain_text(f"共 {before} 条")

    # A hit opens the issued document with its seal check.
    page.locator("#facets div[data-facet=form]").get_by_role("link", name="行政处罚决定书（单位）").click()
    hits.first.locator(".title a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("行政处罚决定书（单位）")
    expect(page.locator("#doc-number")).to_have_text("（晋临）应急罚〔2026〕1号")
    expect(page.locator("#verify")).to_contain_text("有效")


def test_casefile_view_and_review(page: Page, world: World, web_archive: Archive) -> None:
    """结案 → 组卷 → 归档 → 评查 → 指导意见书 in a real browser, with real volumes: slow on purpose
    (≈ 15 s: a sealed volume is built and a guidance opinion issued through the pages)."""
    name = world.penalty_case_name
    # The handler closes the case (its 结案审批表 is issued).
    log_in(page, world.username("张伟"))
    open_case(page, name)
    # 结案 asks first and says what it freezes; dismissing the dialog leaves the case open.
    asked = confirming(page, accept=False)
    page.get_by_role("button", name="结案").click()
    expect(page.locator("#case-status")).to_contain_text("办理中")
    assert asked and "结案后本案不能再制作或修改文书" in asked[0]
    page.reload()
    expect(page.locator("#case-status")).to_contain_text("办理中")
    confirming(page)
    page.get_by_role("button", name="结案").click()
    expect(page.get_by_role("status")).to_contain_text("已结案（结案日期 2026-11-20）")
    expect(page.locator("#case-status")).to_contain_text("已结案")

    # The archivist finds it waiting to be filed, assembles the volume and reads its 卷内目录.
    switch_user(page, world.archivist.name)
    expect(page.locator("#desk")).to_contain_text("待归档 1 件")
    page.locator("#desk").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"卷宗 · {name}")
    expect(page.locator("#volume-version")).to_have_text("尚未组卷")
    page.get_by_role("button", name="组卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/web/jobs/\d+$"))
    job = page.locator("#job")
    expect(job).to_have_attribute("data-state", "done", timeout=60_000)  # htmx polls the progress
    expect(job.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(job).to_contain_text("已完成")
    job.get_by_role("link", name="查看结果").click()

    expect(page).to_have_url(re.compile(rf"/web/cases/{world.penalty_case}/casefile$"))
    expect(page.locator("#volume-version")).to_contain_text("第1版")
    toc = page.locator("#toc")
    expect(toc.get_by_role("heading")).to_have_text("卷内目录")
    entries = toc.locator("a[data-page]")
    expect(entries.first).to_contain_text("行政处罚决定书（单位） （晋临）应急罚〔2026〕1号")
    expect(entries.last).to_contain_text("结案审批表")
    viewer = page.locator("iframe#casefile")
    expect(viewer).to_be_visible()
    expect(viewer).to_have_attribute("src", f"/web/cases/{world.penalty_case}/casefile.pdf")
    closing = toc.get_by_role("link", name=re.compile("结案审批表"))
    closing_page = closing.get_attribute("data-page")
    closing.click()
    expect(viewer).to_have_attribute("src", re.compile(rf"#page={closing_page}$"))

    # 归档: the volume is final and the case gets its 归档号.
    page.get_by_label("检查人").fill("赵敏")
    asked = confirming(page)
    page.get_by_role("button", name="归档", exact=True).click()
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=60_000)
    page.get_by_role("link", name="查看结果").click()
    expect(page.locator("#volume")).to_contain_text("已归档")
    assert asked and "归档后案卷冻结" in asked[0]
    expect(page.locator("#archive-no")).to_have_text(re.compile(r"^2026\d{4}$"))
    expect(page.get_by_role("button", name="归档", exact=True)).to_have_count(0)

    # The city's reviewer opens the filed case's review: score and findings beside the volume.
    switch_user(page, world.reviewer.name)
    page.locator("#review-desk tr").filter(has_text=name).get_by_role("link", name="评查").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"案卷评查 · {name}")
    score = float(page.locator("#score-value").inner_text())
    assert 0 < score <= 100, score
    # The manual items (事实、证据、法律适用、裁量) give no points until scored: the rating is 初评.
    expect(page.locator("#rating")).to_have_text(re.compile(r"^(优秀|良好|合格|不合格)（初评）$"))
    expect(page.locator("#preliminary")).to_contain_text("4项待人工评查")
    facts = page.locator("#manual li[data-item=facts_clear]")
    expect(facts).to_contain_text("待人工评查")
    facts.get_by_label("得分（0–10）").fill("9")
    facts.get_by_label("评分理由").fill("违法事实基本清楚，后果表述略简")
    facts.get_by_role("button", name="评分").click()
    facts = page.locator("#manual li[data-item=facts_clear]")
    expect(facts).to_contain_text("9分")
    expect(facts).to_contain_text("违法事实基本清楚，后果表述略简")
    expect(page.locator("#preliminary")).to_contain_text("3项待人工评查")
    assert float(page.locator("#score-value").inner_text()) == score + 9
    findings = page.locator(".findings li")
    assert findings.count() >= 1
    # The decision was never recorded as published (公示): that finding points at the decision's page.
    published = findings.filter(has_text="行政处罚决定公开")
    expect(published).to_have_count(1)
    link = published.locator("a.page")
    expect(link).to_have_text(re.compile(r"卷内第 \d+ 页"))
    target = link.get_attribute("data-page")
    assert target and target.isdigit()
    viewer = page.locator("iframe#casefile")
    expect(viewer).to_be_visible()
    with page.expect_response(lambda r: f"casefile.pdf?at={target}" in r.url and r.ok) as loaded:
        link.click()
    assert loaded.value.headers["content-type"] == "application/pdf"  # the viewer loads the volume again
    expect(viewer).to_have_attribute("src", re.compile(rf"casefile\.pdf\?at={target}#page={target}$"))
    expect(link).to_have_class(re.compile(r"\bon\b"))
    # A superior bureau's reviewer issues a 指导意见书 from here: a sealed PDF opens in the browser.
    guidance = page.locator("#guidance")
    expect(guidance.get_by_role("heading")).to_have_text("出具安全生产执法指导意见书")
    guidance.get_by_label("联系人").fill("李强")
    guidance.get_by_label("联系电话").fill("0357-2091234")
    with page.expect_response(re.compile(r"/web/guidance/\d+\.pdf$")) as opened:
        guidance.get_by_role("button", name="出具并盖章").click()
    assert opened.value.ok and opened.value.headers["content-type"] == "application/pdf"
    expect(page).to_have_url(opened.value.url)
    letter = page.request.get(opened.value.url).body()  # the same file, as the viewer's 下载 would save it
    assert letter.startswith(b"%PDF-")
    report = off_loop(web_archive.keys.verify, letter)
    assert report.ok, report


def test_stats_table_chart_and_ranking(page: Page, world: World, web_archive: Archive) -> None:
    # A second county under the city, with one inspection in the period: two units to rank.
    admin = world.bureau.admin
    county = web_archive.registry.create_org(
        actor=admin,
        name="临汾市洪洞县应急管理局",
        area="晋临",
        code="应急",
        level="county",
        parent_id=world.bureau.city_id,
    )
    officers = [
        web_archive.registry.create_officer(actor=admin, org_id=county.id, name=name, cert_no=cert)
        for name, cert in (("王磊", "14102420210011"), ("陈静", "14102420220019"))
    ]
    handler = add_user(web_archive, admin, "hongtong-handler", officer_id=officers[0].id)
    case = web_archive.registry.create_case(
        actor=handler,
        org_id=county.id,
        kind="inspection",
        procedure="general",
        party_id=world.bureau.party_id,
        officer_ids=[o.id for o in officers],
    )
    request = {
        "actor": handler,
        "case_id": case.id,
        "form_key": "inspection_record",
        "doc_date": dt.date(2026, 11, 10),
        "fields": {
            "place": "生产车间",
            "start_time": "2026-11-10T09:00",
            "end_time": "2026-11-10T10:00",
            "findings": "未发现违法行为。",
            "unplanned_reason": "上级交办。",
        },
    }
    off_loop(issue_with_approval, web_archive, request, submitter=handler, approvers={})

    log_in(page, world.reviewer.name)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="执法统计").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("执法统计")
    form = page.locator("#stats-form")
    form.get_by_label("自").fill("2026-10-01")
    form.get_by_label("至").fill("2026-11-22")
    form.get_by_role("button", name="统计").click()
    expect(page).to_have_url(re.compile(r"start=2026-10-01&end=2026-11-22"))
    table = page.locator("#stats-table")
    expect(table.get_by_role("heading")).to_have_text("临汾市安全生产监管执法情况报表（2026年10月1日至2026年11月22日）")
    total = table.locator("tr.total")
    expect(total).to_contain_text("合计")
    expect(total.locator("td[data-col=inspections]")).to_have_text("1")
    expect(total.locator("td[data-col=fines]")).to_have_text("5.00")
    units = table.locator("tbody tr:not(.total)")
    expect(units).to_have_count(2)
    bars = page.locator("#chart svg g[data-bar]")
    expect(bars).to_have_count(2)

    # Ranked by 检查生产经营单位（家次） (the first column): 洪洞县 leads, its bar the longest.
    ranking = page.locator("#ranking")
    expect(ranking.get_by_role("heading")).to_contain_text("排名：检查生产经营单位（家次）")
    expect(ranking.locator("tr").nth(1)).to_contain_text("洪洞县")
    expect(page.locator("#chart rect.top")).to_have_count(1)
    expect(page.locator('#chart g[data-bar="洪洞县"] rect')).to_have_class(re.compile(r"\btop\b"))
    assert bar(page, "洪洞县") > bar(page, "尧都区") == 0

    # A click on the 罚款（万元） header ranks by fines: now 尧都区 leads.
    table.get_by_role("link", name="罚款（万元）").click()
    expect(page).to_have_url(re.compile(r"rank=fines"))
    expect(ranking.get_by_role("heading")).to_contain_text("排名：行政处罚·罚款（万元）")
    first, second = ranking.locator("tr").nth(1), ranking.locator("tr").nth(2)
    expect(first).to_contain_text("尧都区")
    expect(first).to_contain_text("5.00")
    expect(second).to_contain_text("洪洞县")
    expect(page.locator('#chart g[data-bar="尧都区"] rect')).to_have_class(re.compile(r"\btop\b"))
    assert bar(page, "尧都区") > 0 == bar(page, "洪洞县")
    # The period is kept while ranking; 从低到高 turns the ranking round.
    expect(form.get_by_label("至")).to_have_value("2026-11-22")
    ranking.get_by_role("link", name="从低到高").click()
    expect(page).to_have_url(re.compile(r"rank=fines&order=asc"))
    expect(ranking.locator("tr").nth(1)).to_contain_text("洪洞县")
    expect(ranking.get_by_role("link", name="从高到低")).to_be_visible()


def test_logged_out_user_is_sent_to_login_and_back(page: Page, world: World) -> None:
    page.goto("/web/cases")
    expect(page).to_have_url(re.compile(r"/web/login\?next=/web/cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    expect(page.get_by_role("navigation", name="主菜单")).to_have_count(0)
    page.get_by_label("用户名").fill(world.username("刘洋"))
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("用户名")).to_have_value(world.username("刘洋"))
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/web/cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("案件")
    expect(page.locator("#case-list")).to_contain_text(world.penalty_case_name)
    # After 退出 the same page is closed to the browser again.
    log_out(page)
    page.goto("/web/cases")
    expect(page).to_have_url(re.compile(r"/web/login\?next=/web/cases$"))
