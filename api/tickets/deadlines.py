"""When the station must contact the resident and solve the problem: the network's promise.

Contact (签收 and a call): emergencies within 2 hours; water, power and gas
(`UTILITY_CODES`) within 24 hours; everything else within 2 working days.
Resolve: emergencies 2 hours, utilities 24 hours, everything else 7 calendar
days. Calendar days, as in 12345 practice ("7日办结"), so the resident's wait
is the same whether or not a weekend falls in it; but a deadline that lands on
a day off moves to the same time on the next working day, and it is never
earlier than the contact deadline (over the Spring Festival 2 working days can
be longer than 7 calendar days). Emergency and utility clocks run through
holidays: stations are on duty for them.

Working days are the Chinese working calendar (`api.tickets.calendar`: holidays
and make-up workdays), counted in the district's time zone (Asia/Shanghai).
"""

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from api.catalogue import UTILITY_CODES
from api.settings import get_settings
from api.tickets.calendar import add_working_days, roll_to_working_day
from api.tickets.models import EventKind, Ticket

EMERGENCY_CONTACT = timedelta(hours=2)
UTILITY_CONTACT = timedelta(hours=24)
ROUTINE_WORKING_DAYS = 2
ROUTINE_RESOLVE = timedelta(days=7)
WEEKDAY_NAMES = "一二三四五六日"


def district_tz() -> ZoneInfo:
    """The district's time zone from the settings."""
    return ZoneInfo(get_settings().timezone)


def contact_deadline(
    created_at: datetime, service_code: str, emergency: bool, tz: ZoneInfo | None = None
) -> datetime:
    """When the station must have signed for the ticket and contacted the resident."""
    start = created_at.astimezone(tz or district_tz())
    if emergency:
        return start + EMERGENCY_CONTACT
    if service_code in UTILITY_CODES:
        return start + UTILITY_CONTACT
    return add_working_days(start, ROUTINE_WORKING_DAYS)


def resolve_deadline(
    created_at: datetime, service_code: str, emergency: bool, tz: ZoneInfo | None = None
) -> datetime:
    """When the ticket must be solved."""
    zone = tz or district_tz()
    start = created_at.astimezone(zone)
    if emergency:
        return start + EMERGENCY_CONTACT
    if service_code in UTILITY_CODES:
        return start + UTILITY_CONTACT
    due = roll_to_working_day(start + ROUTINE_RESOLVE)
    return max(due, contact_deadline(start, service_code, emergency, zone))


def describe_contact_deadline(
    service_code: str, emergency: bool, due: datetime, tz: ZoneInfo | None = None
) -> str:
    """The promise in a resident's words, e.g. 2个工作日内（11月25日周三 09:30前）."""
    local = due.astimezone(tz) if tz is not None else due
    when = f"{local.month}月{local.day}日周{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M}前"
    if emergency:
        return f"2小时内（{when}）"
    if service_code in UTILITY_CODES:
        return f"24小时内（{when}）"
    return f"{ROUTINE_WORKING_DAYS}个工作日内（{when}）"


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


def reset_deadlines(ticket: Ticket) -> None:
    """The deadlines the ticket would have if it had been filed under its current code.

    Computed as filing, 重办 and re-dispatch computed them, from the moments
    those clocks started, so a ticket corrected to a utility gets its 24 hours.
    """
    promised_from, received_at = _clock_starts(ticket)
    code, emergency = ticket.service_code, ticket.emergency
    ticket.contact_due_at = contact_deadline(received_at, code, emergency)
    promise = resolve_deadline(promised_from, code, emergency)
    ticket.resolve_due_at = max(promise, ticket.contact_due_at)
