"""The Chinese working calendar that SLA clocks count in.

Working days follow the State Council's yearly holiday notice: statutory
holidays and the days off around them are not working days, and the make-up
weekend workdays (调休上班, e.g. Saturday 14 and 28 February 2026) are. The data
comes from the maintained `holidays` library (`holidays.China`), which carries
the official notices for 2001 up to `OFFICIAL_LAST_YEAR` (2026 with
holidays 0.109). For later years it computes the statutory holidays from the
rules (lunar dates, observed days) but cannot know the make-up workdays the
notice will announce: `has_official_arrangement(year)` tells which case a year
is, and upgrading `holidays` once the notice is out (usually November) brings
the real arrangement in.
"""

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

from holidays import HolidayBase, country_holidays
from holidays.countries.china import ChinaStaticHolidays

OFFICIAL_FIRST_YEAR: Final = 2001
OFFICIAL_LAST_YEAR: Final[int] = max(ChinaStaticHolidays.special_public_holidays)
logger = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def _china(year: int) -> HolidayBase:
    """One year of the calendar; built once, then only read (safe across threads)."""
    if not has_official_arrangement(year):
        logger.warning(
            "no official holiday notice for %d in holidays: statutory holidays only, "
            "make-up workdays unknown; upgrade the holidays package",
            year,
        )
    return country_holidays("CN", years=year, language="zh_CN")


def has_official_arrangement(year: int) -> bool:
    """Whether the year's make-up workdays are known, not just its statutory holidays."""
    return OFFICIAL_FIRST_YEAR <= year <= OFFICIAL_LAST_YEAR


def is_working_day(day: date) -> bool:
    """A weekday that is not a holiday, or a weekend day that is a make-up workday."""
    return _china(day.year).is_working_day(day)


def holiday_name(day: date) -> str | None:
    """The statutory holiday or day off a date falls on, in Chinese, if any."""
    name = _china(day.year).get(day)
    return str(name) if name is not None else None


def add_working_days(start: datetime, days: int) -> datetime:
    """The same wall-clock time `days` working days later; the start day never counts.

    `start` should already be in the district's time zone, since the calendar
    day is what decides whether a day is worked.
    """
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    return current


def roll_to_working_day(moment: datetime) -> datetime:
    """The same wall-clock time on the first working day at or after `moment`."""
    current = moment
    while not is_working_day(current.date()):
        current += timedelta(days=1)
    return current
