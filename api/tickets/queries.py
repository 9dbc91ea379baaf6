"""Finding staff's tickets: scope, filters and keyset pagination.

Every query here starts from the principal's scope, so a ticket outside it is
indistinguishable from one that does not exist. Pages are keyed on
(created_at, id), newest first: a cursor names the last row seen, so tickets
filed while someone pages never shift, duplicate or skip rows.
"""

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session, lazyload

from api.auth.scope import StaffPrincipal
from api.stations.models import Station
from api.tickets.escalation import overdue_clause
from api.tickets.models import OPEN_STATUSES, Ticket


class InvalidCursorError(ValueError):
    """A cursor that this server did not hand out."""


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts strictly after it."""

    created_at: datetime
    ticket_id: int

    def encode(self) -> str:
        """Opaque to clients: url-safe base64 of `timestamp|id`."""
        raw = f"{self.created_at.astimezone(UTC).isoformat()}|{self.ticket_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The cursor a client sent back, or InvalidCursorError."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, _, ident = raw.partition("|")
            created_at = datetime.fromisoformat(stamp)
            ticket_id = int(ident)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidCursorError(text) from exc
        if created_at.tzinfo is None or ticket_id < 1:
            raise InvalidCursorError(text)
        return cls(created_at, ticket_id)


@dataclass(frozen=True)
class TicketFilter:
    """What staff narrow a list by; None means "any"."""

    states: tuple[str, ...] = ()
    service_code: str | None = None
    overdue: bool | None = None
    emergency: bool | None = None
    escalated: bool | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    # Held by one of these stations (a station and those below it).
    station_codes: frozenset[str] | None = None
    # 督办 list: only tickets that are overdue or escalated and still open.
    needs_attention: bool = False


@dataclass(frozen=True)
class TicketRow:
    """A ticket with the station holding it."""

    ticket: Ticket
    station: Station


@dataclass(frozen=True)
class TicketPage:
    """One page of rows and the cursor of the next one (None on the last page)."""

    rows: list[TicketRow]
    next_cursor: Cursor | None


def scope_clause(principal: StaffPrincipal) -> ColumnElement[bool]:
    """Tickets held by stations the principal may see."""
    if principal.visible_stations is None:
        return true()
    if not principal.visible_stations:
        return false()
    return Ticket.station_code.in_(sorted(principal.visible_stations))


def filter_clauses(filters: TicketFilter, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE conditions for a filter (scope not included)."""
    clauses: list[ColumnElement[bool]] = []
    if filters.states:
        clauses.append(Ticket.status.in_(filters.states))
    if filters.service_code is not None:
        clauses.append(Ticket.service_code == filters.service_code)
    if filters.emergency is not None:
        clauses.append(Ticket.emergency.is_(filters.emergency))
    if filters.escalated is not None:
        escalated = Ticket.escalation_level > 0
        clauses.append(escalated if filters.escalated else ~escalated)
    if filters.overdue is not None:
        overdue = overdue_clause(now)
        clauses.append(overdue if filters.overdue else ~overdue)
    if filters.created_from is not None:
        clauses.append(Ticket.created_at >= filters.created_from)
    if filters.created_before is not None:
        clauses.append(Ticket.created_at < filters.created_before)
    if filters.station_codes is not None:
        clauses.append(Ticket.station_code.in_(sorted(filters.station_codes)))
    if filters.needs_attention:
        clauses.append(Ticket.status.in_(sorted(OPEN_STATUSES)))
        clauses.append(or_(overdue_clause(now), Ticket.escalation_level > 0))
    return clauses


def _after(cursor: Cursor) -> ColumnElement[bool]:
    """Rows strictly older than the cursor in (created_at, id) order."""
    return or_(
        Ticket.created_at < cursor.created_at,
        and_(Ticket.created_at == cursor.created_at, Ticket.id < cursor.ticket_id),
    )


def _listing(
    principal: StaffPrincipal, filters: TicketFilter, now: datetime
) -> Select[Ticket, Station]:
    return (
        select(Ticket, Station)
        .join(Station, Station.code == Ticket.station_code)
        .where(scope_clause(principal), *filter_clauses(filters, now))
        .options(lazyload(Ticket.events))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )


def list_page(
    session: Session,
    principal: StaffPrincipal,
    filters: TicketFilter,
    *,
    now: datetime,
    limit: int,
    after: Cursor | None = None,
) -> TicketPage:
    """Up to `limit` visible tickets, newest first, starting after the cursor."""
    query = _listing(principal, filters, now)
    if after is not None:
        query = query.where(_after(after))
    rows = [
        TicketRow(ticket, station) for ticket, station in session.execute(query.limit(limit + 1))
    ]
    if len(rows) <= limit:
        return TicketPage(rows, None)
    last = rows[limit - 1].ticket
    return TicketPage(rows[:limit], Cursor(last.created_at, last.id))


def iter_rows(
    session: Session,
    principal: StaffPrincipal,
    filters: TicketFilter,
    *,
    now: datetime,
    batch: int = 500,
) -> Iterator[TicketRow]:
    """Every visible ticket matching the filter, fetched page by page (for exports)."""
    cursor: Cursor | None = None
    while True:
        page = list_page(session, principal, filters, now=now, limit=batch, after=cursor)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def find_visible(
    session: Session, principal: StaffPrincipal, number: str, *, for_update: bool = False
) -> Ticket | None:
    """A ticket by number if the principal may see it; None whether absent or out of scope."""
    query = select(Ticket).where(Ticket.number == number.upper(), scope_clause(principal))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def visible_links(
    session: Session, principal: StaffPrincipal, ticket: Ticket
) -> tuple[str | None, list[str]]:
    """The ticket this one duplicates and the ones duplicating it, as far as visible."""
    original = None
    if ticket.duplicate_of_id is not None:
        original = session.scalar(
            select(Ticket.number).where(
                Ticket.id == ticket.duplicate_of_id, scope_clause(principal)
            )
        )
    copies = session.scalars(
        select(Ticket.number)
        .where(Ticket.duplicate_of_id == ticket.id, scope_clause(principal))
        .order_by(Ticket.id)
    )
    return original, list(copies)
