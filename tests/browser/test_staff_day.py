"""A day's work on a phone at /staff, without knowing the API: 签收, 开始办理, 进展备注,
改类 and 转派 to a neighbouring room picked by name from the station directory.

Each step is checked on the page and then against the staff API, as another
client would see the ticket.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.launcher import Stack
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from tests.browser.conftest import PHONE, OpenWorkbench, make_account, screenshot

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
# 黄桷坪街道's 唐家湾社区 and its neighbour 邮电支路社区 (the registry's names).
ROOM = "500107002003"
NEIGHBOUR = "500107002004"
NEIGHBOUR_NAME = "邮电支路社区老杨群工室"


def _file(factory: sessionmaker[Session]) -> str:
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description="楼下垃圾堆了一个星期没人收，臭得很",
                community_code=ROOM,
                contact_phone="13612345678",
                location_text="唐家湾农贸市场背后",
            ),
            tz=TZ,
            default_district_code="500107",
            now=datetime.now(TZ) - timedelta(minutes=20),
        )
        return filed.ticket.number


def _api(live: Stack, token: str, number: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{live.app_url}/api/staff/tickets/{number}", headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    detail: dict[str, Any] = answer.json()
    return detail


def test_a_day_of_work_on_a_phone(
    open_workbench: OpenWorkbench,
    session_factory: sessionmaker[Session],
    live: Stack,
    staff_token: str,
) -> None:
    number = _file(session_factory)
    bench = open_workbench(viewport=PHONE)
    page = bench.page
    bench.login(make_account(session_factory, Role.STATION_STAFF, ROOM))
    bench.row(number).click()
    detail = page.locator("#ticket-body")
    status = detail.locator(".detail-head .status")

    detail.get_by_role("button", name="签收", exact=True).click()
    expect(status).to_have_text("工作站已签收")
    detail.get_by_role("button", name="开始办理").click()
    expect(status).to_have_text("正在办理")

    detail.get_by_role("button", name="进展备注").click()
    detail.get_by_label("备注").fill("已电话联系居民，明早环卫所来清运")
    detail.get_by_role("button", name="确认进展备注").click()
    expect(detail.locator(".timeline")).to_contain_text("已电话联系居民，明早环卫所来清运")

    # The bot filed it as a dispute; it is rubbish that nobody collects.
    detail.get_by_role("button", name="改类").click()
    detail.get_by_label("改为").select_option(label="环境卫生")
    detail.get_by_label("改类原因").fill("是垃圾清运问题，不是邻里纠纷")
    detail.get_by_role("button", name="确认改类").click()
    expect(detail.locator(".facts")).to_contain_text("环境卫生")
    assert _api(live, staff_token, number)["service_code"] == "environment"

    # The heap is on the neighbour's side of the street: hand it over, picked by name.
    detail.get_by_role("button", name="转派").click()
    picker = detail.get_by_label("转给")
    expect(picker.locator("optgroup").first).to_be_attached()
    groups = picker.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups[0] == "黄桷坪街道老杨群工站（本镇街）", groups[:3]
    expect(detail.locator("#act-station-code")).to_be_hidden()  # no codes to type
    picker.select_option(label=NEIGHBOUR_NAME)
    detail.get_by_label("转派原因").fill("垃圾堆在马路对面，属邮电支路社区")
    bench.watch.expect_failed_load(f"/api/staff/tickets/{number}", 404)  # then out of sight
    detail.get_by_role("button", name="确认转派").click()
    expect(detail.get_by_role("status")).to_contain_text(f"工单已交给{NEIGHBOUR_NAME}")
    screenshot(page, "staff-day-phone")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    after = _api(live, staff_token, number)
    assert (after["station_code"], after["status"]) == (NEIGHBOUR, "dispatched")
    kinds = [event["kind"] for event in after["events"]]
    for kind in ("signed", "started", "note", "recategorised", "transferred"):
        assert kind in kinds, kinds
