"""A station's 三率 from a small scripted July, checked against figures worked out by hand.

新凤社区 (500107104003) is the station. All tickets are disputes, so the contact
deadline is 2 working days and the resolve deadline 7 days (July 2026 has no
holidays). Times are district time; "due" dates are in brackets.

    T1  Mon 07-06 09:00  signed 07-06 (due 07-08) on time, resolved 07-07 (due 07-13), rated 5
    T2  Mon 07-06 09:00  signed 07-09 LATE, resolved 07-10 on time, rated 3
    T3  Tue 07-07 09:00  signed on time, started, resolved 07-20 LATE (due 07-14), rated 4
    T4  Tue 07-07 09:00  signed on time, never resolved (due 07-14 has passed)
    T5  Wed 07-08 09:00  returned unsigned an hour later: not ours to answer, not kept
    T6  Wed 07-08 09:00  never signed (due 07-10 has passed), never resolved
    T7  filed at 金凤佳园 Thu 07-09 08:00, transferred to us 09:00 (contact due 07-13,
        resolve due 07-16 as promised at filing); signed 11:00, resolved 07-10, rated 5
    T8  Tue 06-30 09:00  (June: outside the period) signed 07-01
    T9  Fri 07-31 20:00  signed Sat 08-01 (due 08-04), resolved 08-03 (due 08-07)
    T10 Mon 07-13 09:00  signed, resolved 07-14, rated 2 (closed); reopened by staff
        Wed 07-15 09:00 — a second handover (contact due 07-17, resolve due 07-22):
        signed 10:00, resolved 07-16, rated 5
    T11 a ticket of 金凤佳园, signed on time: another station's

Handovers in July: T1 T2 T3 T4 T5 T6 T7 T9 T10a T10b → received 10.
响应率: due = all but T5 (9); on time = T1 T3 T4 T7 T9 T10a T10b → 7/9.
办结率: kept = all but T5 (9); resolved = T1 T2 T3 T7 T9 T10a T10b → 7/9.
按时办结率: decided = the 9 kept (T4, T6 past due); on time = T1 T2 T7 T9 T10a T10b → 6/9.
满意率: ratings 5 3 4 5 2 5 → 4 of 6 are 4 stars or more → 4/6.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.tickets import handover, lifecycle
from api.tickets.handover import ReturnReason
from api.tickets.models import Ticket
from tests.integration.staff_support import (
    OTHER_ROOM,
    SIBLING_ROOM,
    TOWN,
    TZ,
    Clock,
    bearer,
    file_ticket,
    make_token,
    staff_client,
)

STATION = "500107104003"
NOW = datetime(2026, 8, 20, 9, 0, tzinfo=TZ)
ACTOR = "staff:figures"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


Step = Callable[[Session, Ticket], Any]


def sign(when: datetime) -> Step:
    return lambda s, t: lifecycle.sign(s, t, actor=ACTOR, now=when)


def start(when: datetime) -> Step:
    return lambda s, t: lifecycle.start(s, t, actor=ACTOR, now=when)


def resolve(when: datetime) -> Step:
    return lambda s, t: lifecycle.resolve(s, t, actor=ACTOR, now=when, resolution="已调解")


def rate(when: datetime, stars: int) -> Step:
    return lambda s, t: lifecycle.rate(s, t, now=when, stars=stars)


def give_back(when: datetime) -> Step:
    return lambda s, t: handover.return_ticket(
        s, t, actor=ACTOR, now=when, reason=ReturnReason.WRONG_AREA
    )


def transfer_here(when: datetime) -> Step:
    return lambda s, t: handover.transfer(
        s, t, actor=ACTOR, now=when, to_station_code=STATION, note="事发地在新凤社区"
    )


def reopen(when: datetime) -> Step:
    return lambda s, t: lifecycle.reopen(s, t, actor=ACTOR, now=when, reason="居民说还在吵")


HISTORY: list[tuple[str, datetime, list[Step]]] = [
    (STATION, at(7, 6, 9), [sign(at(7, 6, 10)), resolve(at(7, 7, 9)), rate(at(7, 7, 18), 5)]),
    (STATION, at(7, 6, 9), [sign(at(7, 9, 10)), resolve(at(7, 10, 9)), rate(at(7, 10, 18), 3)]),
    (
        STATION,
        at(7, 7, 9),
        [sign(at(7, 7, 10)), start(at(7, 8, 9)), resolve(at(7, 20, 9)), rate(at(7, 20, 18), 4)],
    ),
    (STATION, at(7, 7, 9), [sign(at(7, 7, 11))]),
    (STATION, at(7, 8, 9), [give_back(at(7, 8, 10))]),
    (STATION, at(7, 8, 9), []),
    (
        SIBLING_ROOM,
        at(7, 9, 8),
        [
            transfer_here(at(7, 9, 9)),
            sign(at(7, 9, 11)),
            resolve(at(7, 10, 9)),
            rate(at(7, 10, 18), 5),
        ],
    ),
    (STATION, at(6, 30, 9), [sign(at(7, 1, 9))]),
    (STATION, at(7, 31, 20), [sign(at(8, 1, 10)), resolve(at(8, 3, 9))]),
    (
        STATION,
        at(7, 13, 9),
        [
            sign(at(7, 13, 10)),
            resolve(at(7, 14, 9)),
            rate(at(7, 14, 18), 2),
            reopen(at(7, 15, 9)),
            sign(at(7, 15, 10)),
            resolve(at(7, 16, 9)),
            rate(at(7, 16, 18), 5),
        ],
    ),
    (SIBLING_ROOM, at(7, 6, 9), [sign(at(7, 6, 10))]),
]


def play(factory: sessionmaker[Session]) -> list[str]:
    numbers = []
    for station, filed_at, steps in HISTORY:
        number = file_ticket(factory, station, filed_at)
        with factory() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            for step in steps:
                step(session, ticket)
            session.commit()
        numbers.append(number)
    return numbers


@pytest.fixture(scope="module")
def history(session_factory: sessionmaker[Session], registry: object) -> list[str]:
    return play(session_factory)


@pytest.fixture(scope="module")
def client(database_url: str, registry: object) -> Iterator[TestClient]:
    with staff_client(database_url, Clock(NOW)) as http:
        yield http


@pytest.fixture(scope="module")
def operator(session_factory: sessionmaker[Session], registry: object) -> dict[str, str]:
    return bearer(make_token(session_factory, Role.DISTRICT_OPERATOR, None, NOW))


def july(client: TestClient, headers: dict[str, str]) -> Any:
    return client.get(
        f"/api/staff/stations/{STATION}/figures",
        params={"from": "2026-07-01", "to": "2026-07-31"},
        headers=headers,
    )


def test_july_figures_match_the_hand_computed_ones(
    client: TestClient, operator: dict[str, str], history: list[str]
) -> None:
    response = july(client, operator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["station_name"] == "新凤社区老杨群工室"
    assert (body["from_date"], body["to_date"]) == ("2026-07-01", "2026-07-31")
    assert body["received"] == 10
    assert body["response_rate"] == {"numerator": 7, "denominator": 9, "rate": 0.7778}
    assert body["resolution_rate"] == {"numerator": 7, "denominator": 9, "rate": 0.7778}
    assert body["on_time_rate"] == {"numerator": 6, "denominator": 9, "rate": 0.6667}
    assert body["satisfaction_rate"] == {"numerator": 4, "denominator": 6, "rate": 0.6667}


def test_figures_come_from_the_event_log_not_the_ticket_columns(
    client: TestClient,
    operator: dict[str, str],
    history: list[str],
    session_factory: sessionmaker[Session],
) -> None:
    before = july(client, operator).json()
    with session_factory() as session:
        never_signed = session.scalars(select(Ticket).where(Ticket.number == history[5])).one()
        never_signed.status = "resolved"  # a column edited behind the log's back
        never_signed.contact_due_at = at(12, 31, 9)
        session.commit()
    assert july(client, operator).json() == before


def test_a_period_with_nothing_has_no_rates(client: TestClient, operator: dict[str, str]) -> None:
    body = client.get(
        f"/api/staff/stations/{STATION}/figures",
        params={"from": "2026-05-01", "to": "2026-05-31"},
        headers=operator,
    ).json()
    assert body["received"] == 0
    assert body["response_rate"] == {"numerator": 0, "denominator": 0, "rate": None}


def test_figures_respect_scope(
    client: TestClient, session_factory: sessionmaker[Session], history: list[str]
) -> None:
    parent = bearer(make_token(session_factory, Role.STATION_STAFF, TOWN, NOW))
    other = bearer(make_token(session_factory, Role.STATION_STAFF, OTHER_ROOM, NOW))
    assert july(client, parent).status_code == 200
    hidden = july(client, other)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"没有找到站点 {STATION}"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-07-31", "to": "2026-07-01"}, 422),
        ({"from": "2025-01-01", "to": "2026-07-01"}, 422),
        ({"from": "July"}, 422),
        ({"to": "9999-12-31"}, 422),
        ({}, 200),
    ],
)
def test_figures_period_is_checked(
    client: TestClient, operator: dict[str, str], params: dict[str, str], status: int
) -> None:
    response = client.get(f"/api/staff/stations/{STATION}/figures", params=params, headers=operator)
    assert response.status_code == status, response.text
    if status == 200:  # defaults: this month up to today
        assert (response.json()["from_date"], response.json()["to_date"]) == (
            "2026-08-01",
            "2026-08-20",
        )


# ---- trends: the same history by month, branch, day and hour ------------------

JULY = {
    "received": 10,
    "response_rate": {"numerator": 7, "denominator": 9, "rate": 0.7778},
    "resolution_rate": {"numerator": 7, "denominator": 9, "rate": 0.7778},
    "on_time_rate": {"numerator": 6, "denominator": 9, "rate": 0.6667},
    "satisfaction_rate": {"numerator": 4, "denominator": 6, "rate": 0.6667},
}
# T8 alone: signed 07-01, on time (due 07-02); never resolved, past its resolve date; no rating.
JUNE = {
    "received": 1,
    "response_rate": {"numerator": 1, "denominator": 1, "rate": 1.0},
    "resolution_rate": {"numerator": 0, "denominator": 1, "rate": 0.0},
    "on_time_rate": {"numerator": 0, "denominator": 1, "rate": 0.0},
    "satisfaction_rate": {"numerator": 0, "denominator": 0, "rate": None},
}
NOTHING = {
    "received": 0,
    **{
        name: {"numerator": 0, "denominator": 0, "rate": None}
        for name in ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")
    },
}


def trends(client: TestClient, code: str, headers: dict[str, str], **params: str) -> Any:
    return client.get(f"/api/staff/stations/{code}/trends", params=params, headers=headers)


def test_trends_give_each_month_its_own_figures_and_an_empty_month_no_rates(
    client: TestClient, operator: dict[str, str], history: list[str]
) -> None:
    response = trends(client, STATION, operator, **{"from": "2026-06", "to": "2026-08"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["months"] == ["2026-06", "2026-07", "2026-08"]
    assert body["station"]["months"] == [JUNE, JULY, NOTHING]
    assert body["station"]["total"] == {
        "received": 11,
        "response_rate": {"numerator": 8, "denominator": 10, "rate": 0.8},
        "resolution_rate": {"numerator": 7, "denominator": 10, "rate": 0.7},
        "on_time_rate": {"numerator": 6, "denominator": 10, "rate": 0.6},
        "satisfaction_rate": {"numerator": 4, "denominator": 6, "rate": 0.6667},
    }
    assert body["branches"] == []  # a community room has no stations below it
    assert body["days"] == [
        {"day": "2026-06-30", "received": 1},
        {"day": "2026-07-06", "received": 2},
        {"day": "2026-07-07", "received": 2},
        {"day": "2026-07-08", "received": 2},
        {"day": "2026-07-09", "received": 1},
        {"day": "2026-07-13", "received": 1},
        {"day": "2026-07-15", "received": 1},
        {"day": "2026-07-31", "received": 1},
    ]
    assert body["hours"] == [0] * 9 + [10] + [0] * 10 + [1] + [0] * 3


def test_a_town_compares_its_rooms_each_with_everything_below_it(
    client: TestClient, session_factory: sessionmaker[Session], history: list[str]
) -> None:
    chief = bearer(make_token(session_factory, Role.STATION_STAFF, TOWN, NOW))
    body = trends(client, TOWN, chief, **{"from": "2026-07", "to": "2026-07"}).json()
    own, *rooms = body["branches"]
    assert (own["station_code"], own["own_only"]) == (TOWN, True)
    ours = next(room for room in rooms if room["station_code"] == STATION)
    assert (ours["station_name"], ours["own_only"]) == ("新凤社区老杨群工室", False)
    assert ours["months"] == [JULY]
    assert SIBLING_ROOM in {room["station_code"] for room in rooms}
    assert OTHER_ROOM not in {room["station_code"] for room in rooms}  # another town's
    assert [room["station_code"] for room in rooms] == sorted(r["station_code"] for r in rooms)
    # The town's own line counts every handover of its rooms and of itself, once.
    received = sum(branch["total"]["received"] for branch in body["branches"])
    assert body["station"]["total"]["received"] == received >= JULY["received"] + 2


def test_trends_respect_scope(
    client: TestClient, session_factory: sessionmaker[Session], history: list[str]
) -> None:
    other = bearer(make_token(session_factory, Role.STATION_STAFF, OTHER_ROOM, NOW))
    for path in ("trends", "trends.csv"):
        hidden = client.get(f"/api/staff/stations/{STATION}/{path}", headers=other)
        assert hidden.status_code == 404
        assert hidden.json()["detail"] == f"没有找到站点 {STATION}"
    room = bearer(make_token(session_factory, Role.STATION_STAFF, STATION, NOW))
    assert trends(client, TOWN, room).status_code == 404  # a room does not see its town


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2026-08", "to": "2026-06"}, "起始月份不能晚于截止月份"),
        ({"from": "2024-01", "to": "2026-08"}, "最多统计 24 个月"),
        ({"from": "2026-13"}, "月份格式应为 YYYY-MM，例如 2026-11"),
        ({"to": "七月"}, "月份格式应为 YYYY-MM，例如 2026-11"),
    ],
)
def test_trend_months_are_checked_with_a_reason(
    client: TestClient, operator: dict[str, str], params: dict[str, str], reason: str
) -> None:
    response = trends(client, STATION, operator, **params)
    assert response.status_code == 422
    assert reason in response.text


def test_trends_default_to_the_twelve_months_up_to_this_one(
    client: TestClient, operator: dict[str, str]
) -> None:
    body = trends(client, STATION, operator).json()
    assert (body["from_month"], body["to_month"]) == ("2025-09", "2026-08")
    assert len(body["months"]) == len(body["station"]["months"]) == 12


def test_the_trends_come_as_csv_excel_reads(
    client: TestClient, operator: dict[str, str], history: list[str]
) -> None:
    params = {"from": "2026-06", "to": "2026-08"}
    answer = client.get(
        f"/api/staff/stations/{STATION}/trends.csv", params=params, headers=operator
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith("\ufeff".encode())
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("站点代码,站点,范围,月份,受理量,响应率,响应率分子,响应率分母,办结率")
    assert lines[1:] == [
        f"{STATION},新凤社区老杨群工室,含下级,合计,11,80.0%,8,10,70.0%,7,10,60.0%,6,10,66.7%,4,6",
        f"{STATION},新凤社区老杨群工室,含下级,2026-06,1,100.0%,1,1,0.0%,0,1,0.0%,0,1,,0,0",
        f"{STATION},新凤社区老杨群工室,含下级,2026-07,10,77.8%,7,9,77.8%,7,9,66.7%,6,9,66.7%,4,6",
        f"{STATION},新凤社区老杨群工室,含下级,2026-08,0,,0,0,,0,0,,0,0,,0,0",
    ]
    days = client.get(
        f"/api/staff/stations/{STATION}/trends.csv",
        params={**params, "table": "days"},
        headers=operator,
    ).content.decode("utf-8-sig")
    assert days.splitlines()[:3] == ["日期,受理量", "2026-06-30,1", "2026-07-06,2"]
    hours = client.get(
        f"/api/staff/stations/{STATION}/trends.csv",
        params={**params, "table": "hours"},
        headers=operator,
    ).content.decode("utf-8-sig")
    assert hours.splitlines()[10] == "09:00-09:59,10"
