"""The staff lifecycle of a ticket: the only place its status changes after filing.

    dispatched ─签收→ signed ─开始→ in_progress ─办结→ resolved ─评价→ closed
        ▲                  └────────办结──────────────┘      │
        │ 退单 / 转派 (from any open state)                    │ 未解决 (重办)
        └──── reopened ◄───────────────────────────────────────┘

改类 (recategorise) corrects the category the bot chose, in any open state,
and leaves the state as it is, unless the holder does not handle the corrected
category: then the ticket is re-dispatched at once, as after a 退单.

A reopened ticket behaves like a dispatched one: its station must sign,
work and resolve it again, against fresh deadlines from the reopen time.
Resolving straight from `signed` is allowed (many matters are settled by the
first phone call); resolving unsigned work is not. Every change writes a
TicketEvent saying who, when and why. Illegal moves raise
IllegalTransitionError whose `reason` is shown to staff (HTTP 409).

Functions flush and never commit, so the change, its events and whatever
listeners add (the webhook outbox) commit together in the caller's
transaction. Each takes a row lock on the ticket first (SELECT … FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) and re-reads
it, so two staff members cannot both sign.

Policies (numbers):
- 退单: the first return re-dispatches to the nearest capable station that has
  not returned the ticket (from the resident's location, else from the
  returning station's), else to the nearest supervising station; from the
  second return on (`RULING_AFTER_RETURNS`) the parent of the last holder
  rules (skipping any that already returned it). The district centre cannot
  return a ticket: it is the last resort.
- Re-dispatch (退单, 转派, 改类) gives the new station a fresh contact deadline; the
  resolve deadline promised to the resident stays unless it would now come
  before contact.
- 改类: the deadlines become those the corrected category would have had (the
  promise from filing or the latest 重办, contact from when the holder got
  it); the emergency flag stays. A holder that does not handle the new
  category passes the ticket to the nearest capable station that has not
  returned it, else to its nearest supervisor.
- 督办: a ticket not signed by its contact deadline, or not resolved by its
  resolve deadline, escalates one level per missed deadline: level 1 names the
  holder's parent, level 2 the grandparent, capped at the district centre.
  Each (stage, deadline) fires once, so sweeps are idempotent, and fresh
  deadlines (reopen, re-dispatch) can fire again.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_NAMES
from api.dispatch.service import (
    DispatchDecision,
    DispatchReason,
    district_centre,
    nearest_station,
    supervisors,
)
from api.settings import get_settings
from api.stations.models import Station, StationLevel
from api.tickets.deadlines import contact_deadline, district_tz, resolve_deadline
from api.tickets.events import log_event, new_event
from api.tickets.models import (
    RESIDENT_ACTOR,
    SYSTEM_ACTOR,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)

OPEN_STATUSES: Final = frozenset(
    {
        TicketStatus.DISPATCHED,
        TicketStatus.SIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.REOPENED,
    }
)
UNSIGNED_STATUSES: Final = frozenset({TicketStatus.DISPATCHED, TicketStatus.REOPENED})
RULING_AFTER_RETURNS: Final = 2


class IllegalTransitionError(Exception):
    """A move the ticket's state does not allow; `reason` says why, in Chinese, for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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

# How each state is named in a refusal ("工单已办结，不能再签收").
_STATE_PHRASES: Final[dict[str, str]] = {
    TicketStatus.DISPATCHED: "工单还没签收",
    TicketStatus.REOPENED: "工单重办后还没重新签收",
    TicketStatus.SIGNED: "工单已签收",
    TicketStatus.IN_PROGRESS: "工单正在办理",
    TicketStatus.RESOLVED: "工单已办结",
    TicketStatus.CLOSED: "工单已评价归档",
}


def _refuse(ticket: Ticket, what: str) -> IllegalTransitionError:
    phrase = _STATE_PHRASES.get(ticket.status, f"工单状态为{ticket.status}")
    return IllegalTransitionError(f"{phrase}，{what}")


