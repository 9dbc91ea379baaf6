"""Handing a ticket on: 退单 (the holder gives it back), 转派 (staff send it on) and 改类.

Each re-dispatch gives the new station a fresh contact deadline; the resolve
deadline promised to the resident stays unless it would now come before contact.
改类 makes the deadlines those the corrected category would have had; a holder
that does not take the new category passes the ticket on at once. Where a ticket
goes is decided in `api.dispatch.redispatch`.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy.orm import Session

from api.catalogue import SERVICE_NAMES
from api.dispatch.redispatch import after_return, capable_elsewhere, stations_that_returned
from api.dispatch.service import (
    DispatchDecision,
    DispatchReason,
)
from api.stations.models import Station, StationLevel
from api.tickets.deadlines import contact_deadline, reset_deadlines
from api.tickets.models import (
    OPEN_STATUSES,
    SYSTEM_ACTOR,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from api.tickets.transitions import (
    IllegalTransitionError,
    lock,
    record,
    refuse,
    require_text,
    station_of,
)


class ReturnReason(StrEnum):
    """Why a station hands a ticket back (退单)."""

    WRONG_AREA = "wrong_area"
    NOT_OUR_DUTY = "not_our_duty"
    DUPLICATE = "duplicate"
    INSUFFICIENT_INFO = "insufficient_info"


RETURN_REASON_NAMES: Final[dict[str, str]] = {
    ReturnReason.WRONG_AREA: "属地不符",
    ReturnReason.NOT_OUR_DUTY: "非本单位职责",
    ReturnReason.DUPLICATE: "重复工单",
    ReturnReason.INSUFFICIENT_INFO: "信息不全，无法办理",
}


def return_ticket(
    session: Session,
    ticket: Ticket,
    *,
    actor: str,
    now: datetime,
    reason: ReturnReason,
    note: str | None = None,
) -> TicketEvent:
    """退单: the holder hands it back; it is re-dispatched at once, never left unowned.

    Returns the RETURNED event; a DISPATCHED event naming the new station follows it.
    """
    lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise refuse(ticket, "不能退单")
    holder = station_of(session, ticket.station_code)
    if holder.level == StationLevel.DISTRICT:
        raise IllegalTransitionError("区中心是兜底单位，工单不能再退回，请办理或转派")
    reason = ReturnReason(reason)
    returned_by = stations_that_returned(ticket) | {holder.code}
    ticket.return_count = (ticket.return_count or 0) + 1
    event = record(
        session,
        ticket,
        EventKind.RETURNED,
        None,
        actor,
        now,
        note,
        {
            "reason": reason.value,
            "reason_name": RETURN_REASON_NAMES[reason],
            "station_code": holder.code,
            "return_count": ticket.return_count,
        },
    )
    decision, explanation = after_return(session, ticket, holder, returned_by)
    _redispatch(ticket, decision, explanation, now)
    record(
        session,
        ticket,
        EventKind.DISPATCHED,
        TicketStatus.DISPATCHED,
        SYSTEM_ACTOR,
        now,
        f"{holder.display_name}退单（{RETURN_REASON_NAMES[reason]}）。{explanation}",
        _dispatch_data(decision, from_station=holder.code) | {"return_reason": reason.value},
    )
    return event


def transfer(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, to_station_code: str, note: str
) -> TicketEvent:
    """转派: staff hand an open ticket to another station that handles its kind of problem."""
    text = require_text(note, "转派请说明原因")
    lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise refuse(ticket, "不能转派")
    target = session.get(Station, to_station_code)
    if target is None:
        raise IllegalTransitionError(f"找不到站点 {to_station_code}")
    if target.code == ticket.station_code:
        raise IllegalTransitionError(f"工单已在{target.display_name}，不用转派")
    if not target.handles(ticket.service_code):
        service = SERVICE_NAMES.get(ticket.service_code, ticket.service_code)
        raise IllegalTransitionError(f"{target.display_name}不受理“{service}”类诉求，不能转派")
    holder = ticket.station_code
    decision = DispatchDecision(target, DispatchReason.TRANSFER)
    _redispatch(ticket, decision, decision.explanation, now)
    return record(
        session,
        ticket,
        EventKind.TRANSFERRED,
        TicketStatus.DISPATCHED,
        actor,
        now,
        text,
        _dispatch_data(decision, from_station=holder) | {"to_station_code": target.code},
    )


def recategorise(
    session: Session,
    ticket: Ticket,
    *,
    actor: str,
    now: datetime,
    service_code: str,
    note: str,
) -> TicketEvent:
    """改类: the bot filed the ticket under the wrong category and staff put it right.

    Deadlines follow the category, so they are recomputed; a holder that does
    not handle the new category must not keep the ticket, so it moves on at
    once. Returns the RECATEGORISED event; a DISPATCHED event follows it if the
    ticket moved. The emergency flag stays: danger is not a category.
    """
    text = require_text(note, "改类请说明原因")
    lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise refuse(ticket, "不能改类")
    previous = ticket.service_code
    _check_new_code(previous, service_code)
    ticket.service_code = service_code
    ticket.updated_at = now
    reset_deadlines(ticket)
    event = record(
        session,
        ticket,
        EventKind.RECATEGORISED,
        None,
        actor,
        now,
        text,
        {
            "from_code": previous,
            "to_code": service_code,
            "from_name": SERVICE_NAMES.get(previous, previous),
            "to_name": SERVICE_NAMES[service_code],
        },
    )
    holder = station_of(session, ticket.station_code)
    if not holder.handles(service_code):
        _pass_on_after_recategorising(session, ticket, holder, now)
    return event


def _redispatch(
    ticket: Ticket, decision: DispatchDecision, explanation: str, now: datetime
) -> None:
    """Move the ticket to a station: dispatched there, with a fresh contact deadline."""
    ticket.station_code = decision.station.code
    ticket.dispatch_reason = decision.reason.value
    ticket.dispatch_note = explanation
    ticket.dispatch_distance_km = decision.distance_km
    ticket.status = TicketStatus.DISPATCHED
    ticket.updated_at = now
    ticket.contact_due_at = contact_deadline(now, ticket.service_code, ticket.emergency)
    ticket.resolve_due_at = max(ticket.resolve_due_at, ticket.contact_due_at)


def _check_new_code(current: str, wanted: str) -> None:
    """Refuse a category the catalogue does not have, or the one the ticket already has."""
    if wanted not in SERVICE_NAMES:
        raise IllegalTransitionError(f"服务目录里没有“{wanted}”这个诉求类别")
    if wanted == current:
        raise IllegalTransitionError(f"工单已是“{SERVICE_NAMES[wanted]}”类，不用改类")


def _pass_on_after_recategorising(
    session: Session, ticket: Ticket, holder: Station, now: datetime
) -> None:
    """The holder does not handle the corrected category: re-dispatch, never leave it unowned."""
    excluded = stations_that_returned(ticket) | {holder.code}
    decision, explanation = capable_elsewhere(session, ticket, holder, excluded)
    _redispatch(ticket, decision, explanation, now)
    service = SERVICE_NAMES[ticket.service_code]
    record(
        session,
        ticket,
        EventKind.DISPATCHED,
        TicketStatus.DISPATCHED,
        SYSTEM_ACTOR,
        now,
        f"改类为“{service}”，{holder.display_name}不受理此类诉求。{explanation}",
        _dispatch_data(decision, from_station=holder.code) | {"service_code": ticket.service_code},
    )


def _dispatch_data(decision: DispatchDecision, *, from_station: str) -> dict[str, Any]:
    return {
        "station_code": decision.station.code,
        "from_station_code": from_station,
        "reason": decision.reason.value,
        "distance_km": decision.distance_km,
    }
