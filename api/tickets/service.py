"""Filing and reading tickets: the only place tickets are created.

Creating a ticket and dispatching it commit in one transaction, and a report
carrying an idempotency key that was seen before returns the ticket it made,
so a retried call never files twice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_NAMES
from api.dispatch.service import DispatchDecision, DispatchReason, DispatchRequest, choose_station
from api.privacy import mask_phone
from api.stations.models import Station
from api.tickets.deadlines import contact_deadline, resolve_deadline
from api.tickets.duplicates import find_original, link_duplicate, place_key
from api.tickets.events import new_event
from api.tickets.lifecycle import rate
from api.tickets.models import RESIDENT_ACTOR as RESIDENT_ACTOR  # re-exported for callers
from api.tickets.models import (
    STATUS_NAMES,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from api.tickets.models import SYSTEM_ACTOR as SYSTEM_ACTOR
from api.tickets.numbers import next_ticket_number
from api.tickets.schemas import NewReport, TicketStatusView, TimelineEntry


@dataclass(frozen=True)
class FiledTicket:
    """A ticket and the station it went to."""

    ticket: Ticket
    station: Station
    created: bool


class TicketNotFoundError(LookupError):
    """No ticket with that number (or not one the caller may see)."""


def file_report(
    session: Session,
    report: NewReport,
    *,
    tz: ZoneInfo,
    default_district_code: str,
    now: datetime | None = None,
) -> FiledTicket:
    """Create the ticket, dispatch it and log both, all in one commit."""
    existing = _by_idempotency_key(session, report.idempotency_key)
    if existing is not None:
        found = FiledTicket(existing, station_of(session, existing), created=False)
        session.commit()  # end the read transaction (on SQLite it holds the write lock)
        return found
    created_at = (now or datetime.now(tz)).astimezone(tz)
    original = find_original(
        session,
        service_code=report.service_code,
        lat=report.lat,
        lon=report.lon,
        location_text=report.location_text,
        at=created_at,
    )
    decision = _dispatch(session, report, original, default_district_code)
    ticket = _new_ticket(session, report, decision, created_at, tz)
    if original is not None:
        link_duplicate(session, ticket, original, now=created_at)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _by_idempotency_key(session, report.idempotency_key)
        if existing is None:
            raise
        return FiledTicket(existing, station_of(session, existing), created=False)
    return FiledTicket(ticket, decision.station, created=True)


def report_filer(
    tz: ZoneInfo,
    default_district_code: str,
    clock: Callable[[ZoneInfo], datetime] = datetime.now,
) -> Callable[[Session, NewReport], FiledTicket]:
    """`file_report` bound to the district's time zone, fallback centre and clock."""

    def file(session: Session, report: NewReport) -> FiledTicket:
        return file_report(
            session, report, tz=tz, default_district_code=default_district_code, now=clock(tz)
        )

    return file


def _dispatch(
    session: Session, report: NewReport, original: Ticket | None, default_district_code: str
) -> DispatchDecision:
    """A duplicate goes where its original is, so one station sees both; else normal dispatch."""
    if original is not None:
        station = station_of(session, original)
        if station.handles(report.service_code):
            return DispatchDecision(station, DispatchReason.DUPLICATE)
    return choose_station(
        session,
        DispatchRequest(
            service_code=report.service_code,
            community_code=report.community_code,
            town_code=report.town_code,
            lat=report.lat,
            lon=report.lon,
        ),
        default_district_code,
    )


