"""Residents in a real browser: report, location, ticket card, progress, rating, 我的工单,
reload, 清空记录, network trouble, injection, and what elderly residents need.

Everything behind the page is real: the trained Rasa model, the action server
and the test database. Staff steps go through the `staff_update` stand-in.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.launcher import Stack
from api.tickets.models import Ticket, TicketEvent
from tests import registry_by_hand
from tests.browser.conftest import DESKTOP, PHONE, Watch, screenshot

pytestmark = pytest.mark.browser

OpenPage = Callable[..., tuple[Page, Watch]]
StaffUpdate = Callable[[str, str, str | None], None]
PROGRESS_TIMEOUT = 30_000
GEO = {"latitude": 29.3190, "longitude": 106.3580}


# ------------------------------------------------------------------ helpers


def idle(page: Page) -> None:
    """Wait until the bot has answered (no typing indicator, send enabled)."""
    expect(page.locator(".typing-row")).to_have_count(0)
    expect(page.locator("#btn-send")).to_be_enabled()


def say(page: Page, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    idle(page)


def tap(page: Page, title: str) -> None:
    page.locator(".chips").last.get_by_role("button", name=title, exact=True).click()
    idle(page)


def last_bot(page: Page) -> Any:
    return page.locator(".msg-bot .bubble").last


def user_bubbles(page: Page) -> list[str]:
    return page.locator(".msg-user .bubble").all_inner_texts()


def sender_of(page: Page) -> str:
    return str(page.evaluate("localStorage.getItem('zhy.sender')"))


def tracker(live: Stack, sender: str) -> dict[str, Any]:
    response = httpx.get(
        f"{live.rasa_urls[0]}/conversations/{sender}/tracker",
        params={"token": live.settings.rasa_token},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def events_of(session_factory: sessionmaker[Session], number: str) -> list[TicketEvent]:
    with session_factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        return list(ticket.events)


def report_leak(page: Page) -> str:
    """File a leak at 天宝路社区 with quick replies and typed text; returns the number."""
    page.get_by_role("button", name="家里漏水", exact=True).click()
    idle(page)
    expect(last_bot(page)).to_contain_text("哪里")
    say(page, "杨家坪街道天宝路社区")
    expect(last_bot(page)).to_contain_text("手机号")
    say(page, "13812345678")
    tap(page, "确认提交")
    card = page.locator(".ticket-card").last
    expect(card).to_be_visible()
    return card.locator(".ticket-number").inner_text()


def report_emergency(page: Page) -> str:
    """One message that files an urgent ticket at once; returns the number."""
    say(page, "杨家坪街道天宝路社区有个老人摔倒起不来了，我电话13812345678")
    card = page.locator(".ticket-card").last
    expect(card).to_be_visible()
    return card.locator(".ticket-number").inner_text()


# -------------------------------------------------------------------- tests


def test_report_progress_rating_my_tickets_and_reload(
    make_page: OpenPage, staff_update: StaffUpdate, session_factory: sessionmaker[Session]
) -> None:
    page, _ = make_page()
    welcome = page.locator(".entry").first
    expect(welcome).to_contain_text("智慧杨")
    expect(welcome.locator(".chip")).to_have_count(4)
    screenshot(page, "welcome-phone")

    number = report_leak(page)
    card = page.locator(".ticket-card").last
    expect(card).to_contain_text("漏水渗水")
    expect(card).to_contain_text("天宝路社区")
    expect(card).to_contain_text("预计联系")
    screenshot(page, "ticket-phone")

    staff_update(number, "signed", "王师傅今天下午上门")
    progress = page.locator(".bubble-progress", has_text="工作站已签收")
    expect(progress).to_be_visible(timeout=PROGRESS_TIMEOUT)
    expect(progress).to_contain_text(number)
    expect(card.locator(".ticket-status")).to_have_text("工作站已签收")

    staff_update(number, "resolved", "已换了水管")
    rating = page.locator(".rate-card").last
    expect(rating).to_be_visible(timeout=PROGRESS_TIMEOUT)
    expect(page.locator(".bubble-progress", has_text="已办结")).to_be_visible()
    screenshot(page, "rating-phone")
    rating.get_by_role("button", name="4星，满意").click()
    rating.locator("textarea").fill("师傅很耐心")
    rating.get_by_role("button", name="提交评价").click()
    expect(last_bot(page)).to_contain_text("谢谢您的好评")
    rated = [e for e in events_of(session_factory, number) if e.kind == "rated"]
    assert [(e.data["stars"], e.note) for e in rated] == [(4, "师傅很耐心")]

    page.get_by_role("button", name="我的工单").click()
    item = page.locator("#tickets-view .ticket-item", has_text=number)
    expect(item).to_be_visible()
    expect(item.locator(".status-badge")).to_have_text("已评价归档")  # rating closes it
    labels = item.locator(".timeline-label").all_inner_texts()
    assert labels[:4] == ["已评价归档", "您已评价", "已办结", "工作站已签收"]
    assert "13812345678" not in page.locator("#tickets-view").inner_text()
    screenshot(page, "my-tickets-phone")
    page.get_by_role("button", name="返回聊天").click()
    expect(page.locator("#tickets-view")).to_be_hidden()

    bubbles_before = page.locator(".entry").count()
    page.reload()
    expect(page.locator(".ticket-card", has_text=number)).to_be_visible()
    page.wait_for_timeout(4000)  # a poll or two: nothing is announced twice
    assert page.locator(".entry").count() == bubbles_before
    expect(page.locator(".rate-card textarea")).to_have_count(0)
    expect(page.locator(".rate-card").last).to_contain_text("满意")

    page.set_viewport_size(DESKTOP)
    screenshot(page, "chat-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "chat-phone")


def test_not_solved_asks_the_station_to_reopen(
    make_page: OpenPage, staff_update: StaffUpdate, session_factory: sessionmaker[Session]
) -> None:
    page, _ = make_page()
    number = report_emergency(page)
    expect(page.locator(".ticket-card").last).to_contain_text("紧急工单")
    staff_update(number, "resolved", None)
    rating = page.locator(".rate-card").last
    expect(rating).to_be_visible(timeout=PROGRESS_TIMEOUT)
    page.get_by_role("button", name="我的工单").click()
    page.locator("#tickets-view .ticket-item", has_text=number).get_by_text("去评价").click()
    expect(page.locator("#tickets-view")).to_be_hidden()
    assert page.evaluate(FOCUSED_NAME) == "1星，很不满意"
    expect(page.locator(".rate-card")).to_have_count(1)
    rating.locator("textarea").fill("还是没人来")
    rating.get_by_role("button", name="问题没解决，请工作站重新办理").click()
    expect(last_bot(page)).to_contain_text("重新办理")
    expect(rating).to_contain_text("会重新安排处理")
    reopen = [e for e in events_of(session_factory, number) if e.kind == "reopened"]
    assert [(e.note, e.status) for e in reopen] == [("还是没人来", "reopened")]


def test_shared_location_goes_to_the_nearest_station(
    make_page: OpenPage, registry: Path, session_factory: sessionmaker[Session]
) -> None:
    nearest = registry_by_hand.nearest(registry, GEO["latitude"], GEO["longitude"])
    assert nearest.short_name == "英雄湾村"  # about 50 m away; 铜罐驿镇 is the next, 1.3 km
    page, _ = make_page(permissions=["geolocation"], geolocation=GEO)
    say(page, "我家停电了")
    page.get_by_role("button", name="发送我的位置").click()
    idle(page)
    assert user_bubbles(page)[-1].endswith("我的位置（已发送定位）")
    expect(last_bot(page)).to_contain_text("手机号")
    tap(page, "不留电话")
    tap(page, "确认提交")
    card = page.locator(".ticket-card").last
    expect(card).to_contain_text(nearest.short_name)
    with session_factory() as session:
        filed = session.scalars(
            select(Ticket).where(Ticket.sender_id == sender_of(page)).order_by(Ticket.id)
        ).all()
    assert [ticket.station_code for ticket in filed] == [nearest.code]


def test_refused_location_asks_for_the_community_by_name(make_page: OpenPage) -> None:
    page, _ = make_page()  # no geolocation permission: the browser refuses
    say(page, "我家停电了")
    page.get_by_role("button", name="发送我的位置").click()
    expect(last_bot(page)).to_contain_text("没有允许获取位置")
    expect(last_bot(page)).to_contain_text("哪个社区")
    assert not any("我的位置" in text for text in user_bubbles(page))
    say(page, "杨家坪街道天宝路社区")
    expect(last_bot(page)).to_contain_text("手机号")


INJECTIONS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "[点我领奖](javascript:alert(1)) **加粗** <b>粗</b>",
]


def test_markup_is_shown_literally_never_run(
    make_page: OpenPage, staff_update: StaffUpdate
) -> None:
    page, watch = make_page()
    number = report_emergency(page)
    for text in INJECTIONS:
        say(page, text)
        assert user_bubbles(page)[-1] == text
    note = '<img src=x onerror=alert(2)><a href="javascript:alert(3)">看这里</a>'
    staff_update(number, "signed", note)
    progress = page.locator(".bubble-progress").last
    expect(progress).to_contain_text(note, timeout=PROGRESS_TIMEOUT)
    page.get_by_role("button", name="我的工单").click()
    expect(page.locator("#tickets-view .timeline-note").first).to_have_text(note)
    # The only links are the page's own numbers to call (the emergency's hotlines).
    injected = page.locator(
        "#app script, #app img[src='x'], #app a:not([href^='tel:']), #app b, #app strong"
    )
    expect(injected).to_have_count(0)
    hrefs = page.locator("#app a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(re.fullmatch(r"tel:\d{3,11}", href) for href in hrefs), hrefs
    assert watch.dialogs == []
    assert page.evaluate("document.querySelectorAll('img').length") == page.evaluate(
        "document.querySelectorAll('img.avatar').length"
    )


def test_lost_answer_and_offline_are_retried_without_double_processing(
    make_page: OpenPage, live: Stack
) -> None:
    page, watch = make_page()
    watch.expect_failed_load("/api/chat")  # the lost answer, then the phone offline
    lost = {"count": 0}

    def lose_first_answer(route: Route) -> None:
        if lost["count"] == 0:
            lost["count"] += 1
            route.fetch()  # the server gets it and answers …
            route.abort("connectionreset")  # … but the phone never hears back
        else:
            route.continue_()

    page.route("**/api/chat", lose_first_answer)
    say(page, "你好")
    failed = page.locator(".msg-user .msg-failed")
    expect(failed).to_be_visible()
    expect(last_bot(page)).to_contain_text("网络")
    page.get_by_role("button", name="消息没发出去，点这里重新发送").click()
    idle(page)
    expect(failed).to_have_count(0)
    assert user_bubbles(page).count("你好") == 1
    events = tracker(live, sender_of(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"].count("你好") == 1
    page.unroute("**/api/chat")

    page.context.set_offline(True)
    say(page, "谢谢")
    expect(failed).to_be_visible()
    page.context.set_offline(False)
    page.get_by_role("button", name="消息没发出去，点这里重新发送").click()
    idle(page)
    expect(failed).to_have_count(0)
    events = tracker(live, sender_of(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"].count("谢谢") == 1


def test_a_message_on_its_way_when_the_page_closed_is_delivered_once(
    make_page: OpenPage, live: Stack
) -> None:
    page, watch = make_page()
    watch.expect_failed_load("/api/chat")  # the held request dies with the page
    held: list[Route] = []

    def hold(route: Route) -> None:
        route.fetch()  # the bot gets it; the answer never reaches the page
        held.append(route)

    page.route("**/api/chat", hold)
    page.fill("#input", "谢谢你")
    page.press("#input", "Enter")
    expect(page.locator(".typing-row")).to_be_visible()
    for _ in range(120):  # until the bot has answered the held request
        if held:
            break
        page.wait_for_timeout(250)
    assert held
    page.unroute("**/api/chat")
    page.reload()  # as when the phone locked and the page was reloaded
    idle(page)
    assert user_bubbles(page) == ["谢谢你"]
    expect(page.locator(".msg-failed")).to_have_count(0)
    events = tracker(live, sender_of(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["谢谢你"]


@pytest.mark.parametrize(("status", "says"), [(503, "有点忙"), (500, "有点忙"), (429, "太快")])
def test_server_trouble_gets_a_friendly_chinese_message(
    make_page: OpenPage, status: int, says: str
) -> None:
    page, watch = make_page()
    watch.expect_failed_load("/api/chat", status)
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(status=status, body='{"detail":"Traceback"}'),
    )
    say(page, "你好")
    expect(last_bot(page)).to_contain_text(says)
    expect(page.locator(".msg-failed")).to_be_visible()
    assert "Traceback" not in page.locator("#messages").inner_text()


def test_a_message_the_bot_missed_while_restarting_is_kept_and_resent_once(
    make_page: OpenPage, live: Stack
) -> None:
    """While Rasa restarts the app answers its 503 (tests/e2e/test_supervision.py makes a
    real one): the page asks the resident to wait, keeps their words, and 重发 sends the
    same message id, so the bot hears it once."""
    page, watch = make_page()
    watch.expect_failed_load("/api/chat", 503)
    refused: list[dict[str, Any]] = []

    def bot_away(route: Route) -> None:
        refused.append(route.request.post_data_json)
        route.fulfill(
            status=503,
            content_type="application/json",
            body='{"detail": "智慧杨暂时联系不上，请稍后再试。"}',
        )

    page.route("**/api/chat", bot_away)
    say(page, "我家天花板漏水了")
    expect(last_bot(page)).to_contain_text("稍等")
    expect(last_bot(page)).to_contain_text("重发")
    assert user_bubbles(page) == ["我家天花板漏水了"]
    page.unroute("**/api/chat")

    with page.expect_request("**/api/chat") as resent:
        page.get_by_role("button", name="消息没发出去，点这里重新发送").click()
    idle(page)
    assert resent.value.post_data_json["message_id"] == refused[0]["message_id"]
    expect(last_bot(page)).to_contain_text("哪里")
    assert user_bubbles(page) == ["我家天花板漏水了"]
    expect(page.locator(".msg-failed")).to_have_count(0)
    assert "稍等" not in page.locator("#messages").inner_text()
    events = tracker(live, sender_of(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["我家天花板漏水了"]


def test_reload_keeps_the_conversation_and_clearing_starts_afresh(
    make_page: OpenPage, live: Stack
) -> None:
    page, _ = make_page()
    page.get_by_role("button", name="家里漏水", exact=True).click()
    idle(page)
    expect(last_bot(page)).to_contain_text("哪里")
    sender = sender_of(page)
    before = page.locator(".entry").all_inner_texts()
    page.reload()
    expect(page.locator(".entry")).to_have_count(len(before))
    assert page.locator(".entry").all_inner_texts() == before
    assert sender_of(page) == sender
    assert tracker(live, sender)["active_loop"].get("name") == "report_form"

    page.get_by_role("button", name="更多：高对比度、清空记录").click()
    page.get_by_role("button", name="清空聊天记录").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("工单不会删除")
    dialog.get_by_role("button", name="清空").click()
    expect(page.locator(".entry")).to_have_count(1)
    expect(page.locator(".entry").first).to_contain_text("我是智慧杨")
    assert sender_of(page) == sender
    state = tracker(live, sender)
    assert not (state.get("active_loop") or {}).get("name")
    assert state["slots"].get("service_code") is None


FOCUSED_NAME = """() => {
    const n = document.activeElement;
    return n.getAttribute('aria-label') || n.textContent.trim() || n.id;
}"""


def test_phone_sized_keyboard_and_elderly_friendly(make_page: OpenPage) -> None:
    page, _ = make_page()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, input')]
            .filter(n => n.offsetParent !== null)
            .map(n => [n.textContent.trim() || n.getAttribute('aria-label') || n.id,
                       n.getBoundingClientRect()])
            .filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([name]) => name)"""
    )
    assert small == []
    expect(page.get_by_role("log", name="聊天记录")).to_be_visible()

    size = page.locator(".bubble").first.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    page.get_by_role("button", name="大字模式").click()
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    bigger = page.locator(".bubble").first.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert bigger >= size * 1.2
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    reached = []
    for _ in range(14):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(FOCUSED_NAME))
    assert {"大字模式", "我的工单", "更多：高对比度、清空记录", "邻里纠纷", "发送我的位置"} <= set(
        reached
    ), reached
    assert "input" in reached
    page.get_by_role("button", name="更多：高对比度、清空记录").focus()
    page.keyboard.press("Enter")
    sheet = page.get_by_role("dialog", name="更多")
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    page.get_by_role("button", name="更多：高对比度、清空记录").click()
    page.get_by_role("button", name="高对比度：已关闭").click()
    assert page.evaluate("document.documentElement.classList.contains('contrast')")
    screenshot(page, "large-contrast-phone")

    page.locator("#input").focus()
    page.keyboard.type("你好")
    page.keyboard.press("Enter")
    idle(page)
    assert user_bubbles(page)[-1] == "你好"

    page.get_by_role("button", name="我的工单").press("Enter")
    expect(page.locator("#tickets-view")).to_be_visible()
    assert page.evaluate(FOCUSED_NAME) == "返回聊天"
    expect(page.locator("#tickets-view")).to_contain_text("还没有登记过工单")
    page.keyboard.press("Escape")
    expect(page.locator("#tickets-view")).to_be_hidden()
    assert page.evaluate(FOCUSED_NAME) == "我的工单"
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('large')")
