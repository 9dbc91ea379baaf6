"""Duplicate awareness: a new report of a problem someone already reported nearby.

A new report is linked to an earlier ticket when both are of the same service
code, the earlier one is still open (dispatched, signed, in progress or
reopened) and was filed at most `DUPLICATE_WINDOW` (48 hours) before, and
they are at the same place: within `DUPLICATE_RADIUS_KM` (200 m, FixMyStreet
suggests 250 m) when both have coordinates, otherwise the same location text
once spaces and punctuation are ignored — and only when that text names
something smaller than a division (a building, a number, an estate): a whole
community or town is not "a short distance", and two leaks in one community
are usually two leaks. Of several matches the earliest wins,
so reports gather on the first one.

The database does the looking: a ticket keeps its normalised place text
(`place_key`), and coordinates are first narrowed to a box around the new
report, so filing costs the same with ten open tickets or ten thousand.

Linking never drops the new report: it is still filed, goes to the same
station so the station sees both, and both tickets get a DUPLICATE_LINKED
event. Staff decide whether it is really the same problem.
"""

import math
import re
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, Row, and_, or_, select
from sqlalchemy.orm import Session, lazyload

from api.dispatch.geo import haversine_km
from api.tickets.events import new_event
from api.tickets.models import OPEN_STATUSES, SYSTEM_ACTOR, EventKind, Ticket, TicketEvent

DUPLICATE_RADIUS_KM: Final = 0.2
_KM_PER_DEGREE_LATITUDE: Final = 111.0
_PLACE_KEY_LENGTH: Final = 200
DUPLICATE_WINDOW: Final = timedelta(hours=48)
_NOT_PLACE = re.compile(r"[\s\W_]+")
# Marks of a place finer than a community: numbers, buildings, units, estates.
_FINE_PLACE = re.compile(r"\d|[栋幢号楼单元门户院苑]|小区|花园|大厦|广场|市场|学校|公园")
_DIVISION_ONLY = re.compile(r"(社区|村|街道|镇|乡|(?<!小)区)$")


def same_place_text(a: str | None, b: str | None) -> bool:
    """Two location texts naming the same spot, ignoring spaces and punctuation."""
    left, right = _normalised(a), _normalised(b)
    return bool(left) and left == right and is_fine_place(left)


def is_fine_place(text: str) -> bool:
    """Whether a place text is finer than a division name such as 天宝路社区 or 金凤镇."""
    return not _DIVISION_ONLY.search(text) and bool(_FINE_PLACE.search(text))


def place_key(text: str | None) -> str | None:
    """What a ticket keeps of its location text for the check: None for a division."""
    normalised = _normalised(text)
    if not normalised or not is_fine_place(normalised):
        return None
    return normalised[:_PLACE_KEY_LENGTH]


def _normalised(text: str | None) -> str:
    return _NOT_PLACE.sub("", text or "").casefold()


def find_original(
    session: Session,
    *,
    service_code: str,
    lat: float | None,
    lon: float | None,
    location_text: str | None,
    at: datetime,
) -> Ticket | None:
    """The earliest open ticket the new report duplicates, if any.

    Candidates at the same spot are read as a few columns, not as tickets with their
    event logs: only the one that matches is loaded.
    """
    window = (
        Ticket.service_code == service_code,
        Ticket.status.in_(sorted(OPEN_STATUSES)),
        Ticket.created_at >= at - DUPLICATE_WINDOW,
        Ticket.created_at <= at,
    )
    columns = (Ticket.id, Ticket.created_at, Ticket.lat, Ticket.lon, Ticket.location_text)
    found: dict[int, Row[int, datetime, float | None, float | None, str | None]] = {}
    # One query per way of being near, each on an index of its own: a single query
    # with OR between them would make the database read every ticket in the window.
    for near in _near(lat, lon, place_key(location_text)):
        for row in session.execute(select(*columns).where(*window, near)):
            found[row.id] = row
    for row in sorted(found.values(), key=lambda r: (r.created_at, r.id)):
        if _same_place(row.lat, row.lon, row.location_text, lat, lon, location_text):
            # Its event log stays unread: the filing only adds to it.
            return session.get(Ticket, row.id, options=[lazyload(Ticket.events)])
    return None


def _near(lat: float | None, lon: float | None, key: str | None) -> list[ColumnElement[bool]]:
    """Where a match can be: in a box around the coordinates, or at the same place text."""
    ways: list[ColumnElement[bool]] = []
    if lat is not None and lon is not None:
        lat_span = DUPLICATE_RADIUS_KM / _KM_PER_DEGREE_LATITUDE
        lon_span = lat_span / max(math.cos(math.radians(lat)), 0.01)
        ways.append(
            and_(
                Ticket.lat.between(lat - lat_span, lat + lat_span),
                Ticket.lon.between(lon - lon_span, lon + lon_span),
            )
        )
    if key is not None:
        same_text = Ticket.place_key == key
        if ways:  # with coordinates on both sides the box decides, not the text
            same_text = and_(or_(Ticket.lat.is_(None), Ticket.lon.is_(None)), same_text)
        ways.append(same_text)
    return ways


def _same_place(
    their_lat: float | None,
    their_lon: float | None,
    their_text: str | None,
    lat: float | None,
    lon: float | None,
    text: str | None,
) -> bool:
    if lat is not None and lon is not None and their_lat is not None and their_lon is not None:
        return haversine_km(lat, lon, their_lat, their_lon) <= DUPLICATE_RADIUS_KM
    return same_place_text(their_text, text)


def link_duplicate(
    session: Session, ticket: Ticket, original: Ticket, *, now: datetime
) -> tuple[TicketEvent, TicketEvent]:
    """Point `ticket` at `original` and say so in both logs; neither flushes nor commits."""
    ticket.duplicate_of_id = original.id
    ticket.updated_at = now
    original.updated_at = now
    on_new = new_event(
        EventKind.DUPLICATE_LINKED,
        actor=SYSTEM_ACTOR,
        now=now,
        note=f"与工单 {original.number} 反映的可能是同一问题，已派给同一站点",
        data={"duplicate_of": original.number, "role": "duplicate"},
    )
    on_new.ticket = ticket
    on_original = new_event(
        EventKind.DUPLICATE_LINKED,
        actor=SYSTEM_ACTOR,
        now=now,
        note=f"新工单 {ticket.number} 反映的可能是同一问题",
        data={"duplicate": ticket.number, "role": "original"},
    )
    on_original.ticket_id = original.id
    session.add_all([on_new, on_original])
    return on_new, on_original
