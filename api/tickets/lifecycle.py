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

Handing a ticket on (退单, 转派, 改类) is in `api.tickets.handover`, where it goes in
`api.dispatch.redispatch`, 督办 in `api.tickets.escalation`; the refusals, the
row lock and the event every transition logs in `api.tickets.transitions`.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from api.tickets.deadlines import contact_deadline, resolve_deadline
from api.tickets.models import (
    RESIDENT_ACTOR,
    SYSTEM_ACTOR,
    UNSIGNED_STATUSES,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from api.tickets.transitions import change, iso_utc, lock, record, refuse, require_text


def sign(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    """签收: the holding station takes the ticket on."""
    lock(session, ticket)
    if ticket.status not in UNSIGNED_STATUSES:
        what = "不用重复签收" if ticket.status == TicketStatus.SIGNED else "不能再签收"
        if ticket.status == TicketStatus.IN_PROGRESS:
            what = "已经签收过了"
        raise refuse(ticket, what)
    return change(session, ticket, TicketStatus.SIGNED, EventKind.SIGNED, actor, now, note)


def start(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    """Work has begun (e.g. someone is on the way)."""
    lock(session, ticket)
    if ticket.status != TicketStatus.SIGNED:
        refusals: dict[str, str] = {
            TicketStatus.DISPATCHED: "请先签收再开始办理",
            TicketStatus.REOPENED: "请先签收再开始办理",
            TicketStatus.IN_PROGRESS: "不用重复开始",
        }
        what = refusals.get(ticket.status, "不能再开始办理")
        raise refuse(ticket, what)
    return change(session, ticket, TicketStatus.IN_PROGRESS, EventKind.STARTED, actor, now, note)


def add_note(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str
) -> TicketEvent:
    """A progress note; allowed until the ticket is closed (e.g. a 回访 call after 办结)."""
    text = require_text(note, "备注不能为空")
    lock(session, ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise refuse(ticket, "不能再添加备注")
    ticket.updated_at = now
    return record(session, ticket, EventKind.NOTE, None, actor, now, text)


def resolve(
    session: Session, ticket: Ticket, *, actor: str, now: datetime, resolution: str
) -> TicketEvent:
    """办结: done, saying what was done; the resident is then asked to rate it."""
    text = require_text(resolution, "办结时请写明办理结果")
    lock(session, ticket)
    if ticket.status not in (TicketStatus.SIGNED, TicketStatus.IN_PROGRESS):
        what = "不用重复办结" if ticket.status == TicketStatus.RESOLVED else "不能办结"
        if ticket.status in UNSIGNED_STATUSES:
            what = "请先签收并办理后再办结"
        raise refuse(ticket, what)
    ticket.resolution = text
    return change(session, ticket, TicketStatus.RESOLVED, EventKind.RESOLVED, actor, now, text)


def rate(
    session: Session, ticket: Ticket, *, now: datetime, stars: int, comment: str | None = None
) -> TicketEvent:
    """The resident's 1–5 stars on a resolved ticket; this closes it (归档).

    Returns the RATED event; a CLOSED event follows it.
    """
    if not 1 <= stars <= 5:
        raise ValueError("stars must be between 1 and 5")
    lock(session, ticket)
    if ticket.status != TicketStatus.RESOLVED:
        what = "已经评价过了" if ticket.status == TicketStatus.CLOSED else "办结后才能评价"
        raise refuse(ticket, what)
    rated = record(
        session, ticket, EventKind.RATED, None, RESIDENT_ACTOR, now, comment, {"stars": stars}
    )
    change(
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
    text = require_text(reason, "请说明问题哪里还没解决")
    lock(session, ticket)
    if ticket.status == TicketStatus.CLOSED and actor == RESIDENT_ACTOR:
        raise refuse(ticket, "如问题仍未解决，请联系工作站重新办理")
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise refuse(ticket, "还没办结，不用重办")
    previous = ticket.resolution
    ticket.resolution = None
    ticket.contact_due_at = contact_deadline(now, ticket.service_code, ticket.emergency)
    ticket.resolve_due_at = resolve_deadline(now, ticket.service_code, ticket.emergency)
    return change(
        session,
        ticket,
        TicketStatus.REOPENED,
        EventKind.REOPENED,
        actor,
        now,
        text,
        {
            "previous_resolution": previous,
            "contact_due_at": iso_utc(ticket.contact_due_at),
            "resolve_due_at": iso_utc(ticket.resolve_due_at),
        },
    )
