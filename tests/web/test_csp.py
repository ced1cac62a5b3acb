"""The pages under their Content-Security-Policy in a real browser (issue 17): htmx still polls and
swaps, anjuan.js still runs, and Chromium reports no violation — an inline script or an injected
<style> would show up here as a console error and a dead page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from anjuan.archive.service import Archive
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.fixtures.archive import PASSWORD, add_user

NEW_PASSWORD = "browser new password"


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    """Every console message and page error of the test (CSP violations are console errors)."""
    seen: list[str] = []

    def note(message: ConsoleMessage) -> None:
        seen.append(f"console.{message.type}: {message.text}")

    page.on("console", note)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    yield seen
    violations = [m for m in seen if "Content Security Policy" in m or "Refused to" in m or "page error" in m]
    assert not violations, violations


def _log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/web/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()  # the form carries its CSRF token (cookie + field)
    expect(page).to_have_url(re.compile(r"/web/$"))


def test_htmx_polls_a_job_under_the_policy(page: Page, live_url: str, console: list[str]) -> None:
    _log_in(page, "admin")
    page.goto("/web/index")
    response = page.request.get(f"{live_url}/web/index")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("typeof htmx") == "object"
    page.get_by_role("button", name="重建索引").click()
    expect(page).to_have_url(re.compile(r"/web/jobs/\d+$"))
    job = page.locator("#job")
    expect(job).to_have_attribute("data-state", "done", timeout=60_000)  # htmx polled and swapped it
    # htmx was told not to inject its indicator <style> (the policy would refuse it).
    assert page.evaluate("document.querySelectorAll('head style').length") == 0
    assert page.evaluate("htmx.config.allowEval") is False


def test_password_change_and_user_management_in_the_browser(
    page: Page, web_archive: Archive, live_url: str, console: list[str]
) -> None:
    admin = web_archive.accounts.principal("admin")
    org = web_archive.registry.create_org(
        actor=admin, name="临汾市浮山县应急管理局", area="晋浮", code="应急", level="county"
    )
    add_user(web_archive, admin, "csp-admin", org_id=org.id, roles=["admin"])
    add_user(web_archive, admin, "csp-clerk", org_id=org.id, roles=["archivist"])

    _log_in(page, "csp-admin")
    page.get_by_role("link", name="用户管理").click()
    row = page.locator("tr", has_text="csp-clerk")
    row.get_by_label("csp-clerk 的新密码").fill(NEW_PASSWORD)
    row.get_by_role("button", name="重置密码").click()
    expect(page.locator(".flash")).to_contain_text("已重置 csp-clerk 的密码")
    page.once("dialog", lambda dialog: dialog.accept())  # 停用 asks first (anjuan.js, data-confirm)
    page.locator("tr", has_text="csp-clerk").get_by_role("button", name="停用").click()
    expect(page.locator(".flash")).to_contain_text("已停用 csp-clerk")
    page.get_by_role("button", name="退出").click()

    page.goto("/web/login")
    page.get_by_label("用户名").fill("csp-clerk")
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")  # deactivated

    _log_in(page, "csp-admin")
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator(".flash")).to_contain_text("密码已修改")
    page.get_by_role("button", name="退出").click()
    _log_in(page, "csp-admin", NEW_PASSWORD)
