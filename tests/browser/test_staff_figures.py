"""The workbench's 统计: a town chief sees the 三率 of the rooms below as plots drawn from
real tickets, an empty month as a gap, every figure leading to the tickets behind it, and
the same months as CSV; a room never sees its town's figures.

中梁山街道 (500107006) and two of its rooms are used by no other test. The history,
in the district's time, relative to this month M:

    M-3, the 10th 10:00  two tickets at 协兴村社区, signed within the hour, resolved the
                         next day, rated 5 and 4 stars; one at 渝州路街道's 奥体社区 (another
                         town: never in these figures nor behind them)
    M-2                  nothing
    M-1, the 10th 15:00  one ticket at 半山一村社区, never signed (its deadlines have passed)
    M                    nothing

So for the town over M-3..M: received 3; 响应率 2/3, 办结率 2/3, 按时办结率 2/3,
满意率 2/2. M-3 is 100 % on every rate, M-1 0 % on the first three and no 满意率.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.launcher import Stack
from api.tickets import lifecycle
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from tests.browser.conftest import DESKTOP, OpenWorkbench, make_account, screenshot

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
TOWN = "500107006"
XIEXING = "500107006003"
ELSEWHERE = "500107007004"
BANSHAN = "500107006004"
ACTOR = "staff:figures.browser"


def month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def label(day: date) -> str:
    return f"{day:%Y-%m}"


@pytest.fixture(scope="module")
def months() -> list[date]:
    """M-3, M-2, M-1 and M, by their first days."""
    today = datetime.now(TZ).date()
    return [month_start(today, back) for back in (3, 2, 1, 0)]


def _file(factory: sessionmaker[Session], room: str, at: datetime, place: str) -> Any:
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description="楼下茶馆打麻将吵到半夜",
                community_code=room,
                contact_phone="13712345678",
                location_text=place,
            ),
            tz=TZ,
            default_district_code="500107",
            now=at,
        )
        assert filed.ticket.station_code == room
        session.commit()
        return filed.ticket.id


@pytest.fixture(scope="module")
def history(live: Stack, session_factory: sessionmaker[Session], months: list[date]) -> list[str]:
    first = datetime.combine(months[0].replace(day=10), datetime.min.time(), TZ)
    numbers = []
    for place, stars in (("协兴村3栋", 5), ("协兴村8栋", 4)):
        filed_at = first + timedelta(hours=10)
        ticket_id = _file(session_factory, XIEXING, filed_at, place)
        with session_factory() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            lifecycle.sign(session, ticket, actor=ACTOR, now=filed_at + timedelta(minutes=40))
            lifecycle.resolve(
                session, ticket, actor=ACTOR, now=filed_at + timedelta(days=1), resolution="已调解"
            )
            lifecycle.rate(session, ticket, now=filed_at + timedelta(days=1, hours=3), stars=stars)
            session.commit()
            numbers.append(ticket.number)
    _file(session_factory, ELSEWHERE, first + timedelta(hours=10), "奥体中心门口")
    late = datetime.combine(months[2].replace(day=10), datetime.min.time(), TZ)
    ticket_id = _file(session_factory, BANSHAN, late + timedelta(hours=15), "半山一村菜市场")
    with session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        numbers.append(ticket.number)
    return numbers


def option(page: Page, chart: str) -> Any:
    """What ECharts is drawing in the chart with this id."""
    return page.evaluate(
        "id => echarts.getInstanceByDom(document.getElementById(id)).getOption()", chart
    )


def rows(page: Page) -> list[list[str]]:
    cells = page.locator("#fig-table-body tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    return list(cells)


@pytest.fixture
def chief_page(
    open_workbench: OpenWorkbench,
    session_factory: sessionmaker[Session],
    months: list[date],
    history: list[str],
) -> Iterator[Page]:
    bench = open_workbench(viewport=DESKTOP)
    bench.login(make_account(session_factory, Role.STATION_STAFF, TOWN))
    page = bench.page
    page.get_by_role("link", name="统计", exact=True).click()
    expect(page.locator("#fig-title")).to_have_text("中梁山街道老杨群工站")
    page.get_by_label("从").fill(label(months[0]))
    page.get_by_label("从").dispatch_event("change")
    expect(page.locator("#fig-table-body tr")).to_have_count(4)
    yield page


def test_a_chief_sees_the_rooms_below_as_plots_with_an_empty_month_as_a_gap(
    chief_page: Page, months: list[date]
) -> None:
    page = chief_page
    m3, m2, m1, m0 = (label(m) for m in months)
    assert rows(page) == [
        [m3, "2", "100.0%", "100.0%", "100.0%", "100.0%"],
        [m2, "0", "—", "—", "—", "—"],
        [m1, "1", "0.0%", "0.0%", "0.0%", "—"],
        [m0, "0", "—", "—", "—", "—"],
    ]
    tiles = page.locator("#fig-tiles .tile").all_inner_texts()
    assert [" ".join(t.split()) for t in tiles] == [
        "受理量 3 件次",
        "响应率 66.7% 2 / 3",
        "办结率 66.7% 2 / 3",
        "按时办结率 66.7% 2 / 3",
        "满意率 100.0% 2 / 2",
    ]
    trend = option(page, "chart-trend")
    assert trend["xAxis"][0]["data"] == [m3, m2, m1, m0]
    by_name = {series["name"]: series["data"] for series in trend["series"]}
    assert by_name["响应率"] == [100, None, 0, None]  # gaps, never 0 %
    assert by_name["满意率"] == [100, None, None, None]
    compare = option(page, "chart-compare")
    names = compare["yAxis"][0]["data"]
    assert names == ["协兴村社区老杨群工室", "半山一村社区老杨群工室"]  # those with tickets
    branches = page.locator("#fig-branches li").all_inner_texts()
    assert branches[0] == "中梁山街道老杨群工站（本站直接承办） 受理 0 件次"
    assert "半山二村社区老杨群工室 受理 0 件次" in branches  # every room is named
    rates = {series["name"]: series["data"] for series in compare["series"]}
    assert rates["响应率"][names.index("协兴村社区老杨群工室")] == 100
    assert rates["响应率"][names.index("半山一村社区老杨群工室")] == 0
    heat = option(page, "chart-calendar")["series"][0]["data"]
    assert heat == [[f"{m3}-10", 2], [f"{m1}-10", 1]]
    hours = option(page, "chart-hours")["series"][0]["data"]
    assert (hours[10], hours[15], sum(hours)) == (2, 1, 3)
    for chart in ("chart-trend", "chart-compare", "chart-calendar", "chart-hours"):
        assert page.locator(f"#{chart} canvas").count() >= 1
        box = page.locator(f"#{chart}").bounding_box()
        assert box is not None and box["height"] > 100
        # Tooltips are drawn under the strict CSP without a complaint (the watch would see it).
        for x in (0.3, 0.5, 0.7):
            page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.6)
    screenshot(page, "staff-figures-desktop", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    # The plots redraw for the narrower screen and nothing is wider than the phone.
    page.wait_for_function("document.scrollingElement.scrollWidth <= 360")
    page.wait_for_function("document.getElementById('chart-trend').clientWidth <= 360")
    screenshot(page, "staff-figures-phone", full_page=True)


def test_a_month_leads_to_its_tickets_and_a_room_to_its_own_figures(
    chief_page: Page, months: list[date], history: list[str]
) -> None:
    page = chief_page
    page.get_by_role("link", name=label(months[0]), exact=True).click()
    expect(page.locator("#queue-scope")).to_contain_text("中梁山街道老杨群工站（含下级）")
    listed = page.locator("#queue-list .row-link")
    expect(listed).to_have_count(2)
    shown = set(listed.evaluate_all("links => links.map(a => a.dataset.number)"))
    assert shown == set(history[:2])  # both resolved: the figure counts every state
    page.go_back()
    expect(page.locator("#fig-title")).to_have_text("中梁山街道老杨群工站")
    page.locator("#fig-branches").get_by_role("link", name="协兴村社区老杨群工室").click()
    expect(page.locator("#fig-title")).to_have_text("协兴村社区老杨群工室")
    expect(page.locator("#fig-tiles .tile").first).to_contain_text("2")
    expect(page.locator("#fig-compare-block")).to_be_hidden()  # no rooms below a room
    # The room's M-1 is empty: 半山一村's ticket that month is not behind it.
    page.get_by_role("link", name=label(months[2]), exact=True).click()
    expect(page.locator("#queue-scope")).to_contain_text("协兴村社区老杨群工室（含下级）")
    expect(page.locator("#queue-summary")).to_have_text("没有符合条件的工单。")


def test_the_months_download_as_csv(chief_page: Page, months: list[date], tmp_path: Path) -> None:
    page = chief_page
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 CSV").click()
    saved = tmp_path / "figures.csv"
    download_info.value.save_as(saved)
    assert download_info.value.suggested_filename.endswith("-months.csv")
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("站点代码,站点,范围,月份,受理量,响应率,响应率分子,响应率分母")
    town = f"{TOWN},中梁山街道老杨群工站,含下级"
    assert f"{town},合计,3,66.7%,2,3,66.7%,2,3,66.7%,2,3,100.0%,2,2" in lines
    assert f"{town},{label(months[1])},0,,0,0,,0,0,,0,0,,0,0" in lines


def test_a_room_cannot_open_its_towns_figures(
    open_workbench: OpenWorkbench, session_factory: sessionmaker[Session]
) -> None:
    bench = open_workbench()
    bench.login(make_account(session_factory, Role.STATION_STAFF, BANSHAN))
    bench.watch.expect_failed_load(f"/api/staff/stations/{TOWN}/trends", 404)
    bench.page.goto(f"/staff/#/figures/{TOWN}")
    expect(bench.page.locator("#fig-error")).to_have_text(f"没有找到站点 {TOWN}")
    expect(bench.page.locator("#fig-content")).to_be_hidden()
