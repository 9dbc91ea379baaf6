"""Rasa's tracker store: conversations of residents who have been quiet for the retention period.

A sender's events are deleted once their last event is older than the cutoff
and no ticket of theirs is still open or was active within the period. Rasa
reads a conversation from the store on every message, so a resident who comes
back later simply starts afresh.

The newest row of the table is never deleted: on SQLite a deleted highest id
would be handed out again, and the operators' inbox reads the store by id.
"""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, func, inspect, or_, select
from sqlalchemy.orm import Session

from api.database import is_sqlite, make_engine
from api.rasa.tracker import EVENTS
from api.retention.tickets import activity_after
from api.tickets.models import OPEN_STATUSES, Ticket


def open_tracker(url: str) -> Engine | None:
    """The tracker store, or None when Rasa has not made it (no file, or no events table)."""
    if is_sqlite(url):
        path = url.split("///", 1)[1] if "///" in url else ""
        if not path or not Path(path).is_file():
            return None
    engine = make_engine(url)
    if inspect(engine).has_table(EVENTS.name):
        return engine
    engine.dispose()
    return None


def newest_event_id(conn: Connection) -> int:
    """The highest id in the store (0 when empty)."""
    return int(conn.execute(select(func.max(EVENTS.c.id))).scalar() or 0)


def quiet_senders(conn: Connection, cutoff: datetime, *, after: str, limit: int) -> list[str]:
    """Up to `limit` senders above `after` (in order) whose last event is older than `cutoff`."""
    query = (
        select(EVENTS.c.sender_id)
        .where(EVENTS.c.sender_id > after)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) <= cutoff.timestamp())
        .order_by(EVENTS.c.sender_id)
        .limit(limit)
    )
    return [str(sender) for sender in conn.execute(query).scalars()]


def senders_with_live_tickets(
    session: Session, senders: Sequence[str], cutoff: datetime
) -> set[str]:
    """Those of the senders with a ticket still open, or active since `cutoff`."""
    query = (
        select(Ticket.sender_id)
        .where(
            Ticket.sender_id.in_(senders),
            or_(Ticket.status.in_(sorted(OPEN_STATUSES)), activity_after(cutoff)),
        )
        .distinct()
    )
    return {str(sender) for sender in session.scalars(query)}


def count_events(conn: Connection, senders: Sequence[str], below_id: int) -> dict[str, int]:
    """How many events of each sender lie below `below_id` (senders with none left out)."""
    query = (
        select(EVENTS.c.sender_id, func.count())
        .where(EVENTS.c.sender_id.in_(senders), EVENTS.c.id < below_id)
        .group_by(EVENTS.c.sender_id)
    )
    return {str(sender): int(count) for sender, count in conn.execute(query).all()}


def delete_events(conn: Connection, senders: Sequence[str], below_id: int, cutoff: datetime) -> int:
    """Delete the senders' events below `below_id`, unless a sender spoke again meanwhile."""
    spoke_again = select(EVENTS.c.sender_id).where(
        EVENTS.c.sender_id.in_(senders), EVENTS.c.timestamp > cutoff.timestamp()
    )
    statement = delete(EVENTS).where(
        EVENTS.c.sender_id.in_(senders),
        EVENTS.c.id < below_id,
        EVENTS.c.sender_id.not_in(spoke_again),
    )
    return int(conn.execute(statement).rowcount)
