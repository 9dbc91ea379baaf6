"""A station's 三率 (response, resolution, satisfaction) and on-time rate, from the event log.

Figures are replayed from `ticket_events` alone — never from the ticket's
mutable columns, which only say where a ticket is *now*. Replaying a ticket's
events rebuilds every *handover* (接单): the ticket reaching a station by
dispatch, re-dispatch after a return (退单), transfer (转派) or reopening
(重办, the same station owes a fresh answer). Each handover carries the
deadlines the lifecycle gave it, recomputed the same way: a contact deadline
from the handover time, the resolve deadline promised at filing (or renewed at
a reopening), never earlier than the contact deadline.

For station S and the days [from, to] (district time), the cohort is S's
handovers that began in those days, judged at `now`:

- received (受理量): the cohort's size.
- 响应率 response rate = handovers signed (签收) by S at or before their
  contact deadline ÷ handovers due for a response. A handover is due once it
  is signed or its contact deadline has passed; one passed on (returned or
  transferred) unsigned before its deadline was not S's to answer.
- 办结率 resolution rate = handovers S resolved ÷ handovers S kept (not
  passed on by return or transfer).
- 按时办结率 on-time rate = handovers S resolved at or before their resolve
  deadline ÷ kept handovers that are resolved or past their resolve deadline.
- 满意率 satisfaction rate = ratings of 4 or 5 stars ÷ all ratings, counting
  every rating residents gave on the cohort's resolutions.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.tickets.deadlines import contact_deadline, district_tz, resolve_deadline
from api.tickets.models import EventKind, Ticket, TicketEvent

# Events that hand a ticket to the station named in their data's station_code.
HANDOVER_KINDS: frozenset[str] = frozenset(
    {EventKind.DISPATCHED, EventKind.TRANSFERRED, EventKind.REOPENED}
)
SATISFIED_STARS = 4


@dataclass
class Handover:
    """One stretch of a ticket at one station, and what the station did with it."""

    station_code: str
    started_at: datetime
    contact_due: datetime
    resolve_due: datetime
    signed_at: datetime | None = None
    resolved_at: datetime | None = None
    passed_on_at: datetime | None = None
    stars: list[int] = field(default_factory=list)

    def response_due(self, now: datetime) -> bool:
        """Whether this handover counts in the response rate at `now`."""
        if self.signed_at is not None:
            return True
        if self.passed_on_at is not None and self.passed_on_at <= self.contact_due:
            return False
        return self.contact_due <= now

    def responded_on_time(self) -> bool:
        return self.signed_at is not None and self.signed_at <= self.contact_due

    @property
    def kept(self) -> bool:
        return self.passed_on_at is None

    def resolution_decided(self, now: datetime) -> bool:
        return self.kept and (self.resolved_at is not None or self.resolve_due <= now)

    def resolved_on_time(self) -> bool:
        return self.resolved_at is not None and self.resolved_at <= self.resolve_due


@dataclass(frozen=True)
class Ratio:
    """A rate with its parts."""

    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None


@dataclass(frozen=True)
class StationFigures:
    """What `station_figures` returns for one station and period."""

    received: int
    response: Ratio
    resolution: Ratio
    on_time: Ratio
    satisfaction: Ratio


def replay(ticket: Ticket, events: Iterable[TicketEvent]) -> list[Handover]:
    """Every handover of one ticket, rebuilt from its events in log order."""
    service_code, emergency = ticket.service_code, ticket.emergency
    handovers: list[Handover] = []
    current: Handover | None = None
    promised: datetime | None = None
    clock_start: datetime | None = None
    for event in sorted(events, key=lambda e: e.id):
        data: dict[str, Any] = event.data or {}
        at = event.created_at
        if event.kind == EventKind.CREATED:
            service_code = str(data.get("service_code", service_code))
            emergency = bool(data.get("emergency", emergency))
            promised = resolve_deadline(at, service_code, emergency)
            clock_start = at
        elif event.kind == EventKind.RECATEGORISED and data.get("to_code"):
            # 改类 gives the ticket the new category's clocks, as if filed that way.
            service_code = str(data["to_code"])
            promised = resolve_deadline(clock_start or at, service_code, emergency)
            if current is not None:
                current.contact_due = contact_deadline(current.started_at, service_code, emergency)
                current.resolve_due = max(promised, current.contact_due)
        elif event.kind in HANDOVER_KINDS and data.get("station_code"):
            if event.kind == EventKind.REOPENED or promised is None:
                promised = resolve_deadline(at, service_code, emergency)
                clock_start = at
            contact_due = contact_deadline(at, service_code, emergency)
            promised = max(promised, contact_due)
            if current is not None and current.passed_on_at is None and current.resolved_at is None:
                current.passed_on_at = at
            current = Handover(str(data["station_code"]), at, contact_due, promised)
            handovers.append(current)
        elif current is not None:
            _apply(current, event)
    return handovers


def _apply(handover: Handover, event: TicketEvent) -> None:
    """What a non-handover event does to the current handover."""
    at = event.created_at
    if event.kind == EventKind.SIGNED and handover.signed_at is None:
        handover.signed_at = at
    elif event.kind == EventKind.RESOLVED and handover.resolved_at is None:
        handover.resolved_at = at
    elif event.kind == EventKind.RETURNED and handover.passed_on_at is None:
        handover.passed_on_at = at
    elif event.kind == EventKind.RATED and handover.resolved_at is not None:
        stars = (event.data or {}).get("stars")
        if isinstance(stars, int):
            handover.stars.append(stars)


def period_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the district's time zone."""
    start = datetime.combine(first, time.min, tz)
    return start, datetime.combine(last + timedelta(days=1), time.min, tz)


