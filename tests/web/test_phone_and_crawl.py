"""The web UI on a phone and every link of it, in a real browser (Debian's headless Chromium).

Officers work in the field (seed 002 移动执法; seed 003 第二条: web and mobile), so the main handler
flow runs again at 390 × 844 (a common phone): the menu folds behind 菜单, 退出 is reachable, nothing
makes the page wider than the screen, and the case's document list stays readable.

Then a crawl per role (issue 18): from the 工作台, every same-site link, frame and GET form the role
is shown is followed (POST buttons are never pressed — their forms must carry the CSRF token and point
at a route that takes POST), and every response must be below 500 and no link may lead to a 404. Each
kind of page met is also laid out at 390 px and must not scroll sideways.

One world for the module: the county bureau of tests/fixtures/archive.py with the demo's penalty case
issued, closed, filed and exported as a 归档信息包; an inspection case with a document waiting for
approval and an incomplete draft.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from anjuan.archive.access import Principal
from anjuan.archive.service import Archive
from playwright.sync_api import Locator, Page, expect
from starlette.routing import Match

from tests.fixtures.archive import PASSWORD, Bureau, add_user, issue_scenario, make_bureau
from tests.fixtures.browser import off_loop

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
PAGE_CAP = 300  # pages (and files) fetched per role: the crawl is bounded whatever the links do
# Query variants followed per kind of page and role: 统计's ranks × orders × periods and 检索's facets
# multiply; a dozen of each shows whether they answer.
QUERY_VARIANTS = 12
PACKAGE = "case-{case_id}-20261201T090000"  # an exported 归档信息包's directory name (work._EXPORT_NAME)

# Routes known to be broken, reported by the crawl without failing it (none now: keep it empty and
# fix instead; an entry is a reason shown in the report and the path's pattern).
KNOWN: dict[str, re.Pattern[str]] = {}


@dataclass(frozen=True)
class World:
    archive: Archive
    bureau: Bureau
    archivist: Principal  # 档案管理员 of the county bureau
    reviewer: Principal  # 评查人员 of the city bureau
    filed_case: int  # the demo's penalty case: issued, closed, filed and exported
    package: str  # its exported 归档信息包
    open_case: int  # an inspection case with a submitted document and an incomplete draft
    open_case_name: str
    draft: int  # the incomplete draft (检查内容 still empty)

    def username(self, who: str) -> str:
        return self.bureau.people[who].name


def _file_and_export(archive: Archive, bureau: Bureau, archivist: Principal, case_id: int) -> str:
    archive.casefiles.close(actor=bureau.handler, case_id=case_id)
    archive.casefiles.file(actor=archivist, case_id=case_id, checker="赵敏")
    name = PACKAGE.format(case_id=case_id)
    archive.packaging.export(
        actor=archivist, case_id=case_id, out_dir=archive.kernel.settings.data_dir / "exports" / name
    )
    return name


@pytest.fixture(scope="module")
def world(web_archive: Archive, live_url: str) -> World:
    """Built once for the module (≈ 20 s: a case issued with the real LibreOffice, its volume sealed)."""
    archive = web_archive
    bureau = make_bureau(archive)
    archivist = add_user(archive, bureau.admin, "archivist", org_id=bureau.org_id, roles=["archivist"])
    reviewer = add_user(archive, bureau.admin, "city-reviewer", org_id=bureau.city_id, roles=["reviewer"])
    issued = off_loop(issue_scenario, archive, bureau, 1)  # seals: off Playwright's loop
    filed = issued["penalty_decision_org"].case_id
    package = off_loop(_file_and_export, archive, bureau, archivist, filed)

    name = "鑫达化工节后复工检查"
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
        name=name,
    )
    plan = archive.documents.create_draft(
        actor=bureau.handler,
        case_id=case.id,
        form_key="inspection_plan",
        fields={
            "planned_start": "2026-12-01",
            "inspection_items": ["安全生产责任制落实情况"],
            "inspection_methods": ["现场查看"],
        },
    )
    archive.approvals.submit(actor=bureau.handler, doc_id=plan.id)  # waits for 审核 in the approvers' inbox
    draft = archive.documents.create_draft(
        actor=bureau.handler, case_id=case.id, form_key="inspection_plan", fields={"planned_start": "2026-12-02"}
    )
    return World(archive, bureau, archivist, reviewer, filed, package, case.id, name, draft.id)


@pytest.fixture(autouse=True)
def no_script_errors(page: Page) -> Iterator[None]:
    """Every page's scripts (htmx, anjuan.js) run without an uncaught error."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    yield
    assert not errors, errors


