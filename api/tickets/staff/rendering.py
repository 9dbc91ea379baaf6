"""Tickets as one caller may see them: phone numbers whole only for the holding station."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.auth.scope import StaffPrincipal
from api.catalogue import SERVICE_NAMES
from api.privacy import mask_phone, mask_phones_in, mask_strings
from api.stations.models import Station
from api.tickets.escalation import is_overdue
from api.tickets.models import STATUS_NAMES, Ticket, TicketEvent
from api.tickets.queries import (
    TicketFilter,
    TicketRow,
    list_page,
    visible_links,
)
from api.tickets.staff.params import parse_cursor
from api.tickets.staff.schemas import (
    EVENT_NAMES,
    EventOut,
    Permissions,
    TicketDetail,
    TicketPageOut,
    TicketSummary,
)

# ---- rendering -------------------------------------------------------------

Text = Callable[[str | None], str | None]


def _keep(text: str | None) -> str | None:
    return text


def _mask_numbers(text: str | None) -> str | None:
    """Mobile numbers inside free text (a resident's description, a staff note) masked."""
    return mask_phones_in(text) if text else text


def text_for(principal: StaffPrincipal, station_code: str) -> Text:
    """How free text is shown: whole for the holding station, numbers masked for others."""
    return _keep if principal.sees_full_phone(station_code) else _mask_numbers


def _summary_fields(principal: StaffPrincipal, row: TicketRow, now: datetime) -> dict[str, Any]:
    ticket, zone = row.ticket, now.tzinfo
    full_phone = principal.sees_full_phone(ticket.station_code)
    text = text_for(principal, ticket.station_code)
    phone = ticket.contact_phone if full_phone else mask_phone(ticket.contact_phone)
    return {
        "number": ticket.number,
        "service_code": ticket.service_code,
        "service_name": SERVICE_NAMES.get(ticket.service_code, ticket.service_code),
        "emergency": ticket.emergency,
        "status": ticket.status,
        "status_name": STATUS_NAMES.get(ticket.status, ticket.status),
        "station_code": row.station.code,
        "station_name": row.station.display_name,
        "created_at": ticket.created_at.astimezone(zone),
        "contact_due_at": ticket.contact_due_at.astimezone(zone),
        "resolve_due_at": ticket.resolve_due_at.astimezone(zone),
        "overdue": is_overdue(ticket, now),
        "escalation_level": ticket.escalation_level or 0,
        "return_count": ticket.return_count or 0,
        "location_text": text(ticket.location_text),
        "description": text(ticket.description),
        "contact_phone": phone,
        "contact_phone_masked": bool(ticket.contact_phone) and not full_phone,
    }


def ticket_summary(principal: StaffPrincipal, row: TicketRow, now: datetime) -> TicketSummary:
    return TicketSummary(**_summary_fields(principal, row, now))


def event_out(event: TicketEvent, now: datetime, text: Text) -> EventOut:
    return EventOut(
        id=event.id,
        kind=event.kind,
        kind_name=EVENT_NAMES.get(event.kind, event.kind),
        status=event.status,
        actor=event.actor,
        note=text(event.note),
        data=mask_strings(event.data or {}, text),
        at=event.created_at.astimezone(now.tzinfo),
    )


def ticket_detail(
    session: Session, principal: StaffPrincipal, ticket: Ticket, now: datetime
) -> TicketDetail:
    station = session.get(Station, ticket.station_code)
    assert station is not None  # the foreign key guarantees it
    original, copies = visible_links(session, principal, ticket)
    text = text_for(principal, ticket.station_code)
    return TicketDetail(
        **_summary_fields(principal, TicketRow(ticket, station), now),
        dispatch_reason=ticket.dispatch_reason,
        dispatch_note=ticket.dispatch_note,
        dispatch_distance_km=ticket.dispatch_distance_km,
        lat=ticket.lat,
        lon=ticket.lon,
        resolution=text(ticket.resolution),
        duplicate_of=original,
        duplicates=copies,
        permissions=Permissions(
            act=principal.can_act(ticket.station_code),
            transfer=principal.can_transfer(ticket.station_code),
            recategorise=principal.can_act(ticket.station_code),
        ),
        events=[event_out(event, now, text) for event in ticket.events],
    )


def page_out(
    principal: StaffPrincipal,
    session: Session,
    filters: TicketFilter,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> TicketPageOut:
    page = list_page(session, principal, filters, now=now, limit=limit, after=parse_cursor(cursor))
    return TicketPageOut(
        items=[ticket_summary(principal, row, now) for row in page.rows],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        limit=limit,
    )


CSV_COLUMNS = (
    "工单号",
    "诉求类别",
    "紧急",
    "状态",
    "承办站点编码",
    "承办站点",
    "受理时间",
    "联系时限",
    "办结时限",
    "是否超期",
    "督办级别",
    "退单次数",
    "地点",
    "诉求内容",
    "联系电话",
)


def csv_row(summary: TicketSummary) -> list[object]:
    def when(moment: datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M}"

    values: list[object] = [
        summary.number,
        summary.service_name,
        "是" if summary.emergency else "否",
        summary.status_name,
        summary.station_code,
        summary.station_name,
        when(summary.created_at),
        when(summary.contact_due_at),
        when(summary.resolve_due_at),
        "是" if summary.overdue else "否",
        summary.escalation_level,
        summary.return_count,
        summary.location_text,
        summary.description,
        summary.contact_phone,
    ]
    return values
