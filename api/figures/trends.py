"""The 三率 over months, for a station and each branch below it, and when tickets arrive.

A station's trend counts every handover to the station or to any station
below it (a town's figures are its whole network); the comparison splits the
same handovers by branch: the station's own (tickets it holds itself) and each
station directly below it with everything under that one. Rates are those of
`api.figures.rates`; a month without handovers has no rate (a gap, not 0 %).
Days and hours are the district's; they count handovers received.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.figures.rates import (
    Handover,
    StationFigures,
    handovers_to,
    period_bounds,
    summarise,
    zone_of,
)
from api.stations.hierarchy import station_subtree
from api.stations.models import Station

MAX_MONTHS = 24


@dataclass(frozen=True)
class Month:
    """A calendar month, by its first and last day."""

    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"


@dataclass(frozen=True)
class Series:
    """One row of the comparison: a station (or branch) over the whole period and by month."""

    station_code: str
    station_name: str
    # True: the handovers the station held itself; False: the station with all below it.
    own_only: bool
    total: StationFigures
    months: list[StationFigures]


@dataclass(frozen=True)
class Trends:
    """What `station_trends` returns."""

    months: list[Month]
    station: Series
    branches: list[Series]
    days: dict[date, int]
    hours: list[int]


def months_between(first: date, last: date) -> list[Month]:
    """The calendar months from `first`'s month to `last`'s, both included."""
    months: list[Month] = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        months.append(Month(start, following - timedelta(days=1)))
        start = following
    return months


def station_trends(
    session: Session, station: Station, first: date, last: date, *, now: datetime
) -> Trends:
    """The station's months from `first`'s month to `last`'s, its branches and arrival pattern."""
    months = months_between(first, last)
    tz = zone_of(now)
    start, end = period_bounds(months[0].first, months[-1].last, tz)
    codes = station_subtree(session, station.code)
    handovers = handovers_to(session, codes, start, end)
    month_of = {month.label: index for index, month in enumerate(months)}

    def series(code: str, name: str, own_only: bool, cohort: list[Handover]) -> Series:
        by_month: list[list[Handover]] = [[] for _ in months]
        for handover in cohort:
            by_month[month_of[f"{handover.started_at.astimezone(tz):%Y-%m}"]].append(handover)
        return Series(
            code,
            name,
            own_only,
            summarise(cohort, now),
            [summarise(part, now) for part in by_month],
        )

    branch_of = _branches(session, station.code, codes)
    by_branch: dict[str, list[Handover]] = defaultdict(list)
    for handover in handovers:
        by_branch[branch_of[handover.station_code]].append(handover)
    names = {code: station.display_name for code, station in _stations(session, branch_of)}
    branches = [series(station.code, names[station.code], True, by_branch[station.code])]
    branches += [
        series(code, names[code], False, by_branch[code])
        for code in sorted(set(branch_of.values()) - {station.code})
    ]
    arrivals = [handover.started_at.astimezone(tz) for handover in handovers]
    hours = Counter(moment.hour for moment in arrivals)
    return Trends(
        months=months,
        station=series(station.code, station.display_name, False, handovers),
        branches=branches if len(branches) > 1 else [],
        days=dict(sorted(Counter(moment.date() for moment in arrivals).items())),
        hours=[hours[hour] for hour in range(24)],
    )


def _branches(session: Session, root: str, codes: set[str]) -> dict[str, str]:
    """Each station of the subtree mapped to the branch it lies in: `root` or a child of it."""
    rows = session.execute(select(Station.code, Station.parent_code).where(Station.code.in_(codes)))
    parent = {code: above for code, above in rows}

    def branch(code: str) -> str:
        seen: set[str] = set()
        while code != root:
            above = parent.get(code)
            if above == root:
                return code
            if above is None or above in seen:  # bad registry data: count it as the root's
                return root
            seen.add(code)
            code = above
        return root

    return {code: branch(code) for code in codes | {root}}


def _stations(session: Session, branch_of: dict[str, str]) -> list[tuple[str, Station]]:
    wanted = sorted(set(branch_of.values()))
    return [(s.code, s) for s in session.scalars(select(Station).where(Station.code.in_(wanted)))]
