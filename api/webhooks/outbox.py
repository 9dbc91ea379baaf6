"""The transactional outbox: ticket events become webhook deliveries in the same commit.

A `before_flush` listener looks for new `TicketEvent` rows and adds one
`WebhookDelivery` per active subscription of the stations concerned. The rows
are written by the same flush as the event, so a change that is rolled back
leaves no delivery behind and a committed change always has its deliveries,
while the ticket service and the lifecycle know nothing about webhooks.

Stations concerned: the station holding the ticket after the change; when the
change moved the ticket (transfer, return, re-dispatch), also the station that
held it before; for an escalation, also the station asked to supervise.

The payload is a notification, not a copy of the ticket: the resident's
description, address, coordinates, phone and sender id and any note written by
a resident are never included, and phone numbers in staff and system notes are
masked. Integrations read the details through the staff API.

Only events added through the ORM are seen (a Core INSERT into ticket_events
would bypass the listener), and only by sessions of a factory that called
`install_outbox`: the app, `laoyang tickets replay`, `laoyang tickets escalate`
and `laoyang webhooks deliver` do; any new entry point that writes events must.
"""

import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from api.catalogue import SERVICE_NAMES
from api.privacy import mask_phones_in
from api.tickets.models import RESIDENT_ACTOR, Ticket, TicketEvent
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

Clock = Callable[[], datetime]

PAYLOAD_VERSION = 1
# Keys in an event's data that may carry a resident's personal data.
PERSONAL_KEYS = frozenset(
    {
        "description",
        "contact_phone",
        "phone",
        "sender_id",
        "location_text",
        "address",
        "lat",
        "lon",
        "comment",
        "text",
    }
)
# Keys in an event's data naming the station a ticket left (after a transfer or
# return the holder has already changed), and the station asked to supervise.
PREVIOUS_STATION_KEYS = ("from_station_code", "station_code")
SUPERVISOR_KEY = "supervisor_code"
_SESSION_KEY = "webhook_outboxed_events"


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def install_outbox(target: sessionmaker[Session] | type[Session], clock: Clock = utc_now) -> None:
    """Make every session of this factory (or class) write deliveries for new ticket events.

    Idempotent per target: the app and the CLI call it on the factory they build.
    """
    if target in _installed:
        return
    event.listen(target, "before_flush", _OutboxListener(clock))
    _installed.add(target)


class _OutboxListener:
    """The before_flush hook, carrying the clock that stamps new deliveries."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, session: Session, _context: UOWTransaction, _instances: object) -> None:
        add_deliveries(session, self.clock())


_installed: "weakref.WeakSet[object]" = weakref.WeakSet()


def add_deliveries(session: Session, now: datetime) -> list[WebhookDelivery]:
    """Add deliveries for the ticket events about to be inserted; returns them."""
    new_events = [obj for obj in session.new if isinstance(obj, TicketEvent)]
    if not new_events:
        return []
    done: weakref.WeakSet[TicketEvent] = session.info.setdefault(_SESSION_KEY, weakref.WeakSet())
    added: list[WebhookDelivery] = []
    # Looking things up must not flush: we are inside a flush already.
    with session.no_autoflush:
        concerned: list[tuple[TicketEvent, Ticket, dict[str, str | None]]] = []
        for ticket_event in sorted(new_events, key=_event_order):
            if ticket_event in done:
                continue
            done.add(ticket_event)
            ticket = _ticket_of(session, ticket_event)
            if ticket is not None:
                concerned.append((ticket_event, ticket, stations_concerned(ticket, ticket_event)))
        # One look for every event of the flush (a filing flushes four at once).
        every_code = {code for _, _, stations in concerned for code in stations.values() if code}
        subscribed = (
            session.scalars(
                select(WebhookSubscription)
                .where(WebhookSubscription.active.is_(True))
                .where(WebhookSubscription.station_code.in_(sorted(every_code)))
                .order_by(WebhookSubscription.id)
            ).all()
            if every_code
            else []
        )
        for ticket_event, ticket, stations in concerned:
            codes = {code for code in stations.values() if code}
            subscriptions = [item for item in subscribed if item.station_code in codes]
            if not subscriptions:
                continue
            payload = build_payload(ticket, ticket_event, stations, now)
            for subscription in subscriptions:
                delivery = WebhookDelivery(
                    subscription_id=subscription.id,
                    ticket=ticket,
                    event=ticket_event,
                    event_type=payload["type"],
                    payload=payload,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
                session.add(delivery)
                added.append(delivery)
    return added


def _event_order(ticket_event: TicketEvent) -> int:
    """session.new is unordered; deliveries follow the order the events were added."""
    return inspect(ticket_event).insert_order or 0


def _ticket_of(session: Session, ticket_event: TicketEvent) -> Ticket | None:
    """The event's ticket, whether linked by relationship or only by ticket_id."""
    if ticket_event.ticket is not None:
        return ticket_event.ticket
    if ticket_event.ticket_id is not None:
        return session.get(Ticket, ticket_event.ticket_id)
    return None