def _require_text(text: str | None, reason: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise IllegalTransitionError(reason)
    return cleaned


# -- transitions ---------------------------------------------------------------------------


def sign(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    """签收: the holding station takes the ticket on."""
    _lock(session, ticket)
    if ticket.status not in UNSIGNED_STATUSES:
        what = "不用重复签收" if ticket.status == TicketStatus.SIGNED else "不能再签收"
        if ticket.status == TicketStatus.IN_PROGRESS:
            what = "已经签收过了"
        raise _refuse(ticket, what)
    return _change(session, ticket, TicketStatus.SIGNED, EventKind.SIGNED, actor, now, note)


def start(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    """Work has begun (e.g. someone is on the way)."""
    _lock(session, ticket)
    if ticket.status != TicketStatus.SIGNED:
        refusals: dict[str, str] = {
            TicketStatus.DISPATCHED: "请先签收再开始办理",
            TicketStatus.REOPENED: "请先签收再开始办理",
            TicketStatus.IN_PROGRESS: "不用重复开始",
        }
        what = refusals.get(ticket.status, "不能再开始办理")
        raise _refuse(ticket, what)
    return _change(session, ticket, TicketStatus.IN_PROGRESS, EventKind.STARTED, actor, now, note)


def add_note(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str
) -> TicketEvent:
    """A progress note; allowed until the ticket is closed (e.g. a 回访 call after 办结)."""
    text = _require_text(note, "备注不能为空")
    _lock(session, ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise _refuse(ticket, "不能再添加备注")
    ticket.updated_at = now
    return _event(session, ticket, EventKind.NOTE, None, actor, now, text)


def resolve(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, resolution: str
) -> TicketEvent:
    """办结: done, saying what was done; the resident is then asked to rate it."""
    text = _require_text(resolution, "办结时请写明办理结果")
    _lock(session, ticket)
    if ticket.status not in (TicketStatus.SIGNED, TicketStatus.IN_PROGRESS):
        what = "不用重复办结" if ticket.status == TicketStatus.RESOLVED else "不能办结"
        if ticket.status in UNSIGNED_STATUSES:
            what = "请先签收并办理后再办结"
        raise _refuse(ticket, what)
    ticket.resolution = text
    return _change(session, ticket, TicketStatus.RESOLVED, EventKind.RESOLVED, actor, now, text)


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
    _lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise _refuse(ticket, "不能退单")
    holder = _station(session, ticket.station_code)
    if holder.level == StationLevel.DISTRICT:
        raise IllegalTransitionError("区中心是兜底单位，工单不能再退回，请办理或转派")
    reason = ReturnReason(reason)
    returned_by = _stations_that_returned(ticket) | {holder.code}
    ticket.return_count = (ticket.return_count or 0) + 1
    event = _event(
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
    decision, explanation = _after_return(session, ticket, holder, returned_by)
    _redispatch(ticket, decision, explanation, now)
    _event(
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
    text = _require_text(note, "转派请说明原因")
    _lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise _refuse(ticket, "不能转派")
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
    return _event(
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
    text = _require_text(note, "改类请说明原因")
    _lock(session, ticket)
    if ticket.status not in OPEN_STATUSES:
        raise _refuse(ticket, "不能改类")
    previous = ticket.service_code
    _check_new_code(previous, service_code)
    ticket.service_code = service_code
    ticket.updated_at = now
    _reset_deadlines(ticket)
    event = _event(
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
    holder = _station(session, ticket.station_code)
    if not holder.handles(service_code):
        _pass_on_after_recategorising(session, ticket, holder, now)
    return event


def rate(
    session: Session, ticket: Ticket, *, now: datetime, stars: int, comment: str | None = None
) -> TicketEvent:
    """The resident's 1–5 stars on a resolved ticket; this closes it (归档).

    Returns the RATED event; a CLOSED event follows it.
    """
    if not 1 <= stars <= 5:
        raise ValueError("stars must be between 1 and 5")
    _lock(session, ticket)
    if ticket.status != TicketStatus.RESOLVED:
        what = "已经评价过了" if ticket.status == TicketStatus.CLOSED else "办结后才能评价"
        raise _refuse(ticket, what)
    rated = _event(
        session, ticket, EventKind.RATED, None, RESIDENT_ACTOR, now, comment, {"stars": stars}
    )
    _change(
        session,
        ticket,
        TicketStatus.CLOSED,
        EventKind.CLOSED,
        SYSTEM_ACTOR,
        now,
        "居民已评价，工单归档",
    )
    return rated


def reopen(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, reason: str
) -> TicketEvent:
    """重办: the resident (or staff on their behalf) says it is not solved.

    A resolved ticket may be reopened by anyone; a closed (rated) one only by
    staff, as in 12345 回访 practice. The same station must sign it again, with
    fresh deadlines from now.
    """
    text = _require_text(reason, "请说明问题哪里还没解决")
    _lock(session, ticket)
    if ticket.status == TicketStatus.CLOSED and actor == RESIDENT_ACTOR:
        raise _refuse(ticket, "如问题仍未解决，请联系工作站重新办理")
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise _refuse(ticket, "还没办结，不用重办")
    previous = ticket.resolution
    ticket.resolution = None
    ticket.contact_due_at = contact_deadline(now, ticket.service_code, ticket.emergency)
    ticket.resolve_due_at = resolve_deadline(now, ticket.service_code, ticket.emergency)
    return _change(
        session,
        ticket,
        TicketStatus.REOPENED,
        EventKind.REOPENED,
        actor,
        now,
        text,
        {
            "previous_resolution": previous,
            "contact_due_at": _iso(ticket.contact_due_at),
            "resolve_due_at": _iso(ticket.resolve_due_at),
        },
    )


# -- deadlines and 督办 -------------------------------------------------------------------


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
            _lock(session, ticket)
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
        if (stage, _iso(due)) in fired:
            continue
        holder = _station(session, ticket.station_code)
        ticket.escalation_level = (ticket.escalation_level or 0) + 1
        supervisor = _supervisor(session, holder, ticket.escalation_level)
        ticket.updated_at = now
        events.append(
            _event(
                session,
                ticket,
                EventKind.ESCALATED,
                None,
                SYSTEM_ACTOR,
                now,
                _escalation_note(stage, due, holder, supervisor),
                {
                    "stage": stage,
                    "due_at": _iso(due),
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


# -- helpers -------------------------------------------------------------------------------


def _lock(session: Session, ticket: Ticket) -> None:
    """Lock the ticket's row for this transaction and re-read it (SQLite: no-op lock)."""
    session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()  # consuming the row is what refreshes the object


def _change(
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
    return _event(session, ticket, kind, status, actor, now, note, data)


def _event(
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


def _station(session: Session, code: str) -> Station:
    station = session.get(Station, code)
    if station is None:  # the foreign key makes this unreachable
        raise LookupError(f"station {code} missing")
    return station


def _stations_that_returned(ticket: Ticket) -> set[str]:
    return {
        str(e.data["station_code"])
        for e in ticket.events
        if e.kind == EventKind.RETURNED and e.data.get("station_code")
    }


def _after_return(
    session: Session, ticket: Ticket, holder: Station, returned_by: set[str]
) -> tuple[DispatchDecision, str]:
    """Where a returned ticket goes next, and the sentence staff read about it."""
    if ticket.return_count >= RULING_AFTER_RETURNS:
        judge = _first_not_in(session, supervisors(session, holder), returned_by)
        ruling = DispatchDecision(judge, DispatchReason.RULING)
        if ticket.return_count == RULING_AFTER_RETURNS:
            return ruling, ruling.explanation  # 两次退单，提交上级…裁定
        return ruling, f"已退单 {ticket.return_count} 次，提交上级{judge.display_name}裁定"
    return _capable_elsewhere(session, ticket, holder, returned_by)


def _capable_elsewhere(
    session: Session, ticket: Ticket, holder: Station, excluded: set[str]
) -> tuple[DispatchDecision, str]:
    """The nearest station handling the ticket's code, else the holder's nearest supervisor.

    Nearest to the resident when their position is known, else to the holder;
    stations in `excluded` are never chosen (unless only the district centre is left).
    """
    if ticket.lat is not None and ticket.lon is not None:
        found = nearest_station(session, ticket.lat, ticket.lon, ticket.service_code, excluded)
        if found is not None:
            decision = DispatchDecision(found[0], DispatchReason.NEAREST, found[1])
            return decision, f"改派{decision.explanation.removeprefix('按居民位置')}"
    if holder.lat is not None and holder.lon is not None:
        found = nearest_station(session, holder.lat, holder.lon, ticket.service_code, excluded)
        if found is not None:
            decision = DispatchDecision(found[0], DispatchReason.NEAREST, None)
            return decision, (
                f"改派离{holder.display_name}最近的{found[0].display_name}"
                f"（约 {found[1]:.2f} 公里）"
            )
    above = _first_not_in(session, supervisors(session, holder), excluded)
    parent = DispatchDecision(above, DispatchReason.PARENT)
    return parent, parent.explanation


def _first_not_in(session: Session, chain: Iterable[Station], excluded: set[str]) -> Station:
    """The first station of a chain not excluded, else the district centre."""
    for station in chain:
        if station.code not in excluded:
            return station
    return district_centre(session, get_settings().default_district_code)


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


# Events after which the holder's contact clock runs afresh (as `_redispatch` and `reopen` set).
_CONTACT_RESTARTS: Final = frozenset(
    {EventKind.DISPATCHED, EventKind.TRANSFERRED, EventKind.REOPENED}
)


def _clock_starts(ticket: Ticket) -> tuple[datetime, datetime]:
    """When the resident's promise last started (filing, 重办) and the holder's contact clock."""
    promised_from = received_at = ticket.created_at
    for event in ticket.events:
        if event.kind == EventKind.REOPENED:
            promised_from = event.created_at
        if event.kind in _CONTACT_RESTARTS:
            received_at = max(received_at, event.created_at)
    return promised_from, received_at


def _reset_deadlines(ticket: Ticket) -> None:
    """The deadlines the ticket would have if it had been filed under its current code.

    Computed as filing, 重办 and re-dispatch computed them, from the moments
    those clocks started, so a ticket corrected to a utility gets its 24 hours.
    """
    promised_from, received_at = _clock_starts(ticket)
    code, emergency = ticket.service_code, ticket.emergency
    ticket.contact_due_at = contact_deadline(received_at, code, emergency)
    promise = resolve_deadline(promised_from, code, emergency)
    ticket.resolve_due_at = max(promise, ticket.contact_due_at)


def _pass_on_after_recategorising(
    session: Session, ticket: Ticket, holder: Station, now: datetime
) -> None:
    """The holder does not handle the corrected category: re-dispatch, never leave it unowned."""
    excluded = _stations_that_returned(ticket) | {holder.code}
    decision, explanation = _capable_elsewhere(session, ticket, holder, excluded)
    _redispatch(ticket, decision, explanation, now)
    service = SERVICE_NAMES[ticket.service_code]
    _event(
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
