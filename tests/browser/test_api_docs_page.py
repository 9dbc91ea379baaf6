"""/docs and /redoc render in a real Chromium that can reach nothing but the app.

A real Chromium against the real stack, like the rest of tests/browser.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Watch, screenshot

pytestmark = pytest.mark.browser

OpenPage = Callable[..., tuple[Page, Watch]]
DESKTOP = {"width": 1280, "height": 900}


def _offline(page: Page, app_url: str) -> list[str]:
    """Abort every request to another host (an intranet without internet); return them."""
    elsewhere: list[str] = []
    app_host = urlsplit(app_url).netloc

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == app_host:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    return elsewhere


@pytest.mark.parametrize(("path", "shown"), [("/docs", ".opblock-tag"), ("/redoc", "h1")])
def test_the_api_docs_render_with_no_internet(make_page: OpenPage, path: str, shown: str) -> None:
    page, watch = make_page(viewport=DESKTOP)
    elsewhere = _offline(page, page.url)
    page.goto(path)
    expect(page.locator(shown).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("工作人员 · 工单").first).to_be_visible()
    expect(page.get_by_text("对接 · Open311").first).to_be_visible()
    assert elsewhere == [], elsewhere
    # ReDoc's bundle asks for its own logo from cdn.redoc.ly; the docs CSP refuses it
    # (the browser never asks), which is the point: nothing is loaded from elsewhere.
    watch.errors = [e for e in watch.errors if "cdn.redoc.ly" not in e or "violates" not in e]
    screenshot(page, f"api{path.replace('/', '-')}-offline-desktop")
