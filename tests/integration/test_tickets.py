"""Filing tickets: numbers, dispatch, contact deadlines, idempotency and the event log."""

import re
import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.tickets.models import Ticket, TicketEvent
from api.tickets.schemas import NewReport
from api.tickets.service import FiledTicket, file_report, get_ticket, status_view

TZ = ZoneInfo("Asia/Shanghai")
DISTRICT = "500107"
TIANBAOLU = "500107001011"
NUMBER = re.compile(r"^LY-(\d{8})-(\d{4})$")


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def report(**fields: object) -> NewReport:
    values: dict[str, object] = {
        "service_code": "water_leak",
        "description": "楼上漏水到我家天花板了",
        "community_code": TIANBAOLU,
        "location_text": "天宝路社区3栋2单元",
        "contact_phone": "13812345678",
        "sender_id": sender(),
    }
    values.update(fields)
    return NewReport.model_validate(values)


def file(session: Session, new: NewReport, now: datetime) -> FiledTicket:
    return file_report(session, new, tz=TZ, default_district_code=DISTRICT, now=now)


def own_place() -> str:
    """A place no other test reports at, so the report is not linked as a duplicate."""
    return f"天宝路社区3栋2单元（{uuid.uuid4().hex[:6]}）"


def reload(session_factory: sessionmaker[Session], number: str) -> Ticket:
    with session_factory() as fresh:
        ticket = get_ticket(fresh, number)
        ticket.events  # noqa: B018 - load the events before the session closes
        return ticket


