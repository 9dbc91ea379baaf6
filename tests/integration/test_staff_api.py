"""The staff API over HTTP, on the real database: lists, detail, actions, export, 督办 list.

Each test files its own tickets on a day of its own (September 2026), so
filters by that day see exactly them whatever else the suite has filed.
"""

import base64
import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.tickets.models import Ticket
from api.tickets.queries import Cursor, InvalidCursorError
from tests.integration.lifecycle_support import (
    DING,
    JIA,
    JIA_POINT,
    ensure_test_stations,
    place_ticket,
)
from tests.integration.staff_support import (
    MASKED,
    OTHER_ROOM,
    PHONE,
    ROOM,
    SIBLING_ROOM,
    TOWN,
    TZ,
    Clock,
    bearer,
    file_ticket,
    make_token,
    staff_client,
)

START = datetime(2026, 9, 7, 8, 0, tzinfo=TZ)  # Monday


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(START)


@pytest.fixture(scope="module")
def client(database_url: str, registry: object, clock: Clock) -> Iterator[TestClient]:
    with staff_client(database_url, clock) as http:
        yield http


@pytest.fixture(scope="module")
def tokens(session_factory: sessionmaker[Session], registry: object) -> dict[str, str]:
    # Long-lived, so tests may move the clock days ahead.
    ttl = timedelta(days=60)
    return {
        "own": make_token(session_factory, Role.STATION_STAFF, ROOM, START, ttl=ttl),
        "sibling": make_token(session_factory, Role.STATION_STAFF, SIBLING_ROOM, START, ttl=ttl),
        "parent": make_token(session_factory, Role.STATION_STAFF, TOWN, START, ttl=ttl),
        "other": make_token(session_factory, Role.STATION_STAFF, OTHER_ROOM, START, ttl=ttl),
        "operator": make_token(session_factory, Role.DISTRICT_OPERATOR, None, START, ttl=ttl),
        "service": make_token(session_factory, Role.SERVICE, None, START),
    }


@pytest.fixture
def as_(client: TestClient, tokens: dict[str, str]) -> Any:
    """`as_("own").get(...)`: the client with one caller's token."""

    class Caller:
        def __init__(self, name: str) -> None:
            self.headers = bearer(tokens[name])

        def get(self, path: str, **params: Any) -> Any:
            return client.get(path, params=params, headers=self.headers)

        def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
            return client.post(path, json=body, headers=self.headers)

    return Caller


def day(n: int) -> datetime:
    """09:00 on the n-th day after START's Monday (each test takes its own day)."""
    return START.replace(hour=9) + timedelta(days=n)


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


def set_columns(factory: sessionmaker[Session], number: str, **values: Any) -> None:
    """Put a ticket in a state the sweep would reach (the sweep itself is lifecycle's test)."""
    with factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        session.commit()


# ---- phone numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "phone", "masked"),
    [
        ("own", PHONE, False),
        ("parent", MASKED, True),
        ("operator", MASKED, True),
        ("service", MASKED, True),
    ],
)
def test_only_the_holding_station_sees_the_full_phone(
    as_: Any, session_factory: sessionmaker[Session], caller: str, phone: str, masked: bool
) -> None:
    number = file_ticket(session_factory, ROOM, day(0))
    detail = as_(caller).get(f"/api/staff/tickets/{number}").json()
    assert (detail["contact_phone"], detail["contact_phone_masked"]) == (phone, masked)
    listed = as_(caller).get("/api/staff/tickets", station_code=ROOM, created_from="2026-09-07")
    item = next(i for i in listed.json()["items"] if i["number"] == number)
    assert item["contact_phone"] == phone
    if masked:
        assert PHONE not in as_(caller).get(f"/api/staff/tickets/{number}/events").text