# -- what a user does and sees ---------------------------------------------------------------------


def log_in(page: Page, username: str) -> None:
    page.goto("/web/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/web/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台")


def overflow(page: Page) -> str | None:
    """Why the page scrolls sideways (its widest culprits), or None when it fits the window."""
    return page.evaluate(
        """() => {
        const root = document.documentElement;
        if (root.scrollWidth <= window.innerWidth) return null;
        const wide = [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .filter(e => !e.parentElement.closest('table.t, [data-overflow-ok]'))
          .slice(0, 5)
          .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '')
                    + ' right=' + Math.round(e.getBoundingClientRect().right));
        return `scrollWidth ${root.scrollWidth} > innerWidth ${window.innerWidth}: ${wide.join(', ')}`;
      }"""
    )


def assert_fits(page: Page) -> None:
    assert overflow(page) is None, f"{page.url}: {overflow(page)}"


def small_tap_targets(page: Page) -> list[str]:
    """Visible buttons, menu links and form controls lower than 44 px (too small for a finger)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            'button, .btn, header.top nav a, input[type=text], input[type=password], input[type=date],'
            + ' input[type=datetime-local], input[type=number], input[type=search], select, textarea')]
          .filter(e => e.offsetParent !== null)
          .filter(e => e.getBoundingClientRect().height < 43.5)
          .map(e => (e.tagName.toLowerCase() + ' ' + (e.innerText || e.name || '')).trim()
                    + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')"""
    )


def open_menu(page: Page) -> None:
    toggle = page.get_by_role("button", name="菜单")
    expect(toggle).to_be_visible()
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="主菜单")).to_be_visible()


def field(page: Page, field_id: str) -> Locator:
    """The box of one catalogue field: its label, control, help and the archive's message."""
    return page.locator(f"#field-{field_id}")


# -- on a phone ------------------------------------------------------------------------------------------