def _new_ticket(
    session: Session,
    report: NewReport,
    decision: DispatchDecision,
    created_at: datetime,
    tz: ZoneInfo,
) -> Ticket:
    ticket = Ticket(
        number=next_ticket_number(session, created_at),
        service_code=report.service_code,
        description=report.description,
        emergency=report.emergency,
        emergency_kind=report.emergency_kind,
        location_text=report.location_text,
        place_key=place_key(report.location_text),
        lat=report.lat,
        lon=report.lon,
        station_code=decision.station.code,
        dispatch_reason=decision.reason.value,
        dispatch_note=decision.explanation,
        dispatch_distance_km=decision.distance_km,
        contact_phone=report.contact_phone,
        sender_id=report.sender_id,
        idempotency_key=report.idempotency_key,
        status=TicketStatus.DISPATCHED,
        created_at=created_at,
        contact_due_at=contact_deadline(created_at, report.service_code, report.emergency, tz),
        resolve_due_at=resolve_deadline(created_at, report.service_code, report.emergency, tz),
        escalation_level=0,
        return_count=0,
    )
    session.add(ticket)
    # The events hang on the ticket, so the filing flushes once, at commit: one flush
    # (and one outbox look-up) instead of one per step.
    created = new_event(
        EventKind.CREATED,
        actor=RESIDENT_ACTOR,
        now=created_at,
        note="紧急工单" if report.emergency else None,
        data={"service_code": report.service_code, "emergency": report.emergency},
    )
    dispatched = new_event(
        EventKind.DISPATCHED,
        actor=SYSTEM_ACTOR,
        now=created_at,
        status=TicketStatus.DISPATCHED,
        note=decision.explanation,
        data={
            "station_code": decision.station.code,
            "reason": decision.reason.value,
            "distance_km": decision.distance_km,
        },
    )
    for event in (created, dispatched):
        event.ticket = ticket
    session.add_all([created, dispatched])
    return ticket


def _by_idempotency_key(session: Session, key: str | None) -> Ticket | None:
    if not key:
        return None
    return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()


def station_of(session: Session, ticket: Ticket) -> Station:
    """The station holding a ticket."""
    station = session.get(Station, ticket.station_code)
    if station is None:  # the foreign key makes this unreachable
        raise LookupError(f"station {ticket.station_code} missing")
    return station


def get_ticket(session: Session, number: str) -> Ticket:
    """A ticket by its number, or TicketNotFoundError."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number.upper())).first()
    if ticket is None:
        raise TicketNotFoundError(number)
    return ticket


def tickets_of_sender(session: Session, sender_id: str, limit: int = 5) -> list[Ticket]:
    """A resident's latest tickets, newest first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.sender_id == sender_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
    )


def record_rating(
    session: Session, ticket: Ticket, stars: int, comment: str | None, now: datetime
) -> None:
    """A resident's 1–5 stars from the chat (flushed; the caller commits).

    On a resolved ticket this is the lifecycle's rating, which closes it; on
    any other the rating is only recorded, as the resident's opinion so far.
    """
    if ticket.status == TicketStatus.RESOLVED:
        rate(session, ticket, now=now, stars=stars, comment=comment)
        session.flush()
        return
    if not 1 <= stars <= 5:
        raise ValueError("stars must be between 1 and 5")
    rating = new_event(
        EventKind.RATED, actor=RESIDENT_ACTOR, now=now, note=comment, data={"stars": stars}
    )
    rating.ticket_id = ticket.id
    session.add(rating)
    session.flush()


def status_view(session: Session, ticket: Ticket, viewer_sender_id: str | None) -> TicketStatusView:
    """The status of a ticket; its text and masked phone only for the resident who filed it."""
    station = station_of(session, ticket)
    is_filer = bool(viewer_sender_id) and viewer_sender_id == ticket.sender_id
    return TicketStatusView(
        number=ticket.number,
        service_code=ticket.service_code,
        service_name=SERVICE_NAMES[ticket.service_code],
        emergency=ticket.emergency,
        status=ticket.status,
        status_name=STATUS_NAMES.get(ticket.status, ticket.status),
        station_code=station.code,
        station_name=station.display_name,
        created_at=ticket.created_at,
        contact_due_at=ticket.contact_due_at,
        timeline=[
            TimelineEntry(kind=e.kind, status=e.status, note=_public_note(e), at=e.created_at)
            for e in ticket.events
        ],
        description=ticket.description if is_filer else None,
        location_text=ticket.location_text if is_filer else None,
        contact_phone_masked=mask_phone(ticket.contact_phone) if is_filer else None,
    )


def _public_note(event: TicketEvent) -> str | None:
    """Only system notes are public; residents' comments stay private."""
    return event.note if event.actor == SYSTEM_ACTOR else None