def test_numbers_inside_free_text_are_masked_for_all_but_the_holder(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    number = file_ticket(
        session_factory, ROOM, day(0) + timedelta(hours=1), description=f"漏水，打我电话 {PHONE}"
    )
    spaced = f"{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"
    note = {"note": f"已联系，居民另留 {spaced}"}
    assert as_("own").post(f"/api/staff/tickets/{number}/notes", note).status_code == 200
    own = as_("own").get(f"/api/staff/tickets/{number}").text
    assert PHONE in own
    for caller in ("parent", "operator", "service"):
        for path in (f"/api/staff/tickets/{number}", f"/api/staff/tickets/{number}/events"):
            shown = as_(caller).get(path)
            assert PHONE not in shown.text and spaced not in shown.text, (caller, path)
        assert f"打我电话 {MASKED}" in as_(caller).get(f"/api/staff/tickets/{number}").text


# ---- listing ---------------------------------------------------------------


def test_filters_narrow_the_list(
    as_: Any, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    when = day(1)
    plain = file_ticket(session_factory, ROOM, when)
    water = file_ticket(
        session_factory, ROOM, when + timedelta(minutes=1), service_code="water_leak"
    )
    urgent = file_ticket(
        session_factory, ROOM, when + timedelta(minutes=2), service_code="gas", emergency=True
    )
    sibling = file_ticket(session_factory, SIBLING_ROOM, when + timedelta(minutes=3))
    set_columns(session_factory, plain, escalation_level=1)
    clock.now = when + timedelta(hours=3)  # the emergency's 2 hours are up
    that_day = {"created_from": "2026-09-08", "created_to": "2026-09-08"}

    parent = as_("parent")
    assert numbers(parent.get("/api/staff/tickets", **that_day)) == [sibling, urgent, water, plain]
    assert numbers(parent.get("/api/staff/tickets", **that_day, station_code=SIBLING_ROOM)) == [
        sibling
    ]
    assert numbers(parent.get("/api/staff/tickets", **that_day, station_code=TOWN)) == [
        sibling,
        urgent,
        water,
        plain,
    ]
    assert numbers(parent.get("/api/staff/tickets", **that_day, service_code="water_leak")) == [
        water
    ]
    assert numbers(parent.get("/api/staff/tickets", **that_day, emergency="true")) == [urgent]
    assert numbers(parent.get("/api/staff/tickets", **that_day, overdue="true")) == [urgent]
    assert urgent not in numbers(parent.get("/api/staff/tickets", **that_day, overdue="false"))
    assert numbers(parent.get("/api/staff/tickets", **that_day, escalated="true")) == [plain]
    assert numbers(parent.get("/api/staff/tickets", **that_day, state="signed")) == []
    assert len(numbers(parent.get("/api/staff/tickets", **that_day, state="dispatched"))) == 4
    # The room sees its own three, not its sibling's.
    assert numbers(as_("own").get("/api/staff/tickets", **that_day)) == [urgent, water, plain]
    # Each item carries its deadlines and overdue flag.
    item = parent.get("/api/staff/tickets", **that_day, emergency="true").json()["items"][0]
    assert item["overdue"] is True
    assert item["contact_due_at"] == "2026-09-08T11:02:00+08:00"
    assert item["station_name"].endswith("老杨群工室")


def test_a_station_filter_outside_ones_scope_is_not_found(as_: Any) -> None:
    response = as_("own").get("/api/staff/tickets", station_code=SIBLING_ROOM)
    assert response.status_code == 404
    assert response.json()["detail"] == f"没有找到站点 {SIBLING_ROOM}"
    assert as_("own").get("/api/staff/tickets", station_code="500107999999").status_code == 404


def test_keyset_pages_neither_repeat_nor_skip_while_tickets_arrive(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    when = day(2)
    filed = [file_ticket(session_factory, ROOM, when + timedelta(minutes=i)) for i in range(7)]
    # Two tickets in the same second: the id breaks the tie.
    filed.append(file_ticket(session_factory, ROOM, when + timedelta(minutes=6)))
    query = {"created_from": "2026-09-09", "created_to": "2026-09-09", "limit": 3}
    seen: list[str] = []
    cursor = None
    for page_number in range(10):
        response = as_("own").get(
            "/api/staff/tickets", **query, **({"cursor": cursor} if cursor else {})
        )
        seen += numbers(response)
        # Newer tickets keep arriving; they belong before page one, never inside later pages.
        file_ticket(session_factory, ROOM, when + timedelta(hours=1, minutes=page_number))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(filed))
    assert len(set(seen)) == len(seen)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"limit": 101}, "每页条数应在 1 到 100 之间"),
        ({"limit": 0}, "每页条数应在 1 到 100 之间"),
        ({"limit": "many"}, "每页条数应为整数"),
        ({"cursor": "not-a-cursor"}, "分页游标无效"),
        ({"cursor": "x" * 5000}, "分页游标无效"),
        ({"state": "lost"}, "未知的工单状态"),
        ({"service_code": "ufo"}, "未知的诉求类别"),
        ({"overdue": "maybe"}, "只能填 true 或 false"),
        ({"created_from": "23/11/2026"}, "日期格式应为 YYYY-MM-DD"),
        ({"created_to": "9999-12-31"}, "日期应在 2000 到 2099 年之间"),
        ({"created_from": "0001-01-01"}, "日期应在 2000 到 2099 年之间"),
        ({"created_from": "2026-09-10", "created_to": "2026-09-01"}, "受理日期起不能晚于"),
        ({"station_code": "天宝路"}, "站点编码应为"),
    ],
)
def test_bad_list_parameters_get_a_chinese_reason(
    as_: Any, params: dict[str, Any], reason: str
) -> None:
    response = as_("own").get("/api/staff/tickets", **params)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    reasons = detail if isinstance(detail, str) else " ".join(item["msg"] for item in detail)
    assert reason in reasons
    assert "input" not in response.text  # the value is never repeated back


