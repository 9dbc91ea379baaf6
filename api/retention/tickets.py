"""Tickets past the retention period: the resident's personal data goes, the figures stay.

A ticket is due once it is no longer open (resolved or closed) and nothing has
happened to it for the retention period. Removed: the resident's words (the
description), their place text and its duplicate key, their phone, the sender
id that ties the ticket to their browser and conversation, and the idempotency
key built from them; coordinates are cut to about a kilometre. In the event log
residents' notes (rating comments, 没解决 reasons) go, and so does every staff
text naming a phone, ID or house number (a note, or the earlier resolution a
重办 keeps): the database lets the sweep remove these, never rewrite them. The
ticket's resolution and the review inbox's note are masked.

Kept: the row, number, code, emergency flag and kind, station, dispatch reason,
statuses, every timestamp, ratings, system notes, and the event log's kinds,
actors, times and the rest of its data, so the figures replayed from it do not move.

`personal_data_removed_at` marks a swept ticket; one that staff reopen later is
due again once it has been quiet for the period again. These functions only
flush; the sweep commits.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import Exists, exists, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from api.open311.records import is_open311
from api.privacy import redact
from api.retention import REMOVED_TEXT
from api.tickets.models import (
    OPEN_STATUSES,
    RESIDENT_ACTOR,
    SYSTEM_ACTOR,
    EventKind,
    Ticket,
    TicketEvent,
)
from api.training.models import ReviewItem

COORDINATE_DECIMALS: Final = 2  # about a kilometre: the area stays, the door does not
# Staff text in a 重办 event's data; the one key the event log lets the sweep remove.
_REPLACED_RESOLUTION: Final = "previous_resolution"


def activity_after(moment: datetime | QueryableAttribute[datetime | None]) -> Exists:
    """Whether something happened to the ticket (of the enclosing query) after `moment`."""
    return exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.created_at > moment)


def due_tickets(session: Session, cutoff: datetime, *, after_id: int, limit: int) -> list[Ticket]:
    """Up to `limit` due tickets with ids above `after_id`, in id order."""
    query = (
        select(Ticket)
        .where(
            Ticket.id > after_id,
            Ticket.status.not_in(sorted(OPEN_STATUSES)),
            ~activity_after(cutoff),
            or_(
                Ticket.personal_data_removed_at.is_(None),
                activity_after(Ticket.personal_data_removed_at),
            ),
        )
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def remove_personal_data(session: Session, tickets: Sequence[Ticket], now: datetime) -> None:
    """Strip the tickets of their residents' personal data (see the module docstring)."""
    for ticket in tickets:
        ticket.description = REMOVED_TEXT
        ticket.location_text = None
        ticket.place_key = None
        ticket.contact_phone = None
        ticket.sender_id = None
        if not is_open311(ticket):  # an Open311 key is a random token that marks the channel
            ticket.idempotency_key = None
        ticket.lat = _coarse(ticket.lat)
        ticket.lon = _coarse(ticket.lon)
        if ticket.resolution:
            ticket.resolution = redact(ticket.resolution)
        for event in ticket.events:
            _strip_event(event)
        ticket.personal_data_removed_at = now
    numbers = [ticket.number for ticket in tickets]
    items = select(ReviewItem).where(ReviewItem.ticket_number.in_(numbers))
    for item in session.scalars(items) if numbers else []:
        if item.context_note:
            item.context_note = redact(item.context_note)
    session.flush()


def _coarse(degrees: float | None) -> float | None:
    return None if degrees is None else round(degrees, COORDINATE_DECIMALS)


def _strip_event(event: TicketEvent) -> None:
    replaced = (event.data or {}).get(_REPLACED_RESOLUTION)
    if isinstance(replaced, str) and _names_someone(replaced):
        event.data = {k: v for k, v in event.data.items() if k != _REPLACED_RESOLUTION}
    if not event.note or event.actor == SYSTEM_ACTOR:
        return
    if event.actor == RESIDENT_ACTOR:
        # The filing's own note is the app's label (紧急工单), not the resident's words.
        if event.kind != EventKind.CREATED:
            event.note = None
    elif _names_someone(event.note):
        event.note = None


def _names_someone(text: str) -> bool:
    """Whether staff text holds a phone, ID or house number (what masking would change)."""
    return redact(text) != text
