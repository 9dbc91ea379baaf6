"""Duplicate awareness: a second report nearby is linked and goes to the same station."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from api.tickets.duplicates import find_original, is_fine_place
from api.tickets.lifecycle import rate, resolve, sign
from api.tickets.models import OPEN_STATUSES, Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import FiledTicket, file_report
from tests.integration.lifecycle_support import JIA, TZ, YI, ensure_test_stations, fresh

DISTRICT = "500107"


@pytest.fixture(autouse=True)
def stations(session_factory: sessionmaker[Session], registry: Path) -> None:
    ensure_test_stations(session_factory)


def place() -> str:
    return f"测试小区{uuid.uuid4().hex[:6]}号楼"


def file(session: Session, at: datetime, **fields: object) -> FiledTicket:
    values: dict[str, object] = {
        "service_code": "water_leak",
        "description": "楼道水管爆了",
        "sender_id": f"test-{uuid.uuid4().hex[:8]}",
    }
    values.update(fields)
    report = NewReport.model_validate(values)
    return file_report(session, report, tz=TZ, default_district_code=DISTRICT, now=at)


# Each test works on a day of its own, so reports of other tests are never near in time.
def day(n: int) -> datetime:
    return datetime(2026, 4, 1, 9, 0, tzinfo=TZ) + timedelta(days=3 * n)


def test_a_report_near_an_open_one_is_linked_both_ways_and_goes_to_the_same_station(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    first = file(session, day(0), lat=45.0, lon=125.0, location_text=place())
    # 150 m east, an hour later, from a resident of 乙: by itself it would go to
    # 乙's room, but it goes to 甲 with the first report, so one station sees both.
    second = file(
        session,
        day(0) + timedelta(hours=1),
        community_code=YI,
        lat=45.0,
        lon=125.0019,
        location_text=place(),
    )
    assert first.ticket.station_code == JIA
    new, old = fresh(session_factory, second.ticket), fresh(session_factory, first.ticket)
    assert new.duplicate_of_id == old.id
    assert (new.station_code, new.dispatch_reason) == (JIA, "duplicate")
    assert [e.kind for e in new.events] == ["created", "dispatched", "duplicate_linked"]
    assert new.events[-1].data["duplicate_of"] == old.number
    assert old.number in (new.events[-1].note or "")
    assert old.events[-1].kind == "duplicate_linked"
    assert old.events[-1].data["duplicate"] == new.number
    assert old.duplicate_of_id is None


def test_without_coordinates_the_same_place_text_links(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    where = place()
    first = file(session, day(1), community_code=YI, location_text=where)
    second = file(
        session, day(1) + timedelta(hours=5), location_text=f" {where}，", town_code="990100001"
    )
    stored = fresh(session_factory, second.ticket)
    assert stored.duplicate_of_id == first.ticket.id
    assert stored.station_code == YI


def test_reports_gather_on_the_first(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    first = file(session, day(2), lat=45.0, lon=125.0, location_text=place())
    file(session, day(2) + timedelta(hours=1), lat=45.0, lon=125.0005, location_text=place())
    third = file(session, day(2) + timedelta(hours=2), lat=45.0, lon=125.001, location_text=place())
    assert fresh(session_factory, third.ticket).duplicate_of_id == first.ticket.id


@pytest.mark.parametrize(
    ("n", "case", "second"),
    [
        (3, "400 m away", {"lat": 45.0, "lon": 125.0051}),
        (4, "another kind of problem", {"lat": 45.0, "lon": 125.0, "service_code": "gas"}),
        (5, "more than 48 hours later", {"lat": 45.0, "lon": 125.0, "hours": 49}),
        (6, "different place text, no coordinates", {}),
    ],
)
def test_not_linked(
    session: Session,
    session_factory: sessionmaker[Session],
    n: int,
    case: str,
    second: dict[str, object],
) -> None:
    fields = dict(second)
    hours = fields.pop("hours", 1)
    assert isinstance(hours, int)
    first: dict[str, object] = {"location_text": place()}
    if "lat" in fields:
        first |= {"lat": 45.0, "lon": 125.0}
    file(session, day(n), **first)
    later = file(session, day(n) + timedelta(hours=hours), location_text=place(), **fields)
    assert fresh(session_factory, later.ticket).duplicate_of_id is None, case


@pytest.mark.parametrize("state", ["resolved", "closed"])
def test_a_finished_ticket_is_not_an_original(
    session: Session, session_factory: sessionmaker[Session], state: str
) -> None:
    at = day(8 if state == "resolved" else 9)
    first = file(session, at, lat=45.0, lon=125.0, location_text=place())
    sign(session, first.ticket, actor="staff:jia", now=at + timedelta(minutes=10))
    resolve(
        session,
        first.ticket,
        actor="staff:jia",
        now=at + timedelta(minutes=20),
        resolution="已修好",
    )
    if state == "closed":
        rate(session, first.ticket, now=at + timedelta(minutes=30), stars=5)
    session.commit()
    again = file(session, at + timedelta(hours=1), lat=45.0, lon=125.0, location_text=place())
    assert fresh(session_factory, again.ticket).duplicate_of_id is None


@pytest.mark.parametrize(
    ("text", "fine"),
    [
        ("天宝路社区", False),
        ("金凤镇", False),
        ("九龙坡区", False),
        ("石坪村", False),
        ("天宝路社区3栋", True),
        ("龙湖花园", True),
        ("测试小区", True),
        ("石坪村5组", True),
    ],
)
def test_only_places_finer_than_a_division_count_as_the_same_spot(text: str, fine: bool) -> None:
    assert is_fine_place(text) is fine


def test_two_reports_naming_only_the_same_community_are_not_linked(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    first = file(session, day(9), community_code=YI, location_text="测试一社区")
    second = file(
        session, day(9) + timedelta(hours=2), community_code=YI, location_text="测试一社区"
    )
    assert fresh(session_factory, second.ticket).duplicate_of_id is None
    assert fresh(session_factory, first.ticket).duplicate_of_id is None


@pytest.mark.parametrize(
    ("n", "first", "second", "linked"),
    [
        # The earlier report gave only the place text; the new one coordinates too.
        (10, {}, {"lat": 45.0, "lon": 125.0}, True),
        # The earlier one had coordinates; the new one only the same place text.
        (11, {"lat": 45.0, "lon": 125.0}, {}, True),
        # Both have coordinates 400 m apart: the same text does not overrule them.
        (12, {"lat": 45.0, "lon": 125.0}, {"lat": 45.0, "lon": 125.0051}, False),
        # 150 m north: inside the radius, whatever the texts say.
        (13, {"lat": 45.0, "lon": 125.0}, {"lat": 45.00135, "lon": 125.0}, True),
    ],
)
def test_coordinates_and_place_text_together(
    session: Session,
    session_factory: sessionmaker[Session],
    n: int,
    first: dict[str, object],
    second: dict[str, object],
    linked: bool,
) -> None:
    where = place()
    earlier = file(session, day(n), location_text=where, **first)
    later = file(session, day(n) + timedelta(hours=1), location_text=where, **second)
    found = fresh(session_factory, later.ticket).duplicate_of_id
    assert found == (earlier.ticket.id if linked else None)


def test_many_open_tickets_elsewhere_do_not_hide_the_original(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Hundreds of open tickets of the code at other spots; the one at this spot is found."""
    start = day(14)
    for i in range(300):
        file(session, start + timedelta(minutes=i), lat=45.1 + i * 0.01, lon=125.0)
    original = file(session, start + timedelta(hours=6), lat=45.0, lon=125.0)
    for i in range(300):
        file(session, start + timedelta(hours=6, minutes=i + 1), location_text=place())
    later = file(session, start + timedelta(hours=12), lat=45.0005, lon=125.0005)
    assert fresh(session_factory, later.ticket).duplicate_of_id == original.ticket.id