def test_the_export_has_the_list_filters_a_bom_and_masked_phones(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    when = day(3)
    mine = file_ticket(session_factory, ROOM, when, description='=HYPERLINK("x") 楼道堵了')
    sibling = file_ticket(session_factory, SIBLING_ROOM, when + timedelta(minutes=1))
    response = as_("parent").get(
        "/api/staff/tickets/export",
        format="csv",
        created_from="2026-09-10",
        created_to="2026-09-10",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "工单号" and header[-1] == "联系电话"
    assert [row[0] for row in body] == [sibling, mine]
    assert {row[-1] for row in body} == {MASKED}
    assert body[1][header.index("诉求内容")].startswith("'=")  # no formula for Excel
    own = as_("own").get(
        "/api/staff/tickets/export", created_from="2026-09-10", created_to="2026-09-10"
    )
    own_rows = list(csv.reader(io.StringIO(own.content.decode("utf-8-sig"))))[1:]
    assert [(row[0], row[-1]) for row in own_rows] == [(mine, PHONE)]
    xlsx = as_("own").get("/api/staff/tickets/export", format="xlsx")
    assert xlsx.status_code == 422
    assert xlsx.json()["detail"][0]["msg"] == "目前只能导出 csv"


# ---- detail and actions ----------------------------------------------------


def test_working_a_ticket_end_to_end_leaves_a_timeline_naming_who_did_what(
    as_: Any, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    number = file_ticket(session_factory, ROOM, day(4))
    clock.now = day(4) + timedelta(minutes=20)
    own = as_("own")
    signed = own.post(f"/api/staff/tickets/{number}/sign", {"note": "已电话联系居民"})
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert own.post(f"/api/staff/tickets/{number}/start").json()["status"] == "in_progress"
    assert (
        own.post(f"/api/staff/tickets/{number}/notes", {"note": "已约物业明早维修"}).status_code
        == 200
    )
    resolved = own.post(f"/api/staff/tickets/{number}/resolve", {"resolution": "双方已调解"})
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution"] == "双方已调解"

    detail = own.get(f"/api/staff/tickets/{number}").json()
    kinds = [(e["kind"], e["kind_name"]) for e in detail["events"]]
    assert kinds == [
        ("created", "居民提交"),
        ("dispatched", "派单"),
        ("signed", "签收"),
        ("started", "开始办理"),
        ("note", "办理备注"),
        ("resolved", "办结"),
    ]
    staff_events = detail["events"][2:]
    assert {e["actor"] for e in staff_events} == {staff_events[0]["actor"]}
    assert staff_events[0]["actor"].startswith("staff:station_staff.")
    assert staff_events[0]["note"] == "已电话联系居民"
    assert staff_events[0]["at"] == "2026-09-11T09:20:00+08:00"
    assert detail["dispatch_reason"] and detail["dispatch_note"]
    assert detail["permissions"] == {"act": True, "transfer": True, "recategorise": True}
    assert own.get(f"/api/staff/tickets/{number}/events").json() == detail["events"]
    # Once resolved, signing again is refused with the lifecycle's reason.
    again = own.post(f"/api/staff/tickets/{number}/sign")
    assert again.status_code == 409
    assert again.json()["detail"] == "工单已办结，不能再签收"


def test_a_return_re_dispatches_and_the_room_loses_the_phone(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    number = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=1))
    response = as_("own").post(
        f"/api/staff/tickets/{number}/return", {"reason": "wrong_area", "note": "不在本社区"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["station_code"] != ROOM
    assert body["return_count"] == 1
    assert body["contact_phone"] != PHONE
    assert [e["kind"] for e in body["events"]][-2:] == ["returned", "dispatched"]


def test_the_parent_may_transfer_a_rooms_ticket_but_not_work_it(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    number = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=2))
    parent = as_("parent")
    detail = parent.get(f"/api/staff/tickets/{number}").json()
    assert detail["permissions"] == {"act": False, "transfer": True, "recategorise": False}
    refused = parent.post(f"/api/staff/tickets/{number}/sign")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有承办站点的工作人员或区级人员可以办理这张工单"
    moved = parent.post(
        f"/api/staff/tickets/{number}/transfer",
        {"to_station_code": SIBLING_ROOM, "note": "事发地在金凤佳园社区"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["station_code"] == SIBLING_ROOM
    assert as_("own").get(f"/api/staff/tickets/{number}").status_code == 404
    sibling = as_("sibling").get(f"/api/staff/tickets/{number}").json()
    assert sibling["contact_phone"] == PHONE
    assert sibling["events"][-1]["kind"] == "transferred"


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("notes", {}, "缺少备注（note）"),
        ("notes", {"note": ""}, "备注（note）不能为空"),
        ("notes", {"note": "   "}, "备注（note）不能为空"),
        ("notes", {"note": "x" * 2001}, "备注（note）最多 2000 个字"),
        ("notes", {"note": "ok", "extra": 1}, "不认识的字段 extra"),
        ("notes", {"note": "a\x00b"}, "备注（note）含有不可见的控制字符"),
        ("resolve", {"resolution": "done\x07"}, "办结说明（resolution）含有不可见的控制字符"),
        ("notes", [], "请求体应为 JSON 对象"),
        ("resolve", {}, "缺少办结说明（resolution）"),
        ("return", {"reason": "too_busy"}, "wrong_area（属地不符）"),
        ("return", {}, "缺少退单理由（reason）"),
        ("transfer", {"to_station_code": "天宝路", "note": "x"}, "格式不对"),
        ("transfer", {"to_station_code": SIBLING_ROOM}, "缺少备注（note）"),
        ("sign", {"note": 5}, "备注（note）应为文字"),
        ("recategorise", {"service_code": "too_busy", "note": "x"}, "water_leak（漏水渗水）"),
        ("recategorise", {"service_code": ["gas"], "note": "x"}, "诉求类别（service_code）只能是"),
        ("recategorise", {"note": "x"}, "缺少诉求类别（service_code）"),
        ("recategorise", {"service_code": "gas"}, "缺少备注（note）"),
        ("recategorise", {"service_code": "gas", "note": " "}, "备注（note）不能为空"),
        ("recategorise", {"service_code": "gas", "note": "x", "to": 1}, "不认识的字段 to"),
    ],
)
def test_bad_action_bodies_are_422_in_chinese_and_change_nothing(
    as_: Any,
    session_factory: sessionmaker[Session],
    action: str,
    body: Any,
    reason: str,
) -> None:
    number = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=3))
    response = as_("own").post(f"/api/staff/tickets/{number}/{action}", body)
    assert response.status_code == 422, response.text
    assert reason in " ".join(item["msg"] for item in response.json()["detail"])
    assert PHONE not in response.text and "装修" not in response.text
    assert "天宝路" not in response.text and "too_busy" not in response.text
    events = as_("own").get(f"/api/staff/tickets/{number}/events").json()
    assert [e["kind"] for e in events] == ["created", "dispatched"]


def test_transfer_to_a_station_that_does_not_exist_is_a_conflict_in_chinese(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    number = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=4))
    response = as_("own").post(
        f"/api/staff/tickets/{number}/transfer", {"to_station_code": "500107999999", "note": "试试"}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "找不到站点 500107999999"


def test_recategorising_corrects_the_category_and_its_deadlines_on_the_timeline(
    as_: Any, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    filed_at = day(4) + timedelta(hours=7)
    number = file_ticket(session_factory, ROOM, filed_at, description="楼上漏水到我家")
    clock.now = filed_at + timedelta(minutes=30)
    own = as_("own")
    response = own.post(
        f"/api/staff/tickets/{number}/recategorise",
        {"service_code": " water_leak ", "note": "居民说的是楼上漏水，不是邻里纠纷"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["service_code"], body["service_name"]) == ("water_leak", "漏水渗水")
    assert (body["station_code"], body["status"]) == (ROOM, "dispatched")
    assert body["contact_due_at"] == body["resolve_due_at"] == "2026-09-12T16:00:00+08:00"
    assert body["permissions"]["recategorise"] is True
    event = body["events"][-1]
    assert (event["kind"], event["kind_name"]) == ("recategorised", "改类")
    assert event["note"] == "居民说的是楼上漏水，不是邻里纠纷"
    assert event["actor"].startswith("staff:station_staff.")
    assert event["data"] == {
        "from_code": "dispute",
        "to_code": "water_leak",
        "from_name": "矛盾纠纷",
        "to_name": "漏水渗水",
    }
    assert own.get(f"/api/staff/tickets/{number}/events").json()[-1] == event
    listed = own.get("/api/staff/tickets", service_code="water_leak", created_from="2026-09-11")
    assert number in numbers(listed)


@pytest.mark.parametrize(
    ("steps", "code", "status", "reason"),
    [
        ((), "dispute", 409, "工单已是“矛盾纠纷”类，不用改类"),
        (("sign", "resolve"), "environment", 409, "工单已办结，不能改类"),
    ],
)
def test_recategorising_refusals_are_conflicts_in_chinese(
    as_: Any,
    session_factory: sessionmaker[Session],
    steps: tuple[str, ...],
    code: str,
    status: int,
    reason: str,
) -> None:
    number = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=8))
    own = as_("own")
    if "sign" in steps:
        assert own.post(f"/api/staff/tickets/{number}/sign").status_code == 200
    if "resolve" in steps:
        done = own.post(f"/api/staff/tickets/{number}/resolve", {"resolution": "已调解"})
        assert done.status_code == 200
    before = own.get(f"/api/staff/tickets/{number}").json()
    response = own.post(
        f"/api/staff/tickets/{number}/recategorise", {"service_code": code, "note": "改一下"}
    )
    assert response.status_code == status, response.text
    assert response.json()["detail"] == reason
    assert own.get(f"/api/staff/tickets/{number}").json() == before


def test_a_holder_that_cannot_take_the_new_category_loses_the_ticket_at_once(
    client: TestClient, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    ensure_test_stations(session_factory)
    filed_at = day(4) + timedelta(hours=9)
    with session_factory() as session:
        ticket = place_ticket(
            session, DING, filed_at, service_code="dispute", lat=JIA_POINT[0], lon=JIA_POINT[1]
        )
        number = ticket.number
    clock.now = filed_at + timedelta(minutes=30)
    ding = bearer(make_token(session_factory, Role.STATION_STAFF, DING, clock.now))
    response = client.post(
        f"/api/staff/tickets/{number}/recategorise",
        json={"service_code": "environment", "note": "是楼道垃圾"},
        headers=ding,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["station_code"], body["status"]) == (JIA, "dispatched")
    assert body["permissions"] == {"act": False, "transfer": False, "recategorise": False}
    recategorised, dispatched = body["events"][-2:]
    assert (recategorised["kind"], dispatched["kind"]) == ("recategorised", "dispatched")
    assert dispatched["kind_name"] == "派单"
    assert "丁社区老杨群工室不受理此类诉求" in dispatched["note"]
    assert client.get(f"/api/staff/tickets/{number}", headers=ding).status_code == 404


def test_a_malformed_ticket_number_is_refused(as_: Any) -> None:
    assert as_("own").get("/api/staff/tickets/NOT-A-NUMBER").status_code == 422
    assert as_("own").get("/api/staff/tickets/LY-20000101-9999").status_code == 404


def test_duplicate_links_are_shown_within_scope(
    as_: Any, session_factory: sessionmaker[Session]
) -> None:
    first = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=5))
    second = file_ticket(session_factory, ROOM, day(4) + timedelta(hours=6))
    elsewhere = file_ticket(session_factory, OTHER_ROOM, day(4) + timedelta(hours=6))
    with session_factory() as session:
        original = session.scalars(select(Ticket).where(Ticket.number == first)).one()
        for number in (second, elsewhere):
            copy = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            copy.duplicate_of_id = original.id
        session.commit()
    assert as_("own").get(f"/api/staff/tickets/{first}").json()["duplicates"] == [second]
    assert as_("own").get(f"/api/staff/tickets/{second}").json()["duplicate_of"] == first
    assert as_("operator").get(f"/api/staff/tickets/{first}").json()["duplicates"] == [
        second,
        elsewhere,
    ]


