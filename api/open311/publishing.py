"""Open311 publishing: finding requests and turning tickets into what the public may read."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue import EMERGENCY_KINDS, SERVICE_NAMES
from api.open311.records import (
    CLOSED_STATUSES,
    KEY_PREFIX,
    MEDIA_LABEL,
    PRIVATE_MARKER,
    is_open311,
    open311_status,
)
from api.open311.schemas import ServiceRequest
from api.privacy import hide_contacts
from api.stations.models import Station
from api.tickets.deadlines import describe_contact_deadline
from api.tickets.models import STATUS_NAMES, EventKind, Ticket
from api.tickets.service import SYSTEM_ACTOR

MAX_RESULTS: Final = 1000
# What make_token hands out: 32 lower-case hex digits.
TOKEN = re.compile(r"[0-9a-f]{32}")
# Events whose notes only repeat what the other fields already say.
_ROUTINE_EVENTS: Final = frozenset({EventKind.CREATED.value, EventKind.DISPATCHED.value})

# --- publishing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    """GET requests filters, already validated."""

    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None


def find_requests(session: Session, query: RequestQuery) -> list[Ticket]:
    """Tickets matching the filters, newest first, at most 1000; ids override the rest."""
    statement = select(Ticket)
    if query.ids:
        statement = statement.where(Ticket.number.in_(list(query.ids)))
    else:
        if query.service_codes:
            statement = statement.where(Ticket.service_code.in_(list(query.service_codes)))
        wanted = set(query.statuses)
        if wanted == {"open"}:
            statement = statement.where(Ticket.status.not_in(list(CLOSED_STATUSES)))
        elif wanted == {"closed"}:
            statement = statement.where(Ticket.status.in_(list(CLOSED_STATUSES)))
        if query.start is not None:
            statement = statement.where(Ticket.created_at >= query.start)
        if query.end is not None:
            statement = statement.where(Ticket.created_at <= query.end)
    statement = statement.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)
    return list(session.scalars(statement))


def find_by_token(session: Session, token: str) -> Ticket | None:
    """The ticket a POST's token stands for, once it is filed (None for what no POST gave)."""
    if not TOKEN.fullmatch(token):
        return None
    return session.scalars(
        select(Ticket).where(Ticket.idempotency_key == KEY_PREFIX + token)
    ).first()


def stations_for(session: Session, tickets: Sequence[Ticket]) -> dict[str, Station]:
    """The stations holding these tickets, in one query."""
    codes = {ticket.station_code for ticket in tickets}
    if not codes:
        return {}
    return {s.code: s for s in session.scalars(select(Station).where(Station.code.in_(codes)))}


def w3c(moment: datetime, tz: ZoneInfo) -> str:
    """2026-11-23T09:00:00+08:00."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def service_notice(ticket: Ticket, station: Station, tz: ZoneInfo) -> str:
    """What will happen, in the resident's words; the hotline first for emergencies."""
    due = ticket.contact_due_at.astimezone(tz)
    promise = describe_contact_deadline(ticket.service_code, ticket.emergency, due, tz)
    notice = f"由{station.display_name}办理，工作人员将在{promise}联系报告人。"
    kind = EMERGENCY_KINDS.get(ticket.emergency_kind or "")
    if kind is not None:
        notice = f"现场如仍有危险，请立即拨打{kind.hotline}。{notice}"
    return notice


def _status_notes(ticket: Ticket) -> str:
    """The state in words, with the latest public (system) note when there is one."""
    notes = STATUS_NAMES.get(ticket.status, ticket.status)
    for event in reversed(ticket.events):
        if event.actor == SYSTEM_ACTOR and event.note and event.kind not in _ROUTINE_EVENTS:
            return f"{notes}：{hide_contacts(event.note)}"
    return notes


def _split_private(ticket: Ticket) -> tuple[str, str]:
    public, _, private = ticket.description.partition(f"\n\n{PRIVATE_MARKER}\n")
    return public, private


def _media_url(private: str) -> str | None:
    for line in private.splitlines():
        if line.startswith(MEDIA_LABEL):
            return line.removeprefix(MEDIA_LABEL)
    return None


def _updated_at(ticket: Ticket) -> datetime:
    moments = [ticket.created_at, *(event.created_at for event in ticket.events)]
    if ticket.updated_at is not None:
        moments.append(ticket.updated_at)
    return max(moments)


def request_record(ticket: Ticket, station: Station, tz: ZoneInfo) -> ServiceRequest:
    """A ticket as Open311 publishes it: nothing a resident did not agree to make public."""
    service_name = SERVICE_NAMES.get(ticket.service_code, ticket.service_code)
    posted = is_open311(ticket)
    public, private = _split_private(ticket) if posted else ("", "")
    area = ticket.station_code if ticket.dispatch_reason in ("community", "town") else None
    return ServiceRequest(
        service_request_id=ticket.number,
        status=open311_status(ticket.status),
        status_notes=_status_notes(ticket),
        service_name=service_name,
        service_code=ticket.service_code,
        description=hide_contacts(public)
        if posted
        else f"居民反映的{service_name}问题（详情不公开）",
        agency_responsible=station.display_name,
        service_notice=service_notice(ticket, station, tz),
        requested_datetime=w3c(ticket.created_at, tz),
        updated_datetime=w3c(_updated_at(ticket), tz),
        expected_datetime=w3c(ticket.resolve_due_at, tz),
        address=hide_contacts(ticket.location_text) if posted and ticket.location_text else None,
        address_id=area,
        zipcode=None,
        lat=ticket.lat if posted else None,
        long=ticket.lon if posted else None,
        media_url=_media_url(private) if posted else None,
    )