@pytest.mark.usefixtures("registry")
def test_a_report_becomes_a_dispatched_ticket(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    now = datetime(2026, 11, 23, 10, 15, tzinfo=TZ)
    new = report(location_text=own_place())
    filed = file(session, new, now)
    assert filed.created
    assert filed.station.code == TIANBAOLU

    ticket = reload(session_factory, filed.ticket.number)
    assert NUMBER.match(ticket.number)
    assert ticket.number.startswith("LY-20261123-")
    assert ticket.status == "dispatched"
    assert ticket.station_code == TIANBAOLU
    assert ticket.dispatch_reason == "community"
    assert ticket.sender_id == new.sender_id
    assert ticket.contact_phone == "13812345678"
    assert ticket.created_at == now
    assert [(e.kind, e.status, e.actor) for e in ticket.events] == [
        ("created", None, "resident"),
        ("dispatched", "dispatched", "system"),
    ]
    assert ticket.events[0].data == {"service_code": "water_leak", "emergency": False}
    assert ticket.events[1].data == {
        "station_code": TIANBAOLU,
        "reason": "community",
        "distance_km": None,
    }


@pytest.mark.usefixtures("registry")
def test_a_located_report_records_the_distance(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(community_code=None, lat=29.3352, lon=106.3622, service_code="gas")
    filed = file(session, new, datetime(2026, 11, 23, 11, 0, tzinfo=TZ))
    ticket = reload(session_factory, filed.ticket.number)
    assert ticket.dispatch_reason == "nearest"
    assert ticket.station_code == "500107111205"
    assert ticket.dispatch_distance_km == pytest.approx(0.022, abs=0.005)
    dispatched = ticket.events[1].data
    assert dispatched["reason"] == "nearest"
    assert dispatched["distance_km"] == pytest.approx(ticket.dispatch_distance_km)
    assert "公里" in (ticket.events[1].note or "")


def test_the_number_uses_the_local_date(session: Session) -> None:
    # 23:30 UTC on the 23rd is 07:30 on the 24th in Chongqing.
    late_utc = datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("UTC"))
    filed = file(session, report(), late_utc)
    assert filed.ticket.number.startswith("LY-20261124-")


@pytest.mark.parametrize(
    ("fields", "now", "due"),
    [
        (
            {"service_code": "other", "emergency": True, "emergency_kind": "fire"},
            datetime(2026, 11, 27, 16, 0, tzinfo=TZ),
            datetime(2026, 11, 27, 18, 0, tzinfo=TZ),
        ),
        (
            {"service_code": "power_outage"},
            datetime(2026, 11, 27, 16, 0, tzinfo=TZ),
            datetime(2026, 11, 28, 16, 0, tzinfo=TZ),
        ),
        (  # Friday -> Tuesday: the weekend does not count
            {"service_code": "dispute"},
            datetime(2026, 11, 27, 16, 0, tzinfo=TZ),
            datetime(2026, 12, 1, 16, 0, tzinfo=TZ),
        ),
        (  # Monday -> Wednesday
            {"service_code": "environment"},
            datetime(2026, 11, 23, 9, 30, tzinfo=TZ),
            datetime(2026, 11, 25, 9, 30, tzinfo=TZ),
        ),
        (  # early Saturday in Chongqing (still Friday in UTC) -> Tuesday
            {"service_code": "dispute"},
            datetime(2026, 11, 28, 6, 0, tzinfo=TZ),
            datetime(2026, 12, 1, 6, 0, tzinfo=TZ),
        ),
    ],
)
def test_contact_is_due_per_the_networks_promise(
    session: Session,
    session_factory: sessionmaker[Session],
    fields: dict[str, object],
    now: datetime,
    due: datetime,
) -> None:
    filed = file(session, report(**fields), now)
    ticket = reload(session_factory, filed.ticket.number)
    assert ticket.contact_due_at == due


def test_the_same_report_retried_files_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(idempotency_key=f"{uuid.uuid4().hex}:msg-1")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    first = file(session, new, now)
    again = file(session, new, now + timedelta(seconds=5))
    assert first.created and not again.created
    assert again.ticket.number == first.ticket.number
    assert again.station.code == first.station.code
    number = first.ticket.number
    session.rollback()  # end the read that found the first ticket
    with session_factory() as fresh:
        mine = fresh.scalars(select(Ticket).where(Ticket.sender_id == new.sender_id)).all()
    assert [t.number for t in mine] == [number]


def test_a_retry_from_another_connection_finds_the_first_ticket(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(idempotency_key=f"{uuid.uuid4().hex}:msg-1")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    first = file(session, new, now)
    with session_factory() as other:
        again = file(other, new, now)
    assert not again.created
    assert again.ticket.number == first.ticket.number


@pytest.mark.usefixtures("registry")
def test_numbers_stay_unique_and_consecutive_under_concurrent_filing(
    session_factory: sessionmaker[Session],
) -> None:
    # A day of its own, so no other test takes numbers from it.
    day = datetime(2031, 5, 6, 9, 0, tzinfo=TZ)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def resident(worker: int) -> None:
        try:
            start.wait()
            for i in range(5):
                with session_factory() as own:
                    filed = file(
                        own, report(idempotency_key=f"{uuid.uuid4().hex}:{worker}:{i}"), day
                    )
                with lock:
                    numbers.append(filed.ticket.number)
        except BaseException as exc:  # reported below, with the failing thread's error
            errors.append(exc)

    threads = [threading.Thread(target=resident, args=(w,)) for w in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(numbers) == 100
    assert len(set(numbers)) == 100
    assert all(n.startswith("LY-20310506-") for n in numbers)
    sequence = sorted(int(NUMBER.match(n).group(2)) for n in numbers)  # type: ignore[union-attr]
    assert sequence == list(range(sequence[0], sequence[0] + 100))
    with session_factory() as fresh:
        stored = fresh.scalars(select(Ticket.number).where(Ticket.number.in_(numbers))).all()
    assert sorted(stored) == sorted(numbers)


def test_the_event_log_cannot_be_edited_or_deleted(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(location_text=own_place())
    filed = file(session, new, datetime(2026, 11, 23, 13, 0, tzinfo=TZ))
    ticket_id = filed.ticket.id
    with session_factory() as other:
        with pytest.raises(DBAPIError, match="append-only"):
            other.execute(
                update(TicketEvent).where(TicketEvent.ticket_id == ticket_id).values(note="改过")
            )
        other.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            other.execute(delete(TicketEvent).where(TicketEvent.ticket_id == ticket_id))
        other.rollback()
        notes = other.scalars(
            select(TicketEvent.note).where(TicketEvent.ticket_id == ticket_id)
        ).all()
    assert len(notes) == 2
    assert "改过" not in notes


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_code": "flood"}, "service_code"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "023-68881234"}, "contact_phone"),
        ({"contact_phone": "电话13812345678"}, "contact_phone"),
        ({"description": ""}, "description"),
        ({"lat": 91.0}, "lat"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_new_report_refuses_bad_fields(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        report(**fields)
    assert field in {str(error["loc"][0]) for error in raised.value.errors()}


def test_new_report_accepts_a_spaced_phone() -> None:
    assert report(contact_phone="138 1234 5678").contact_phone == "138 1234 5678"


def test_status_view_shows_private_details_only_to_the_filer(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(location_text=own_place())
    filed = file(session, new, datetime(2026, 11, 23, 14, 0, tzinfo=TZ))
    with session_factory() as fresh:
        ticket = get_ticket(fresh, filed.ticket.number.lower())
        public = status_view(fresh, ticket, None)
        stranger = status_view(fresh, ticket, "someone-else")
        filer = status_view(fresh, ticket, new.sender_id)

    for view in (public, stranger):
        assert view.description is None
        assert view.location_text is None
        assert view.contact_phone_masked is None
        dumped = view.model_dump_json()
        assert "天花板" not in dumped and "3栋" not in dumped and "5678" not in dumped
        assert view.status == "dispatched"
        assert view.status_name == "已派单，等待工作站签收"
        assert view.station_code == TIANBAOLU
        assert view.service_name == "漏水渗水"
        assert [entry.kind for entry in view.timeline] == ["created", "dispatched"]

    assert filer.description == "楼上漏水到我家天花板了"
    assert filer.location_text == new.location_text
    assert filer.contact_phone_masked == "138****5678"
    assert "13812345678" not in filer.model_dump_json()


def test_status_view_with_an_empty_sender_is_not_the_filer_of_an_anonymous_ticket(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    filed = file(session, report(sender_id=None), datetime(2026, 11, 23, 15, 0, tzinfo=TZ))
    with session_factory() as fresh:
        ticket = get_ticket(fresh, filed.ticket.number)
        for viewer in (None, ""):
            view = status_view(fresh, ticket, viewer)
            assert view.description is None and view.contact_phone_masked is None


def test_invisible_control_characters_are_dropped_not_the_report(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    new = report(description="楼上\x00漏水\x07了\n很急", location_text=own_place() + "\x00")
    filed = file(session, new, datetime.now(TZ))
    stored = reload(session_factory, filed.ticket.number)
    assert stored.description == "楼上漏水了\n很急"
    assert stored.location_text is not None and "\x00" not in stored.location_text