# ---- 督办 list -------------------------------------------------------------


def test_the_overdue_list_shows_the_parent_its_rooms_late_tickets(
    as_: Any, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    late = file_ticket(session_factory, ROOM, day(5), service_code="gas", emergency=True)
    escalated = file_ticket(session_factory, SIBLING_ROOM, day(5))
    fresh = file_ticket(session_factory, ROOM, day(5) + timedelta(hours=2, minutes=30))
    set_columns(session_factory, escalated, escalation_level=1)
    clock.now = day(5) + timedelta(hours=3)

    def listed(caller: str) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            response = as_(caller).get("/api/staff/overdue", **params)
            found += numbers(response)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return found

    parent = listed("parent")
    assert late in parent and escalated in parent and fresh not in parent
    assert {late, escalated} <= set(listed("operator"))
    # A room has no stations below it.
    assert listed("own") == []
    assert late not in listed("other")


# ---- OpenAPI ---------------------------------------------------------------


def _schemas_of(operation: dict[str, Any]) -> list[str]:
    """The component schema names an operation takes and returns."""
    refs: list[str] = []
    bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
    for part in bodies:
        for media in part.get("content", {}).values():
            schema = media.get("schema", {})
            schema = schema.get("items", schema)
            for option in schema.get("anyOf", [schema]):
                if "$ref" in option:
                    refs.append(option["$ref"].rsplit("/", 1)[-1])
    return refs


def test_every_staff_model_in_the_openapi_document_has_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    staff = {
        path: operations
        for path, operations in spec["paths"].items()
        if path.startswith(("/api/staff/tickets", "/api/staff/overdue", "/api/staff/stations"))
    }
    assert len(staff) == 16
    for path, operations in staff.items():
        for operation in operations.values():
            assert operation["tags"][0].startswith("工作人员")
            for name in _schemas_of(operation):
                if name != "HTTPValidationError":
                    assert components[name].get("examples"), (path, name)


# ---- cursors ---------------------------------------------------------------


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    cursor = Cursor(datetime(2026, 9, 9, 1, 2, 3, 456789, tzinfo=TZ), 42)
    decoded = Cursor.decode(cursor.encode())
    assert (decoded.created_at, decoded.ticket_id) == (cursor.created_at, 42)
    for forged in ("", "!!!", "bm90IGEgY3Vyc29y", Cursor(START, 1).encode()[:-3] + "===="):
        with pytest.raises(InvalidCursorError):
            Cursor.decode(forged)
    naive = base64.urlsafe_b64encode(b"2026-09-09T01:02:03|5").decode()
    with pytest.raises(InvalidCursorError) as refused:
        Cursor.decode(naive)
    # Read whole, then refused for the missing zone (not for failing to parse).
    assert refused.value.__cause__ is None
