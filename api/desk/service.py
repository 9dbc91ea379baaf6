"""`TicketDesk` over the database: each call one use case, committed before it returns."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.conversations.service import record_handoff
from api.database import failure_reason
from api.desk.types import DeskUnavailableError, FiledReport, Gazetteer, NewReport, TicketView
from api.dispatch.service import NoStationError, nearest_station
from api.privacy import mask_phones_in
from api.settings import Settings
from api.stations.gazetteer import registry_gazetteer
from api.stations.registry_view import registry_view
from api.tickets.deadlines import describe_contact_deadline
from api.tickets.models import STATUS_NAMES, UNSIGNED_STATUSES, Ticket, TicketStatus
from api.tickets.resident.service import awaiting_rating, request_reopen
from api.tickets.service import (
    FiledTicket,
    TicketNotFoundError,
    get_ticket,
    record_rating,
    report_filer,
    station_of,
    tickets_of_sender,
)
from api.tickets.spool import spool_report

logger = logging.getLogger(__name__)
Clock = Callable[[ZoneInfo], datetime]


class SqlTicketDesk:
    """The ticket service as the conversation layer sees it (see `api.desk.port`)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        clock: Clock = datetime.now,
    ) -> None:
        self._factory = session_factory
        self._tz = ZoneInfo(settings.timezone)
        self._spool_dir = settings.spool_dir
        self._clock = clock
        self._file = report_filer(self._tz, settings.default_district_code, clock)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session for one call; a database failure becomes `DeskUnavailableError`."""
        try:
            with self._factory() as session:
                yield session
        except SQLAlchemyError as exc:
            raise DeskUnavailableError(failure_reason(exc)) from exc

    def places(self) -> Gazetteer:
        """The registry's place names (as last read while the database is down)."""
        with registry_view(self._factory, registry_gazetteer) as view:
            return view.gazetteer

    def station_near(
        self, lat: float, lon: float, service_code: str, within_km: float
    ) -> str | None:
        """The nearest station's short name within `within_km`; None if none or no database."""
        try:
            with self._session() as session:
                found = nearest_station(session, lat, lon, service_code)
                if found is None or found[1] > within_km:
                    return None
                return found[0].short_name
        except DeskUnavailableError as exc:
            logger.warning("no nearby station named; the database: %s", exc)
            return None

    def file_report(self, report: NewReport) -> FiledReport | None:
        """File and dispatch; on a database failure spool the report and answer None."""
        try:
            with self._factory() as session:
                return self._filed(self._file(session, report))
        except (SQLAlchemyError, NoStationError) as exc:
            logger.error("report of %s spooled: %s", report.sender_id, failure_reason(exc))
            spool_report(self._spool_dir, report)
            return None

    def _filed(self, filed: FiledTicket) -> FiledReport:
        ticket = filed.ticket
        local_due = ticket.contact_due_at.astimezone(self._tz)
        logger.info(
            "filed %s for %s: %s",
            ticket.number,
            ticket.sender_id,
            mask_phones_in(ticket.description[:80]),
        )
        return FiledReport(
            number=ticket.number,
            service_code=ticket.service_code,
            emergency=ticket.emergency,
            emergency_kind=ticket.emergency_kind,
            station_name=filed.station.display_name,
            has_phone=bool(ticket.contact_phone),
            contact_by=describe_contact_deadline(ticket.service_code, ticket.emergency, local_due),
        )

    def recent_tickets(self, sender_id: str, limit: int) -> list[TicketView]:
        """The resident's latest tickets, newest first."""
        with self._session() as session:
            mine = tickets_of_sender(session, sender_id, limit=limit)
            return [self._view(session, ticket) for ticket in mine]

    def ticket_of(self, sender_id: str, number: str) -> TicketView | None:
        """The resident's own ticket with this number, else None."""
        with self._session() as session:
            ticket = self._own(session, sender_id, number)
            return None if ticket is None else self._view(session, ticket)

    def reopen(self, sender_id: str, number: str, reason: str) -> None:
        """重办 of the resident's resolved ticket; nothing happens to anyone else's."""
        with self._session() as session:
            ticket = self._own(session, sender_id, number)
            if ticket is not None:
                request_reopen(session, ticket, reason, self._clock(self._tz))
                session.commit()

    def rate(self, sender_id: str, number: str, stars: int, comment: str) -> None:
        """The resident's stars for their own ticket."""
        with self._session() as session:
            ticket = self._own(session, sender_id, number)
            if ticket is not None:
                record_rating(session, ticket, stars, comment, self._clock(self._tz))
                session.commit()

    def hand_off(
        self, sender_id: str, last_message: str, problem: str | None, phone: str | None
    ) -> None:
        """Record the resident's request for a person."""
        with self._session() as session:
            record_handoff(
                session,
                sender_id=sender_id,
                last_message=last_message,
                problem=problem,
                contact_phone=phone,
            )
            session.commit()

    @staticmethod
    def _own(session: Session, sender_id: str, number: str) -> Ticket | None:
        try:
            ticket = get_ticket(session, number)
        except TicketNotFoundError:
            return None
        return ticket if ticket.sender_id == sender_id else None

    def _view(self, session: Session, ticket: Ticket) -> TicketView:
        return TicketView(
            number=ticket.number,
            service_code=ticket.service_code,
            status_name=STATUS_NAMES.get(ticket.status, ticket.status),
            station_name=station_of(session, ticket).display_name,
            contact_due_at=ticket.contact_due_at.astimezone(self._tz),
            awaiting_contact=ticket.status in UNSIGNED_STATUSES,
            resolved=ticket.status == TicketStatus.RESOLVED,
            awaiting_rating=awaiting_rating(ticket),
        )
