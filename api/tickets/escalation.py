"""督办: running the escalation sweep, and what a supervising station sees below it.

The rule itself (which deadline, which level, once per stage) lives in
`api.tickets.lifecycle.escalate_overdue`; this module runs it in its own
transaction, every `SWEEP_SECONDS` in the app and on demand from the CLI
(`laoyang tickets escalate`), and answers "which tickets of the stations
under mine are late or were escalated".
"""

import argparse
import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.sessions import open_database
from api.settings import get_settings
from api.stations.hierarchy import station_subtree
from api.tickets.lifecycle import OPEN_STATUSES, escalate_overdue, overdue_clause
from api.tickets.models import Ticket

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