def test_handler_flow_on_a_phone(page: Page, world: World) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/web/login")
    assert_fits(page)
    log_in(page, world.username("张伟"))
    assert_fits(page)

    # The menu is folded behind 菜单; it opens, every entry is a finger's height, and 退出 is in it.
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("button", name="退出")).to_be_hidden()
    open_menu(page)
    links = nav.get_by_role("link")
    assert links.count() >= 5
    for box in (links.nth(i).bounding_box() for i in range(links.count())):
        assert box and box["height"] >= 44 and box["width"] >= 200, box  # one entry a line, not a letter
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    expect(page.locator("header.top [data-user]")).to_contain_text("张伟")
    assert_fits(page)
    assert small_tap_targets(page) == []
    page.get_by_role("button", name="菜单").click()  # and it folds again
    expect(nav).to_be_hidden()

    # 案件 from the menu, then the case: its columns stack, its document list is readable.
    open_menu(page)
    nav.get_by_role("link", name="案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("案件")
    expect(nav).to_be_hidden()  # a new page starts folded
    assert_fits(page)
    page.locator("#case-list").get_by_role("link", name=world.open_case_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.open_case_name)
    assert_fits(page)
    assert small_tap_targets(page) == []
    rows = page.locator("#documents tr[data-doc]")
    expect(rows).to_have_count(2)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        widths = [cells.nth(j).bounding_box()["width"] for j in range(cells.count())]  # type: ignore[index]
        assert min(widths) > 80, widths
    # The two columns of the desktop are one above the other: 案件信息 over 文书.
    info, documents = page.locator("section.panel").first.bounding_box(), page.locator("#documents").bounding_box()
    assert info and documents and documents["y"] >= info["y"] + info["height"]
    assert documents["width"] >= PHONE["width"] - 40

    # 制作文书: a 现场检查记录; its form fits: labels above the fields, each field the whole width.
    section = page.locator("#new-document")
    section.get_by_label("文书种类").select_option(label="现场检查记录")
    section.get_by_role("button", name="填写").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("现场检查记录")
    assert_fits(page)
    assert small_tap_targets(page) == []
    place = field(page, "place")
    label, box = place.locator("label.l").bounding_box(), place.get_by_role("textbox").bounding_box()
    assert label and box and box["y"] >= label["y"] + label["height"] - 1  # the label is above
    assert box["width"] >= PHONE["width"] - 60, box
    place.get_by_role("textbox").fill("液氯储罐区及装卸站台")
    field(page, "start_time").locator("input").fill("2026-11-23T09:00")
    field(page, "end_time").locator("input").fill("2026-11-23T11:30")
    field(page, "unplanned_reason").get_by_role("textbox").fill("群众举报储罐区违规动火，临时检查。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/web/documents/\d+$"))
    expect(page.locator("#doc-status")).to_have_text("草稿")
    expect(page.locator("iframe#preview")).to_be_visible()
    # A phone may show a PDF frame blank: the preview also opens on its own.
    opener = page.get_by_role("link", name="在新窗口打开 PDF")
    expect(opener).to_be_visible()
    expect(opener).to_have_attribute("href", re.compile(r"/web/documents/\d+/preview\.pdf$"))
    assert_fits(page)

    # 保存并签发 with 检查情况 empty: the message beside the field, on the phone too. The button asks
    # first (it takes a number and seals); the officer says yes, on each click.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="保存并签发").click()
    expect(page.locator("#edit .error-box")).to_have_text("请修改标红的项目。")
    expect(field(page, "findings").locator(".err")).to_contain_text("必填")
    assert_fits(page)
    field(page, "findings").get_by_role("textbox").fill("液氯储罐区可燃气体报警仪未定期检定。")
    field(page, "violation_count").get_by_role("spinbutton").fill("1")
    page.get_by_role("button", name="保存并签发").click()
    expect(page.locator("#doc-status")).to_have_text("已签发")
    expect(page.locator("#verify")).to_contain_text("有效")
    expect(page.locator("iframe#pdf")).to_be_visible()
    assert_fits(page)

    # Back to the case: the issued document is listed; then 退出 from the menu.
    page.get_by_role("link", name=world.open_case_name).click()
    expect(page.locator("#documents tr").filter(has_text="现场检查记录")).to_contain_text("已签发")
    assert_fits(page)
    open_menu(page)
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/web/login$"))
    expect(page.get_by_role("status")).to_have_text("已退出登录")
    assert_fits(page)


def test_desktop_keeps_its_menu_bar(page: Page, world: World) -> None:
    """At 1366 × 768 nothing folds: the menu, the user's name and 退出 sit in the top bar as before."""
    page.set_viewport_size(DESKTOP)
    log_in(page, world.username("张伟"))
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav).to_be_visible()
    links = nav.get_by_role("link")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}  # type: ignore[index]
    assert len(tops) == 1, tops  # one row
    header = page.locator("header.top").bounding_box()
    assert header and header["height"] < 70, header  # one bar, not a stack
    logout = page.get_by_role("button", name="退出").bounding_box()
    assert logout and logout["y"] < header["height"] and logout["x"] + logout["width"] <= DESKTOP["width"]
    assert_fits(page)
    # The 工作台's panels still sit side by side.
    panels = page.locator("main .grid > section")
    assert panels.count() >= 2
    first, second = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
    assert first and second and first["y"] == second["y"] and second["x"] > first["x"]
    # 检索's hint is read whole (a \" in it once ended the attribute and left the rest as junk attributes).
    page.goto("/web/search")
    expect(page.get_by_label("检索词")).to_have_attribute("placeholder", re.compile(r"“短语”、AND/OR/NOT.*日期范围$"))
    # A PDF frame needs no extra link on a desktop.
    page.goto(f"/web/documents/{world.draft}")
    expect(page.locator("iframe#preview")).to_be_visible()
    expect(page.get_by_role("link", name="在新窗口打开 PDF")).to_be_hidden()