def test_the_search_reads_only_the_spot_not_the_whole_window(session: Session) -> None:
    """Each way of being near has an index that reaches the spot directly.

    With (service_code, created_at) alone, SQLite read every ticket of the code in
    the last 48 hours (10,000 with 100,000 open tickets) for each filing. The plan
    must go by the coordinates or the place text instead.
    """
    statements: list[str] = []
    engine = session.get_bind()

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM tickets" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        find_original(
            session, service_code="water_leak", lat=29.5, lon=106.5,
            location_text="天宝路12号3单元", at=day(20),
        )  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2  # the box, and the same text where coordinates are missing
    if engine.dialect.name == "sqlite":
        at = day(20).isoformat()
        for statement in statements:
            raw = session.connection().connection.dbapi_connection
            assert raw is not None
            params = ("water_leak", *sorted(OPEN_STATUSES), at, at, 29.4, 29.6, 106.4, 106.6)
            plan = " ".join(
                str(row)
                for row in raw.execute(
                    "EXPLAIN QUERY PLAN " + statement, params[: statement.count("?")]
                )
            )
            assert "ix_tickets_code_lat_lon" in plan or "ix_tickets_code_place_created" in plan, (
                plan
            )


def test_only_the_original_is_loaded_not_every_candidate_at_the_spot(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Candidates are read as columns: with many open tickets at a spot, one ticket (and
    its event log) is loaded, not all of them."""
    first = file(session, day(30), lat=46.0, lon=126.0)
    for minutes in range(1, 6):
        file(session, day(30) + timedelta(minutes=minutes), lat=46.0, lon=126.0003)
    with session_factory() as reading:
        found = find_original(
            reading, service_code="water_leak", lat=46.0, lon=126.0001,
            location_text=None, at=day(30) + timedelta(hours=1),
        )  # fmt: skip
        assert found is not None and found.id == first.ticket.id
        loaded = [item for item in reading.identity_map.values() if isinstance(item, Ticket)]
        assert [ticket.id for ticket in loaded] == [first.ticket.id]
