"""A resident's own tickets: the list with timelines, rating a resolved one, asking to reopen.

A resident is known by the widget's sender id and only ever sees tickets filed
under it; the resident's number is masked wherever it appears, and a resident's own notes
are masked whole, while a callback number staff write into a note is shown to call.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_NAMES
from api.privacy import mask_phones_in, note_for_resident
from api.tickets.lifecycle import reopen
from api.tickets.models import STATUS_NAMES, EventKind, Ticket, TicketEvent, TicketStatus
from api.tickets.resident.schemas import ResidentEvent, ResidentTicket
from api.tickets.service import (
    RESIDENT_ACTOR,
    TicketNotFoundError,
    record_rating,
    station_of,
    tickets_of_sender,
)

RESIDENT_TICKET_LIMIT = 20
NOT_SOLVED = "居民反映问题没有解决"


class TicketStateError(ValueError):
    """The ticket is not in a state that allows this (e.g. rating before it is resolved)."""


def resident_ticket(session: Session, sender_id: str, number: str) -> Ticket:
    """The resident's own ticket by number; anyone else's is simply not found."""
    ticket = session.scalars(
        select(Ticket).where(Ticket.number == number.upper(), Ticket.sender_id == sender_id)
    ).first()
    if ticket is None:
        raise TicketNotFoundError(number)
    return ticket


def resident_tickets(session: Session, sender_id: str) -> list[ResidentTicket]:
    """The resident's latest tickets with their timelines, newest first."""
    tickets = tickets_of_sender(session, sender_id, limit=RESIDENT_TICKET_LIMIT)
    return [resident_view(session, ticket) for ticket in tickets]


def resident_view(session: Session, ticket: Ticket) -> ResidentTicket:
    """One ticket as the resident who filed it sees it."""
    since = _since_resolution(ticket)
    ratings = [e for e in since if e.kind == EventKind.RATED]
    return ResidentTicket(
        number=ticket.number,
        category=SERVICE_NAMES[ticket.service_code],
        emergency=ticket.emergency,
        status=ticket.status,
        status_name=STATUS_NAMES.get(ticket.status, ticket.status),
        station_name=station_of(session, ticket).display_name,
        created_at=ticket.created_at,
        contact_due_at=ticket.contact_due_at,
        description=mask_phones_in(ticket.description),
        location_text=ticket.location_text,
        timeline=[
            _event_view(event, ticket.events[i - 1] if i else None, ticket.contact_phone)
            for i, event in enumerate(ticket.events)
        ],
        rating=int(ratings[-1].data["stars"]) if ratings else None,
        awaiting_rating=awaiting_rating(ticket),
        reopen_requested=any(e.kind == EventKind.REOPENED for e in since),
    )


def _event_view(
    event: TicketEvent, previous: TicketEvent | None, resident_phone: str | None
) -> ResidentEvent:
    return ResidentEvent(
        id=event.id,
        kind=event.kind,
        status=event.status,
        status_name=STATUS_NAMES.get(event.status) if event.status else None,
        note=note_for_resident(
            event.note, by_resident=event.actor == RESIDENT_ACTOR, resident_phone=resident_phone
        ),
        at=event.created_at,
        by_resident=_caused_by_resident(event, previous),
    )


def _caused_by_resident(event: TicketEvent, previous: TicketEvent | None) -> bool:
    """The resident's own step, or the closing that their rating caused: not news to them."""
    if event.actor == RESIDENT_ACTOR:
        return True
    return (
        event.kind == EventKind.CLOSED
        and previous is not None
        and previous.kind == EventKind.RATED
        and previous.actor == RESIDENT_ACTOR
    )


def _since_resolution(ticket: Ticket) -> list[TicketEvent]:
    """The events after the latest one that resolved the ticket (none if never resolved)."""
    resolved = [i for i, e in enumerate(ticket.events) if e.status == TicketStatus.RESOLVED]
    return ticket.events[resolved[-1] + 1 :] if resolved else []


def awaiting_rating(ticket: Ticket) -> bool:
    """Resolved, and the resident has neither rated it nor asked to reopen it since."""
    if ticket.status != TicketStatus.RESOLVED:
        return False
    answered = (EventKind.RATED, EventKind.REOPENED)
    return not any(e.kind in answered for e in _since_resolution(ticket))


def rate_resolved(
    session: Session, ticket: Ticket, stars: int, comment: str | None, now: datetime
) -> None:
    """The resident's stars for a resolved ticket, once per resolution."""
    if not awaiting_rating(ticket):
        raise TicketStateError("ticket is not awaiting a rating")
    record_rating(session, ticket, stars, comment or None, now)
    session.expire(ticket)


def reopen_resolved(session: Session, ticket: Ticket, comment: str | None, now: datetime) -> None:
    """没解决: a resolved ticket goes back to its station, once per resolution."""
    if not awaiting_rating(ticket):
        raise TicketStateError("ticket is not awaiting the resident's answer")
    request_reopen(session, ticket, comment or None, now)
    session.expire(ticket)


def request_reopen(session: Session, ticket: Ticket, comment: str | None, now: datetime) -> None:
    """The one place the widget's 没解决 reaches the ticket: the lifecycle's 重办 (flushed)."""
    reopen(session, ticket, actor=RESIDENT_ACTOR, now=now, reason=comment or NOT_SOLVED)
    session.flush()