# -- the crawl ---------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    """What a page offers to follow: links, frames, GET forms (with their defaults), POST forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.frames: list[str] = []
        self.get_forms: list[tuple[str, dict[str, list[str]]]] = []  # action, name → the values to try
        self.post_forms: list[tuple[str, str]] = []  # action, csrf value
        self._form: dict[str, object] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "iframe" and a.get("src"):
            self.frames.append(a["src"])
        elif tag == "form":
            self._form = {"method": a.get("method", "get").lower(), "action": a.get("action", ""), "values": {}}
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            values: dict[str, list[str]] = self._form["values"]  # type: ignore[assignment]
            kind = a.get("type", "text").lower()
            if tag == "select":
                self._select = a["name"]
                values.setdefault(a["name"], [])
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    values.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                values.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "option" and self._form is not None and self._select:
            values = self._form["values"]  # type: ignore[assignment]
            values[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            values: dict[str, list[str]] = form["values"]  # type: ignore[assignment]
            if form["method"] == "post":
                self.post_forms.append((str(form["action"]), (values.get("csrf") or [""])[0]))
            else:
                self.get_forms.append((str(form["action"]), values))


def _get_form_urls(action: str, values: dict[str, list[str]]) -> list[str]:
    """A GET form as it is sent with its defaults, and once with each choice of each of its lists."""
    defaults = {name: (choices[0] if choices else "") for name, choices in values.items()}
    urls = [f"{action}?{urlencode(defaults)}"]
    for name, choices in values.items():
        for choice in choices[1:]:
            urls.append(f"{action}?{urlencode({**defaults, name: choice})}")
    return urls


def _pattern(path: str) -> str:
    """A route's shape: ids and export names stand for any (one layout check per kind of page)."""
    path = re.sub(r"/case-\d+-[0-9T]+", "/{package}", path)
    return re.sub(r"/\d+(?=/|$|\.)", "/{id}", path)


@dataclass
class Crawl:
    role: str
    fetched: dict[str, int] = dc_field(default_factory=dict)  # URL → status
    problems: list[str] = dc_field(default_factory=list)
    known: list[str] = dc_field(default_factory=list)  # reached known-broken routes (see KNOWN)
    laid_out: set[str] = dc_field(default_factory=set)  # route shapes checked at 390 px
    post_actions: set[str] = dc_field(default_factory=set)
    skipped: int = 0  # links beyond QUERY_VARIANTS

    def report(self) -> str:
        lines = [
            f"[crawl {self.role}] {len(self.fetched)} fetched, {len(self.laid_out)} page kinds laid out at 390 px, "
            f"{len(self.post_actions)} POST actions checked, {self.skipped} further query variants not followed"
        ]
        shapes = Counter(_pattern(urlsplit(url).path) for url in self.fetched)
        lines.append("  most fetched: " + ", ".join(f"{shape} ×{n}" for shape, n in shapes.most_common(8)))
        lines += [f"  problem: {p}" for p in self.problems] + [f"  known: {k}" for k in self.known]
        return "\n".join(lines)


def _post_route_exists(routes: list, path: str) -> bool:  # type: ignore[type-arg]
    scope = {"type": "http", "method": "POST", "path": path, "root_path": "", "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in routes)


@pytest.fixture(scope="module")
def routes(web_archive: Archive) -> list:  # type: ignore[type-arg]
    """The app's routes, to match POST actions against without sending them."""
    from anjuan.api.app import create_app

    return list(create_app(archive=web_archive).routes)


@pytest.fixture(scope="module")
def form_shapes() -> set[str]:
    """GET forms already sent, ids generalised: each of the catalogue's 制作文书 forms is opened once
    in the module, by the first role that may draft, not again by every role."""
    return set()


def crawl(page: Page, live_url: str, role: str, routes: list, form_shapes: set[str]) -> Crawl:  # type: ignore[type-arg]
    """Breadth-first from the 工作台 with the page's login (``page.request`` shares its cookies)."""
    result = Crawl(role)
    queue: deque[tuple[str, str]] = deque([("/web/", "工作台")])
    seen: set[str] = {"/web/"}
    variants: Counter[str] = Counter()  # query strings followed per kind of page

    def enqueue(target: str, source: str, *, via_form: bool = False) -> None:
        url = urljoin(live_url + source, target)
        parts = urlsplit(url)
        if parts.netloc != urlsplit(live_url).netloc or parts.scheme not in ("http", "https"):
            return  # another site
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if not parts.path.startswith("/web/") or parts.path.startswith("/web/static/") or local in seen:
            return
        if via_form:
            shape = _pattern(parts.path) + "?" + parts.query
            if shape in form_shapes:
                return
            form_shapes.add(shape)
        elif parts.query:
            if variants[_pattern(parts.path)] >= QUERY_VARIANTS:
                result.skipped += 1
                return
            variants[_pattern(parts.path)] += 1
        seen.add(local)
        queue.append((local, source))

    while queue and len(result.fetched) < PAGE_CAP:
        url, source = queue.popleft()
        response = page.request.get(live_url + url, max_redirects=5)
        status = response.status
        result.fetched[url] = status
        path = urlsplit(url).path
        known = next((why for why, shape in KNOWN.items() if shape.match(path)), None)
        if status >= 500 or status == 404:
            finding = f"{status} {url} (from {source})"
            (result.known if known else result.problems).append(finding + (f" — {known}" if known else ""))
            continue
        if status >= 400:
            result.problems.append(f"{status} {url} (from {source}): a link the role is shown but may not follow")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # a PDF, a ZIP, a CSV …: its status is what counts
        final = urlsplit(response.url).path
        if final == "/web/login":
            result.problems.append(f"{url} (from {source}) sent the logged-in {role} to the login page")
            continue
        parser = _Links()
        parser.feed(response.text())
        for href in parser.links:
            if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
                continue
            enqueue(href, url)
        for src in parser.frames:
            enqueue(src, url)
        for action, values in parser.get_forms:
            for target in _get_form_urls(action or url.split("?")[0], values):
                enqueue(target, url, via_form=True)
        for action, csrf in parser.post_forms:
            target = urlsplit(urljoin(live_url + url, action or url)).path
            result.post_actions.add(target)
            if not csrf:
                result.problems.append(f"POST form to {target} on {url} carries no CSRF token")
            if not _post_route_exists(routes, target):
                result.problems.append(f"POST form to {target} on {url}: no route takes POST there")
        # One page of each kind in the browser at 390 px: it must not scroll sideways.
        shape = _pattern(final)
        if shape not in result.laid_out:
            result.laid_out.add(shape)
            page.goto(url)
            why = overflow(page)
            if why:
                result.problems.append(f"{url} scrolls sideways at 390 px: {why}")
    if queue:
        result.problems.append(f"the crawl stopped at its cap of {PAGE_CAP} pages with {len(queue)} still queued")
    return result


ROLES = {
    "handler": lambda w: w.username("张伟"),
    "approver": lambda w: w.username("赵敏"),
    "archivist": lambda w: w.archivist.name,
    "reviewer": lambda w: w.reviewer.name,
    "administrator": lambda w: w.username("bureau_admin"),
    "platform-administrator": lambda w: "admin",
}


@pytest.mark.parametrize("role", list(ROLES))
def test_crawl_every_link_per_role(
    page: Page,
    world: World,
    live_url: str,
    routes: list,  # type: ignore[type-arg]
    form_shapes: set[str],
    role: str,
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, ROLES[role](world))
    result = crawl(page, live_url, role, routes, form_shapes)
    print(result.report())
    assert len(result.fetched) > 5, result.report()  # it did get somewhere
    assert not result.problems, result.report()


# -- routes the crawl once found broken ----------------------------------------------------------------


def test_package_zip_download(page: Page, world: World, live_url: str) -> None:
    log_in(page, world.archivist.name)
    response = page.request.get(f"{live_url}/web/cases/{world.filed_case}/package/{world.package}.zip")
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/zip"
    assert response.body().startswith(b"PK")


def test_incomplete_draft_previews(page: Page, world: World, live_url: str) -> None:
    log_in(page, world.username("张伟"))
    response = page.request.get(f"{live_url}/web/documents/{world.draft}/preview.pdf")
    assert response.status < 500, response.status
    page.goto(f"/web/documents/{world.draft}")
    expect(page.locator("iframe#preview")).to_be_visible()
