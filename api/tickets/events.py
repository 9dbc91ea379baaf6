"""The one way a ticket's log gets an entry.

Rows in ticket_events are never updated. `new_event` builds one without touching
the session, for callers that attach it to a ticket not yet flushed (filing flushes
once, at commit); `log_event` appends it to a ticket's log and flushes, for
transitions whose callers read the event back at once.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.tickets.models import EventKind, Ticket, TicketEvent, TicketStatus


def new_event(
    kind: EventKind,
    *,
    actor: str,
    now: datetime,
    status: TicketStatus | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """An event not yet attached to any ticket or session."""
    return TicketEvent(
        kind=kind.value,
        status=status.value if status is not None else None,
        actor=actor,
        note=note,
        data=data or {},
        created_at=now,
    )


def log_event(session: Session, ticket: Ticket, event: TicketEvent) -> TicketEvent:
    """Append a `new_event` to the ticket's log and flush; the caller commits."""
    ticket.events.append(event)
    session.add(event)
    session.flush()
    return event
