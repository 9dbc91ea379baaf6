"""Building blocks of every ticket transition: the refusal staff read, the row lock, the event.

They flush and never commit: the use case at the edge (a route, an action, a CLI
command) commits the change, its events and whatever listeners add together.
"""

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.stations.models import Station
from api.tickets.events import log_event, new_event
from api.tickets.models import (
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)


class IllegalTransitionError(Exception):
    """A move the ticket's state does not allow; `reason` says why, in Chinese, for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# How each state is named in a refusal ("工单已办结，不能再签收").
_STATE_PHRASES: Final[dict[str, str]] = {
    TicketStatus.DISPATCHED: "工单还没签收",
    TicketStatus.REOPENED: "工单重办后还没重新签收",
    TicketStatus.SIGNED: "工单已签收",
    TicketStatus.IN_PROGRESS: "工单正在办理",
    TicketStatus.RESOLVED: "工单已办结",
    TicketStatus.CLOSED: "工单已评价归档",
}


def refuse(ticket: Ticket, what: str) -> IllegalTransitionError:
    phrase = _STATE_PHRASES.get(ticket.status, f"工单状态为{ticket.status}")
    return IllegalTransitionError(f"{phrase}，{what}")


def require_text(text: str | None, reason: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise IllegalTransitionError(reason)
    return cleaned


def lock(session: Session, ticket: Ticket) -> None:
    """Lock the ticket's row for this transaction and re-read it (SQLite: no-op lock)."""
    session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()  # consuming the row is what refreshes the object


def change(
    session: Session,
    ticket: Ticket,
    status: TicketStatus,
    kind: EventKind,
    actor: str,
    now: datetime,
    note: str | None,
    extra: dict[str, Any] | None = None,
) -> TicketEvent:
    """Set the status and log the event that did it."""
    ticket.status = status
    ticket.updated_at = now
    data = {"station_code": ticket.station_code} | (extra or {})
    return record(session, ticket, kind, status, actor, now, note, data)


def record(
    session: Session,
    ticket: Ticket,
    kind: EventKind,
    status: TicketStatus | None,
    actor: str,
    now: datetime,
    note: str | None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """`events.log_event`, in the positional order the transitions here use."""
    event = new_event(kind, actor=actor, now=now, status=status, note=note, data=data)
    return log_event(session, ticket, event)


def station_of(session: Session, code: str) -> Station:
    station = session.get(Station, code)
    if station is None:  # the foreign key makes this unreachable
        raise LookupError(f"station {code} missing")
    return station


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
