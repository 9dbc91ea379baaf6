"""Station figures replay a ticket's clocks from its events, 改类 included."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.figures.rates import replay
from api.tickets.deadlines import contact_deadline, resolve_deadline
from api.tickets.models import EventKind, Ticket, TicketEvent

FILED = datetime(2026, 7, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def event(number: int, kind: EventKind, at: datetime, **data: str) -> TicketEvent:
    return TicketEvent(id=number, kind=kind.value, created_at=at, data=data)


def test_recategorised_ticket_is_held_to_the_new_categorys_clock() -> None:
    ticket = Ticket(service_code="other", emergency=False)
    events = [
        event(1, EventKind.CREATED, FILED, service_code="other"),
        event(2, EventKind.DISPATCHED, FILED, station_code="500107104001"),
        event(3, EventKind.RECATEGORISED, FILED + timedelta(hours=1), to_code="water_supply"),
    ]
    [handover] = replay(ticket, events)
    assert handover.resolve_due == resolve_deadline(FILED, "water_supply", False)
    assert handover.contact_due == contact_deadline(FILED, "water_supply", False)
    assert handover.resolve_due < resolve_deadline(FILED, "other", False)
