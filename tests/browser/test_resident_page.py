"""The resident page's finish: numbers to tap in an emergency, cards that say it once,
the answer that goes ahead standing out, 大字 everywhere, ratings given in words, and
static files sent compressed and cacheable.

A real Chromium against the real stack, like the rest of tests/browser.
"""

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.launcher import Stack
from tests.browser.conftest import PHONE, Watch, screenshot
from tests.browser.test_chat_page import PROGRESS_TIMEOUT, idle, report_leak, say

pytestmark = pytest.mark.browser

OpenPage = Callable[..., tuple[Page, Watch]]
StaffUpdate = Callable[[str, str, str | None], None]

STAFF_PHONE = "13900001111"


def style(page: Page, selector: str, prop: str) -> str:
    return str(page.locator(selector).last.evaluate(f"n => getComputedStyle(n).{prop}"))


def test_an_emergency_is_a_red_card_with_numbers_to_tap_and_the_ticket_repeats_them(
    make_page: OpenPage,
) -> None:
    page, _ = make_page()
    page.get_by_role("button", name="大字模式").click()
    say(page, "杨家坪街道天宝路社区楼下有个大爷晕倒了，叫不醒，我电话13812345678")
    alert = page.get_by_role("alert").last
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("紧急")
    call = alert.locator("a.call-btn[href='tel:120']")
    expect(call).to_be_visible()
    assert call.bounding_box()["height"] >= 44  # type: ignore[index]
    alert.evaluate("n => n.scrollIntoView({block: 'start'})")
    screenshot(page, "emergency-advice-large-phone")
    card = page.locator(".ticket-card").last
    expect(card).to_be_visible()
    expect(card.locator("a.call-btn[href='tel:120']")).to_be_visible()
    # Each card stands in for the text it came with: nothing said twice above them.
    bubbles = page.locator(".msg-bot .bubble").all_inner_texts()
    assert not [b for b in bubbles if "紧急工单已登记" in b or "这是紧急情况" in b], bubbles
    # The ticket number stays on one line even on a small phone in large type.
    number = card.locator(".ticket-number")
    height = number.evaluate("n => n.getBoundingClientRect().height")
    line = number.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert height < line * 2, (height, line)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "emergency-card-large-phone")


def test_confirm_stands_out_and_large_type_reaches_the_bar_and_the_input_hint(
    make_page: OpenPage,
) -> None:
    page, _ = make_page()
    title_before = float(style(page, ".topbar-title", "fontSize").removesuffix("px"))
    button_before = float(style(page, "#btn-tickets", "fontSize").removesuffix("px"))
    page.get_by_role("button", name="家里漏水", exact=True).click()
    idle(page)
    say(page, "杨家坪街道天宝路社区")
    say(page, "13812345678")
    expect(page.locator(".msg-user .bubble a")).to_have_count(0)  # the resident's own words
    chips = page.locator(".chips").last
    confirm = chips.get_by_role("button", name="确认提交", exact=True)
    cancel = chips.get_by_role("button", name="不报了", exact=True)
    confirm_bg = confirm.evaluate("n => getComputedStyle(n).backgroundColor")
    cancel_bg = cancel.evaluate("n => getComputedStyle(n).backgroundColor")
    assert confirm_bg != cancel_bg and confirm_bg not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert confirm.evaluate("n => getComputedStyle(n).color") == "rgb(255, 255, 255)"

    page.get_by_role("button", name="大字模式").click()
    assert float(style(page, ".topbar-title", "fontSize").removesuffix("px")) > title_before
    assert float(style(page, "#btn-tickets", "fontSize").removesuffix("px")) > button_before
    fits = page.locator("#input").evaluate(
        """n => {
            const s = getComputedStyle(n);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = s.fontSize + ' ' + s.fontFamily;
            const room = n.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return ctx.measureText(n.placeholder).width <= room;
        }"""
    )
    assert fits, page.locator("#input").get_attribute("placeholder")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "read-back-large-phone")


def test_a_staff_number_can_be_called_and_a_rating_in_words_retires_the_card(
    make_page: OpenPage, staff_update: StaffUpdate
) -> None:
    page, _ = make_page()
    number = report_leak(page)
    staff_update(number, "signed", f"师傅电话 {STAFF_PHONE}，到楼下会打您的 13812345678")
    progress = page.locator(".bubble-progress", has_text="工作站已签收")
    expect(progress).to_be_visible(timeout=PROGRESS_TIMEOUT)
    expect(progress.locator(f"a[href='tel:{STAFF_PHONE}']")).to_be_visible()
    expect(progress).to_contain_text("138****5678")
    assert "13812345678" not in progress.inner_text()

    staff_update(number, "resolved", "已换了水管")
    rating = page.locator(".rate-card").last
    expect(rating).to_be_visible(timeout=PROGRESS_TIMEOUT)
    normal = float(style(page, ".star", "fontSize").removesuffix("px"))
    page.get_by_role("button", name="大字模式").click()
    assert float(style(page, ".star", "fontSize").removesuffix("px")) > normal
    say(page, "修得很好，五星好评")
    expect(rating.get_by_role("button", name="没解决")).to_have_count(0, timeout=PROGRESS_TIMEOUT)
    expect(rating).to_contain_text("★★★★★")
    screenshot(page, "rated-in-words-phone")


def test_static_files_are_compressed_and_cacheable(live: Stack) -> None:
    with httpx.Client(base_url=live.app_url, headers={"Accept-Encoding": "gzip"}) as http:
        page = http.get("/")
        assert page.headers["content-encoding"] == "gzip"
        assert page.headers["cache-control"] == "no-cache"
        script = http.get("/chat.js")
        assert script.headers["content-encoding"] == "gzip"
        assert "max-age=" in script.headers["cache-control"]
        again = http.get("/chat.js", headers={"If-None-Match": script.headers["etag"]})
        assert again.status_code == 304
        assert "max-age=" in again.headers["cache-control"]