def station_figures(
    session: Session, station_code: str, first: date, last: date, *, now: datetime
) -> StationFigures:
    """The station's figures for handovers that began between `first` and `last` (inclusive)."""
    start, end = period_bounds(first, last, zone_of(now))
    return summarise(handovers_to(session, {station_code}, start, end), now)


def summarise(cohort: list[Handover], now: datetime) -> StationFigures:
    """The rates of a cohort of handovers, as defined in the module docstring."""
    due = [h for h in cohort if h.response_due(now)]
    kept = [h for h in cohort if h.kept]
    decided = [h for h in cohort if h.resolution_decided(now)]
    stars = [s for h in cohort for s in h.stars]
    return StationFigures(
        received=len(cohort),
        response=Ratio(sum(h.responded_on_time() for h in due), len(due)),
        resolution=Ratio(sum(h.resolved_at is not None for h in kept), len(kept)),
        on_time=Ratio(sum(h.resolved_on_time() for h in decided), len(decided)),
        satisfaction=Ratio(sum(s >= SATISFIED_STARS for s in stars), len(stars)),
    )


def handovers_to(
    session: Session, station_codes: Collection[str], start: datetime, end: datetime
) -> list[Handover]:
    """Every handover to one of these stations that began in [start, end).

    Each ticket is replayed from all its events (a handover's deadlines and
    outcome depend on what came before and after it), loaded in one query.
    """
    codes = sorted(set(station_codes))
    handed = (
        select(TicketEvent.ticket_id)
        .where(
            TicketEvent.kind.in_(sorted(HANDOVER_KINDS)),
            TicketEvent.data["station_code"].as_string().in_(codes),
            TicketEvent.created_at >= start,
            TicketEvent.created_at < end,
        )
        .distinct()
    )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(handed))
        .options(selectinload(Ticket.events))
        .order_by(Ticket.id)
    )
    wanted = set(codes)
    return [
        handover
        for ticket in tickets
        for handover in replay(ticket, ticket.events)
        if handover.station_code in wanted and start <= handover.started_at < end
    ]


def zone_of(now: datetime) -> ZoneInfo:
    """Days are counted in the caller's zone (the request clock's), else the district's."""
    zone = now.tzinfo
    return zone if isinstance(zone, ZoneInfo) else district_tz()
