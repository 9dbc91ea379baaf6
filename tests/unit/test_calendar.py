"""The working calendar and the deadlines residents are promised, across holidays and 调休."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from api.tickets.calendar import (
    OFFICIAL_LAST_YEAR,
    _china,
    add_working_days,
    has_official_arrangement,
    holiday_name,
    is_working_day,
)
from api.tickets.deadlines import contact_deadline, describe_contact_deadline, resolve_deadline

TZ = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # Saturday, make-up workday
        (date(2026, 2, 16), False),  # 除夕
        (date(2026, 2, 17), False),  # 春节
        (date(2026, 2, 20), False),  # Friday, day off swapped from 14 Feb
        (date(2026, 2, 21), False),  # an ordinary Saturday inside the holiday
        (date(2026, 2, 23), False),  # Monday, day off swapped from 28 Feb
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up workday
        (date(2026, 9, 20), True),  # Sunday, make-up workday for National Day
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up workday
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_working_days_follow_the_state_council_notice(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_holidays_have_chinese_names_staff_can_read() -> None:
    assert holiday_name(date(2026, 2, 17)) == "春节"
    assert "调休" in (holiday_name(date(2026, 2, 23)) or "")
    assert holiday_name(date(2026, 2, 24)) is None


def test_years_after_the_last_notice_know_holidays_but_not_make_up_days(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _china.cache_clear()
    assert OFFICIAL_LAST_YEAR >= 2026
    assert has_official_arrangement(2026)
    assert not has_official_arrangement(OFFICIAL_LAST_YEAR + 1)
    # Rule-computed: the statutory Spring Festival days still are days off.
    assert not is_working_day(date(2027, 2, 8))
    assert "make-up workdays unknown" in caplog.text  # operators are told to upgrade


def test_adding_working_days_keeps_the_time_and_skips_the_start_day() -> None:
    assert add_working_days(local(2026, 2, 12, 9, 0), 2) == local(2026, 2, 14, 9, 0)


@pytest.mark.parametrize(
    ("filed", "code", "emergency", "due"),
    [
        # Routine: 2 working days. Friday before the Spring Festival: the make-up
        # Saturday counts, then nothing until Tuesday 24 February.
        (local(2026, 2, 13, 10, 0), "dispute", False, local(2026, 2, 24, 10, 0)),
        # Filed on a holiday: the first two working days after it.
        (local(2026, 2, 17, 11, 0), "environment", False, local(2026, 2, 25, 11, 0)),
        # Friday 27 February: Saturday 28 is worked, so Monday is the second day.
        (local(2026, 2, 27, 16, 0), "dispute", False, local(2026, 3, 2, 16, 0)),
        # National Day: 30 September -> 8 and 9 October.
        (local(2026, 9, 30, 15, 0), "housing_repair", False, local(2026, 10, 9, 15, 0)),
        # Friday 9 October: Saturday 10 is a make-up workday.
        (local(2026, 10, 9, 15, 0), "welfare", False, local(2026, 10, 12, 15, 0)),
        # Emergencies and utilities run through holidays.
        (local(2026, 2, 17, 23, 30), "other", True, local(2026, 2, 18, 1, 30)),
        (local(2026, 2, 16, 8, 0), "power_outage", False, local(2026, 2, 17, 8, 0)),
    ],
)
def test_contact_deadline(filed: datetime, code: str, emergency: bool, due: datetime) -> None:
    assert contact_deadline(filed, code, emergency, TZ) == due


def test_deadlines_count_calendar_days_in_chongqing_not_in_utc() -> None:
    # 18:00 UTC on Friday 13 Feb is 02:00 on Saturday 14 Feb (a make-up workday) in
    # Chongqing, so the clock starts on the Saturday: 24 and 25 February.
    filed = datetime(2026, 2, 13, 18, 0, tzinfo=ZoneInfo("UTC"))
    assert contact_deadline(filed, "dispute", False, TZ) == local(2026, 2, 25, 2, 0)


@pytest.mark.parametrize(
    ("filed", "code", "emergency", "due"),
    [
        # 7 calendar days.
        (local(2026, 11, 23, 10, 0), "dispute", False, local(2026, 11, 30, 10, 0)),
        # ... a weekend in between does not stretch it.
        (local(2026, 11, 20, 10, 0), "dispute", False, local(2026, 11, 27, 10, 0)),
        # ... landing on National Day moves it to the next working day.
        (local(2026, 9, 24, 10, 0), "environment", False, local(2026, 10, 8, 10, 0)),
        # ... and it is never before the contact deadline (9 October).
        (local(2026, 9, 30, 15, 0), "housing_repair", False, local(2026, 10, 9, 15, 0)),
        (local(2026, 2, 16, 8, 0), "water_supply", False, local(2026, 2, 17, 8, 0)),
        (local(2026, 2, 16, 8, 0), "other", True, local(2026, 2, 16, 10, 0)),
    ],
)
def test_resolve_deadline(filed: datetime, code: str, emergency: bool, due: datetime) -> None:
    assert resolve_deadline(filed, code, emergency, TZ) == due


def test_the_promise_is_worded_in_local_time() -> None:
    due = datetime(2026, 2, 24, 2, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Chongqing
    assert (
        describe_contact_deadline("dispute", False, due, TZ) == "2个工作日内（2月24日周二 10:00前）"
    )
    assert describe_contact_deadline("gas", False, due, TZ).startswith("24小时内")
    assert describe_contact_deadline("gas", True, due, TZ).startswith("2小时内")