def stations_concerned(ticket: Ticket, ticket_event: TicketEvent) -> dict[str, str | None]:
    """The holding station; the one it left if the ticket just moved; the one asked to supervise.

    The move is seen in the ticket's unflushed change of station or, when that
    was flushed earlier, in the event's data (from_station_code / station_code).
    """
    holding = ticket.station_code
    data = ticket_event.data or {}
    candidates = [str(code) for code in inspect(ticket).attrs.station_code.history.deleted if code]
    candidates.extend(data[key] for key in PREVIOUS_STATION_KEYS if isinstance(data.get(key), str))
    previous = next((code for code in candidates if code != holding), None)
    supervisor = data.get(SUPERVISOR_KEY)
    if not isinstance(supervisor, str) or supervisor in (holding, previous):
        supervisor = None
    return {"holding": holding, "previous": previous, "supervisor": supervisor}


def build_payload(
    ticket: Ticket,
    ticket_event: TicketEvent,
    stations: dict[str, str | None],
    now: datetime,
) -> dict[str, Any]:
    """What a station's system needs to react: which ticket, what changed, where it is now.

    The delivery id and event id are added when the body is sent (the event id
    does not exist yet while this flush is being prepared).
    """
    kind = str(ticket_event.kind)
    return {
        "version": PAYLOAD_VERSION,
        "type": f"ticket.{kind}",
        "occurred_at": _iso(ticket_event.created_at or now),
        "ticket": {
            "number": ticket.number,
            "service_code": ticket.service_code,
            "service_name": SERVICE_NAMES.get(ticket.service_code, ticket.service_code),
            "emergency": bool(ticket.emergency),
            "status": ticket.status,
            "station_code": stations["holding"],
            "created_at": _iso(ticket.created_at),
            "contact_due_at": _iso(ticket.contact_due_at),
            "resolve_due_at": _iso(ticket.resolve_due_at),
        },
        "change": {
            "kind": kind,
            "status": ticket_event.status,
            "actor": ticket_event.actor,
            "note": public_note(ticket_event),
            "data": public_data(ticket_event.data or {}),
        },
        "stations": stations,
    }


def public_note(ticket_event: TicketEvent) -> str | None:
    """Staff and system notes with phone numbers masked; residents' words never."""
    if not ticket_event.note or ticket_event.actor == RESIDENT_ACTOR:
        return None
    return mask_phones_in(ticket_event.note)


def public_data(data: dict[str, Any]) -> dict[str, Any]:
    """The event's structured facts: scalars only, no personal keys, phones masked."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key in PERSONAL_KEYS:
            continue
        if isinstance(value, str):
            kept[key] = mask_phones_in(value)
        elif value is None or isinstance(value, bool | int | float):
            kept[key] = value
    return kept


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()
