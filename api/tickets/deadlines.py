"""When the station must contact the resident: the network's promise, per ticket.

Emergencies within 2 hours; water, power and gas within 24 hours; everything
else within 2 working days. Working days here skip weekends only; the staff
lifecycle brings the statutory holiday calendar.
"""

from datetime import datetime, timedelta

from api.catalogue import UTILITY_CODES

EMERGENCY_CONTACT = timedelta(hours=2)
UTILITY_CONTACT = timedelta(hours=24)
ROUTINE_WORKING_DAYS = 2
ROUTINE_RESOLVE = timedelta(days=7)
WEEKDAY_NAMES = "一二三四五六日"


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day, `days` working days (Mon–Fri) later."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def contact_deadline(created_at: datetime, service_code: str, emergency: bool) -> datetime:
    """When the station must have contacted the resident."""
    if emergency:
        return created_at + EMERGENCY_CONTACT
    if service_code in UTILITY_CODES:
        return created_at + UTILITY_CONTACT
    return add_working_days(created_at, ROUTINE_WORKING_DAYS)


def resolve_deadline(created_at: datetime, service_code: str, emergency: bool) -> datetime:
    """When the ticket must be solved."""
    if emergency:
        return created_at + EMERGENCY_CONTACT
    if service_code in UTILITY_CODES:
        return created_at + UTILITY_CONTACT
    return created_at + ROUTINE_RESOLVE


def describe_contact_deadline(service_code: str, emergency: bool, due: datetime) -> str:
    """The promise in a resident's words, e.g. 2个工作日内（11月25日周三前）."""
    when = f"{due.month}月{due.day}日周{WEEKDAY_NAMES[due.weekday()]} {due:%H:%M}前"
    if emergency:
        return f"2小时内（{when}）"
    if service_code in UTILITY_CODES:
        return f"24小时内（{when}）"
    return f"{ROUTINE_WORKING_DAYS}个工作日内（{when}）"
