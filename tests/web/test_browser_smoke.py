"""The real-browser infrastructure end to end: Chromium loads pages from the live server."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.sync_api import Page, expect

from anjuan import __version__
from tests.fixtures.browser import off_loop

pytestmark = pytest.mark.browser


def test_chromium_reads_the_live_server(page: Page, live_url: str) -> None:
    response = page.goto("/healthz")
    assert response is not None and response.ok and page.url == f"{live_url}/healthz"
    # What the browser shows: Chromium renders a JSON response as text in the page.
    expect(page.locator("body")).to_contain_text('"status":"ok"')
    assert json.loads(page.locator("pre").first.inner_text()) == {"status": "ok", "version": __version__, "outages": {}}

    response = page.goto("/openapi.json")
    assert response is not None and response.ok
    spec = response.json()
    assert spec["info"]["title"] == "anjuan 案卷" and "/healthz" in spec["paths"]
    expect(page.locator("body")).to_contain_text('"openapi"')

    # The context is the one the fixtures promise: a Chinese-language browser in Beijing time.
    assert page.evaluate("navigator.language") == "zh-CN"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Shanghai"


def test_blocking_asyncio_code_runs_off_the_loop_beside_the_browser(page: Page) -> None:
    """While Playwright runs, the main thread counts as inside an event loop; off_loop runs such code."""
    page.set_content("<p>案卷</p>")

    async def answer() -> int:
        return 42

    assert off_loop(asyncio.run, answer()) == 42
    expect(page.locator("p")).to_have_text("案卷")
