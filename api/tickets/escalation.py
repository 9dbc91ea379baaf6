"""督办: running the escalation sweep, and what a supervising station sees below it.

The rule: a ticket not signed by its contact deadline, or not resolved by its
resolve deadline, escalates one level per missed deadline: level 1 names the
holder's parent, level 2 the grandparent, capped at the district centre. Each
(stage, deadline) fires once, so sweeps are idempotent, and fresh deadlines
(reopen, re-dispatch) can fire again. `escalate_overdue` applies it; this module
also runs it in its own transaction, every `SWEEP_SECONDS` in the app and on demand from the CLI
(`laoyang tickets escalate`), and answers "which tickets of the stations
under mine are late or were escalated".
"""

import argparse
import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.dispatch.service import supervisors
from api.sessions import open_database
from api.settings import get_settings
from api.stations.hierarchy import station_subtree
from api.stations.models import Station
from api.tickets.deadlines import district_tz
from api.tickets.models import (
    OPEN_STATUSES,
    SYSTEM_ACTOR,
    UNSIGNED_STATUSES,
    EventKind,
    Ticket,
    TicketEvent,
)
from api.tickets.transitions import iso_utc, lock, record, station_of

# Deadlines are 2 hours at the shortest; five minutes late is soon enough to notice.
SWEEP_SECONDS = 300
logger = logging.getLogger(__name__)


def run_escalation_sweep(factory: sessionmaker[Session], now: datetime) -> list[str]:
    """One sweep, committed; the numbers of the tickets it escalated."""
    with transaction(factory) as session:
        events = escalate_overdue(session, now)
        ids = {event.ticket_id for event in events}
        if not ids:
            return []
        numbers = session.scalars(select(Ticket.number).where(Ticket.id.in_(ids))).all()
    return sorted(numbers)


def escalate_command(_: argparse.Namespace) -> int:
    """`laoyang tickets escalate`: one sweep now, for operators and cron."""
    engine, factory = open_database(get_settings().database_url)
    numbers = run_escalation_sweep(factory, datetime.now(UTC))
    engine.dispose()
    print(f"督办超时工单 {len(numbers)} 件" + (f"：{'、'.join(numbers)}" if numbers else ""))
    return 0


async def run_escalation_loop(
    factory: sessionmaker[Session], seconds: float = SWEEP_SECONDS
) -> None:
    """The app's periodic sweep; it waits one interval first, so a start never races tests."""
    while True:
        await asyncio.sleep(seconds)
        try:
            numbers = await asyncio.to_thread(run_escalation_sweep, factory, datetime.now(UTC))
        except SQLAlchemyError:  # the database is down: try again next time
            logger.exception("escalation sweep failed")
            continue
        if numbers:
            logger.info("escalated %d overdue tickets: %s", len(numbers), ", ".join(numbers))


def overdue_below(session: Session, station_code: str, now: datetime) -> list[Ticket]:
    """Open tickets under a station that are overdue or were escalated; earliest deadline first."""
    below = station_subtree(session, station_code) - {station_code}
    if not below:
        return []
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.station_code.in_(sorted(below)),
                Ticket.status.in_(sorted(OPEN_STATUSES)),
                or_(overdue_clause(now), Ticket.escalation_level > 0),
            )
            .order_by(Ticket.resolve_due_at, Ticket.id)
        )
    )


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Open and past a deadline: not signed by the contact deadline, or not resolved in time."""
    if ticket.status not in OPEN_STATUSES:
        return False
    unsigned_late = ticket.status in UNSIGNED_STATUSES and now > ticket.contact_due_at
    return unsigned_late or now > ticket.resolve_due_at


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """`is_overdue` as SQL, for list queries (…WHERE overdue)."""
    return and_(
        Ticket.status.in_(sorted(OPEN_STATUSES)),
        or_(
            and_(Ticket.status.in_(sorted(UNSIGNED_STATUSES)), Ticket.contact_due_at < now),
            Ticket.resolve_due_at < now,
        ),
    )


def escalate_overdue(session: Session, now: datetime) -> list[TicketEvent]:
    """督办 sweep: one ESCALATED event per missed deadline, never twice for the same one."""
    ids = session.scalars(select(Ticket.id).where(overdue_clause(now)).order_by(Ticket.id)).all()
    events: list[TicketEvent] = []
    for ticket_id in ids:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            lock(session, ticket)
            events.extend(_escalate(session, ticket, now))
    session.flush()
    return events


def _missed_deadlines(ticket: Ticket, now: datetime) -> list[tuple[str, datetime]]:
    """The stages a ticket is late for: ("contact", due) and/or ("resolve", due)."""
    missed: list[tuple[str, datetime]] = []
    if ticket.status in UNSIGNED_STATUSES and now > ticket.contact_due_at:
        missed.append(("contact", ticket.contact_due_at))
    if ticket.status in OPEN_STATUSES and now > ticket.resolve_due_at:
        missed.append(("resolve", ticket.resolve_due_at))
    return missed


def _escalate(session: Session, ticket: Ticket, now: datetime) -> list[TicketEvent]:
    fired = {
        (e.data.get("stage"), e.data.get("due_at"))
        for e in ticket.events
        if e.kind == EventKind.ESCALATED
    }
    events: list[TicketEvent] = []
    for stage, due in _missed_deadlines(ticket, now):
        if (stage, iso_utc(due)) in fired:
            continue
        holder = station_of(session, ticket.station_code)
        ticket.escalation_level = (ticket.escalation_level or 0) + 1
        supervisor = _supervisor(session, holder, ticket.escalation_level)
        ticket.updated_at = now
        events.append(
            record(
                session,
                ticket,
                EventKind.ESCALATED,
                None,
                SYSTEM_ACTOR,
                now,
                _escalation_note(stage, due, holder, supervisor),
                {
                    "stage": stage,
                    "due_at": iso_utc(due),
                    "level": ticket.escalation_level,
                    "station_code": holder.code,
                    "supervisor_code": supervisor.code,
                },
            )
        )
    return events


def _supervisor(session: Session, holder: Station, level: int) -> Station:
    """The station `level` steps above the holder, capped at the top (the holder if none)."""
    chain = supervisors(session, holder)
    if not chain:
        return holder
    return chain[min(level, len(chain)) - 1]


def _escalation_note(stage: str, due: datetime, holder: Station, supervisor: Station) -> str:
    local = due.astimezone(district_tz())
    when = f"{local.month}月{local.day}日 {local:%H:%M}"
    late = (
        f"超过签收时限（{when}）仍未签收"
        if stage == "contact"
        else f"超过办结时限（{when}）仍未办结"
    )
    if supervisor.code == holder.code:
        return f"{holder.display_name}{late}，请中心负责人督办"
    return f"{holder.display_name}{late}，提请{supervisor.display_name}督办"
