"""The staff workbench at /staff: station staff log in, take the emergency first, sign and
resolve it; another station never sees it; the station above sees the 督办 list and the
masked number only; a refused action shows the API's reason; a 退单 needs its reason; a
resident who reported in the chat sees the workbench's 签收 and 办结 arrive.

A real Chromium against the real stack, like the rest of tests/browser. The page may
reach nothing but the app: every request to another host is blocked and recorded.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.launcher import Stack
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from api.web.security import CONTENT_SECURITY_POLICY
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Login,
    OpenWorkbench,
    Watch,
    make_account,
    screenshot,
)
from tests.browser.test_chat_page import report_leak

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
# 黄桷坪街道 and two of its community rooms; no other test files tickets here.
TOWN = "500107002"
ROOM = "500107002003"
OTHER_ROOM = "500107002004"
RESIDENT_PHONE = "13912345678"
MASKED_PHONE = "139****5678"


def _file(
    factory: sessionmaker[Session],
    *,
    ago: timedelta,
    emergency: bool = False,
    description: str = "楼上邻居半夜装修，吵得睡不着",
) -> str:
    """A ticket filed `ago` by a resident of ROOM; its own place, so never a duplicate."""
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description=description,
                emergency=emergency,
                community_code=ROOM,
                contact_phone=RESIDENT_PHONE,
                location_text=f"唐家湾{uuid.uuid4().hex[:6]}栋",
            ),
            tz=TZ,
            default_district_code="500107",
            now=datetime.now(TZ) - ago,
        )
        assert filed.ticket.station_code == ROOM
        return filed.ticket.number


@pytest.fixture(scope="module")
def room_staff(live: Stack, session_factory: sessionmaker[Session]) -> Login:
    return make_account(session_factory, Role.STATION_STAFF, ROOM)


@pytest.fixture(scope="module")
def other_room_staff(live: Stack, session_factory: sessionmaker[Session]) -> Login:
    return make_account(session_factory, Role.STATION_STAFF, OTHER_ROOM)


@pytest.fixture(scope="module")
def town_staff(live: Stack, session_factory: sessionmaker[Session]) -> Login:
    return make_account(session_factory, Role.STATION_STAFF, TOWN)


def _staff_view(live: Stack, token: str, number: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{live.app_url}/api/staff/tickets/{number}", headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    detail: dict[str, Any] = answer.json()
    return detail


def test_station_staff_take_the_emergency_first_sign_it_and_resolve_it(
    open_workbench: OpenWorkbench,
    room_staff: Login,
    session_factory: sessionmaker[Session],
    live: Stack,
    staff_token: str,
) -> None:
    emergency = _file(
        session_factory, ago=timedelta(minutes=40), emergency=True, description="楼道里有人打架"
    )
    overdue = _file(session_factory, ago=timedelta(days=6))
    newest = _file(session_factory, ago=timedelta(minutes=1))
    bench = open_workbench()
    page = bench.page
    bench.login(room_staff)

    rows = page.locator("#queue-list .row-link")
    expect(rows.first).to_have_attribute("data-number", emergency)
    numbers = rows.evaluate_all("links => links.map(a => a.dataset.number)")
    assert numbers.index(emergency) < numbers.index(overdue) < numbers.index(newest), numbers
    first = rows.first
    expect(first.locator(".badge", has_text="紧急")).to_be_visible()
    expect(bench.row(overdue).locator(".badge", has_text="超时")).to_be_visible()
    expect(first).to_contain_text("矛盾纠纷")
    number = first.locator(".num")
    height = number.evaluate("n => n.getBoundingClientRect().height")
    line = number.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert height < line * 2, (height, line)  # the number never wraps
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "staff-workbench-phone")

    first.click()
    detail = page.locator("#ticket-body")
    expect(detail.locator(".detail-title")).to_have_text(emergency)
    # The holding station calls the resident with one tap.
    expect(detail.locator(f"a[href='tel:{RESIDENT_PHONE}']")).to_be_visible()
    detail.get_by_role("button", name="签收", exact=True).click()
    expect(detail.locator(".detail-head .status")).to_have_text("工作站已签收")
    expect(detail.locator(".timeline .event-signed")).to_have_count(1)

    detail.get_by_role("button", name="办结", exact=True).click()
    detail.get_by_role("button", name="确认办结").click()
    expect(detail.get_by_role("alert")).to_have_text("办结前请写明办理结果。")
    detail.get_by_label("办理结果（必填）").fill("已到场劝开双方，派出所民警已登记")
    detail.get_by_role("button", name="确认办结").click()
    expect(detail.locator(".detail-head .status")).to_have_text("已办结")
    expect(detail.get_by_role("button", name="签收", exact=True)).to_have_count(0)

    resolved = _staff_view(live, staff_token, emergency)
    assert resolved["status"] == "resolved"
    assert resolved["resolution"] == "已到场劝开双方，派出所民警已登记"
    page.get_by_role("button", name="返回列表").click()
    expect(bench.row(emergency)).to_have_count(0)  # the queue shows open tickets


def test_a_refused_action_shows_the_reason_and_the_ticket_as_it_now_is(
    open_workbench: OpenWorkbench,
    room_staff: Login,
    session_factory: sessionmaker[Session],
    live: Stack,
    staff_token: str,
) -> None:
    number = _file(session_factory, ago=timedelta(minutes=5))
    bench = open_workbench(path=f"/staff/#/ticket/{number}")
    bench.login(room_staff)
    detail = bench.page.locator("#ticket-body")
    sign = detail.get_by_role("button", name="签收", exact=True)
    expect(sign).to_be_visible()
    # A colleague signs it meanwhile.
    httpx.post(
        f"{live.app_url}/api/staff/tickets/{number}/sign",
        json={},
        headers={"Authorization": f"Bearer {staff_token}"},
    ).raise_for_status()
    bench.watch.expect_failed_load(f"/api/staff/tickets/{number}/sign", 409)
    sign.click()
    expect(detail.get_by_role("alert")).to_contain_text("工单已签收，不用重复签收")
    expect(detail.get_by_role("button", name="开始办理")).to_be_visible()
    expect(detail.get_by_role("button", name="签收", exact=True)).to_have_count(0)


def test_another_station_sees_neither_the_ticket_nor_its_number(
    open_workbench: OpenWorkbench,
    other_room_staff: Login,
    session_factory: sessionmaker[Session],
) -> None:
    number = _file(session_factory, ago=timedelta(minutes=3), emergency=True)
    bench = open_workbench()
    bench.login(other_room_staff)
    expect(bench.page.locator("#queue-summary")).not_to_have_text("正在加载…")
    expect(bench.row(number)).to_have_count(0)
    bench.watch.expect_failed_load(f"/api/staff/tickets/{number}", 404)
    bench.page.goto(f"/staff/#/ticket/{number}")
    expect(bench.page.locator("#ticket-body")).to_contain_text(f"没有找到工单 {number}")
    assert RESIDENT_PHONE not in bench.page.content()


def test_the_station_above_supervises_with_the_number_masked(
    open_workbench: OpenWorkbench,
    town_staff: Login,
    session_factory: sessionmaker[Session],
) -> None:
    number = _file(session_factory, ago=timedelta(days=6))
    bench = open_workbench(viewport=DESKTOP)
    page = bench.page
    bench.login(town_staff)
    page.get_by_role("link", name="督办", exact=True).click()
    row = page.locator(f"#supervise-list .row-link[data-number='{number}']")
    expect(row.locator(".badge", has_text="超时")).to_be_visible()
    row.click()
    detail = page.locator("#ticket-body")
    expect(detail.locator(".detail-title")).to_have_text(number)
    expect(detail.locator(".facts")).to_contain_text(MASKED_PHONE)
    expect(detail.locator("a[href^='tel:']")).to_have_count(0)
    assert RESIDENT_PHONE not in page.content()
    expect(detail.get_by_role("button", name="签收", exact=True)).to_have_count(0)
    expect(detail.get_by_role("button", name="转派")).to_be_visible()
    expect(page.locator("#supervise-list")).to_be_visible()  # beside the ticket on a desktop
    screenshot(page, "staff-workbench-desktop")


def test_the_workbench_files_are_compressed_and_cacheable(live: Stack) -> None:
    with httpx.Client(base_url=live.app_url, headers={"Accept-Encoding": "gzip"}) as http:
        page = http.get("/staff/")
        assert page.headers["content-encoding"] == "gzip"
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        script = http.get("/staff/main.js")
        assert script.headers["content-encoding"] == "gzip"
        assert "max-age=" in script.headers["cache-control"]


def test_a_return_needs_a_reason_and_hands_the_ticket_on(
    open_workbench: OpenWorkbench,
    room_staff: Login,
    session_factory: sessionmaker[Session],
    live: Stack,
    staff_token: str,
) -> None:
    number = _file(session_factory, ago=timedelta(minutes=8))
    bench = open_workbench(path=f"/staff/#/ticket/{number}")
    bench.login(room_staff)
    detail = bench.page.locator("#ticket-body")
    detail.get_by_role("button", name="退单", exact=True).click()
    detail.get_by_role("button", name="确认退单").click()
    expect(detail.get_by_role("alert")).to_have_text("请选择退单理由。")
    detail.get_by_label("退单理由（必选）").select_option(label="属地不符")
    detail.get_by_label("说明").fill("事发地在隔壁社区")
    bench.watch.expect_failed_load(f"/api/staff/tickets/{number}", 404)  # read again: gone
    detail.get_by_role("button", name="确认退单").click()
    # The ticket went on to another station: the room is told where, and sees no more.
    expect(detail.get_by_role("status")).to_contain_text("工单已交给")
    expect(detail.get_by_role("button", name="签收", exact=True)).to_have_count(0)
    after = _staff_view(live, staff_token, number)
    assert after["station_code"] != ROOM
    returned = [e for e in after["events"] if e["kind"] == "returned"]
    assert len(returned) == 1 and returned[0]["data"]["reason"] == "wrong_area", returned
    bench.page.get_by_role("button", name="返回列表").click()
    expect(bench.page.locator("#queue-summary")).not_to_have_text("正在加载…")
    expect(bench.row(number)).to_have_count(0)


def test_a_resolution_at_the_workbench_reaches_the_resident(
    make_page: Callable[..., tuple[Page, Watch]],
    open_workbench: OpenWorkbench,
    session_factory: sessionmaker[Session],
) -> None:
    resident, _ = make_page()
    number = report_leak(resident)
    with session_factory() as session:
        station = session.scalars(select(Ticket.station_code).where(Ticket.number == number)).one()
    bench = open_workbench(path=f"/staff/#/ticket/{number}")
    bench.login(make_account(session_factory, Role.STATION_STAFF, station))
    detail = bench.page.locator("#ticket-body")
    detail.get_by_role("button", name="签收", exact=True).click()
    expect(detail.locator(".detail-head .status")).to_have_text("工作站已签收")
    expect(resident.locator(".bubble-progress", has_text="工作站已签收")).to_be_visible(
        timeout=30_000
    )
    detail.get_by_role("button", name="办结", exact=True).click()
    detail.get_by_label("办理结果（必填）").fill("已换了厨房的水管，不漏了")
    detail.get_by_role("button", name="确认办结").click()
    expect(detail.locator(".detail-head .status")).to_have_text("已办结")
    # The resident's page picks it up by itself and asks for a rating.
    expect(resident.locator(".bubble-progress", has_text="已办结")).to_be_visible(timeout=30_000)
    expect(resident.locator(".rate-card").last).to_be_visible()
