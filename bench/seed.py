"""Many open tickets, fast: bulk inserts with SQLAlchemy core, spread the way real ones are.

The duplicate search (api/tickets/duplicates.py) looks for open tickets of the
same code, filed in the last 48 hours, in a coordinate box or with the same
place key. So the seeded tickets are all open and all inside that window (the
worst case for it), of every code in proportions like the district's, at every
station of the registry: seven in ten with coordinates scattered around their
station (or its town, for the communities without coordinates), the rest with a
place text only, most of them fine enough (an estate, a building) to get a key.
"""

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from api.stations.models import Station
from api.tickets.duplicates import place_key
from api.tickets.models import EventKind, Ticket, TicketCounter, TicketEvent, TicketStatus

TZ = ZoneInfo("Asia/Shanghai")
BATCH = 5_000
# Rough shares of the district's reports per code.
CODE_WEIGHTS: dict[str, int] = {
    "water_leak": 18, "water_supply": 8, "power_outage": 8, "gas": 3, "dispute": 12,
    "housing_repair": 15, "environment": 16, "public_facility": 12, "welfare": 4, "other": 4,
}  # fmt: skip
STATUS_WEIGHTS: dict[str, int] = {
    TicketStatus.DISPATCHED: 55, TicketStatus.SIGNED: 20,
    TicketStatus.IN_PROGRESS: 20, TicketStatus.REOPENED: 5,
}  # fmt: skip
ESTATES = ("翠湖花园", "阳光小区", "龙湖时代", "幸福家园", "锦绣山庄", "滨江苑", "建设新村")
JITTER_DEGREES = 0.012  # about 1.3 km


@dataclass(frozen=True)
class Spot:
    """A station and the point tickets near it scatter around."""

    code: str
    short_name: str
    lat: float
    lon: float


def spots(engine: Engine) -> list[Spot]:
    """Every active station below the district, at its coordinates or its parent's."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Station.code, Station.short_name, Station.level, Station.parent_code,
                   Station.lat, Station.lon).where(Station.active)
        ).all()  # fmt: skip
    where = {row.code: (row.lat, row.lon) for row in rows if row.lat is not None}
    found = []
    for row in rows:
        point = where.get(row.code) or where.get(row.parent_code or "")
        if row.level != "district" and point is not None:
            found.append(Spot(row.code, row.short_name, point[0], point[1]))
    if not found:
        raise ValueError("the registry has no station with coordinates")
    return found


def _jitter(rng: random.Random, degrees: float) -> float:
    return degrees + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES)


def ticket_row(rng: random.Random, spot: Spot, created: datetime, number: str) -> dict[str, Any]:
    """One open ticket at a spot, as the tickets table holds it."""
    code = rng.choices(list(CODE_WEIGHTS), weights=list(CODE_WEIGHTS.values()))[0]
    with_coordinates = rng.random() < 0.7
    if rng.random() < 0.8:
        building = f"{rng.randrange(1, 40)}栋{rng.randrange(1, 6)}单元"
        place = f"{spot.short_name}{rng.choice(ESTATES)}{building}"
    else:
        place = spot.short_name  # a division only: no place key
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    return {
        "number": number,
        "service_code": code,
        "description": "压测预置工单",
        "emergency": False,
        "location_text": place,
        "place_key": place_key(place),
        "lat": _jitter(rng, spot.lat) if with_coordinates else None,
        "lon": _jitter(rng, spot.lon) if with_coordinates else None,
        "station_code": spot.code,
        "dispatch_reason": "nearest" if with_coordinates else "community",
        "dispatch_note": "压测预置",
        "sender_id": f"seed-{number}",
        "status": str(status),
        "created_at": created,
        "contact_due_at": created + timedelta(hours=24),
        "resolve_due_at": created + timedelta(days=7),
        "escalation_level": 0,
        "return_count": 0,
        "updated_at": created,
    }


def _bump_counters(engine: Engine, counters: Counter[str]) -> None:
    """Leave each day's number counter past the numbers the seed took."""
    dialect = engine.dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    with engine.begin() as connection:
        for day, last in counters.items():
            statement = insert_fn(TicketCounter).values(day=day, last=last)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[TicketCounter.day],
                    set_={"last": func.max(TicketCounter.last, last)}
                    if dialect != "postgresql"
                    else {"last": func.greatest(TicketCounter.last, last)},
                )
            )


def seed_open_tickets(
    engine: Engine, count: int, *, seed: int = 5, now: datetime | None = None
) -> float:
    """Insert `count` open tickets (and their created/dispatched events); returns seconds taken.

    Numbers take a high range of each day (from 50,000) so they cannot meet the
    ones the counter hands out next.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    places = spots(engine)
    now = (now or datetime.now(TZ)).astimezone(TZ)
    window = timedelta(hours=46)
    counters: Counter[str] = Counter()
    with engine.connect() as connection:
        next_id = (connection.scalar(select(func.max(Ticket.id))) or 0) + 1
    for batch_start in range(0, count, BATCH):
        tickets: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for _ in range(batch_start, min(count, batch_start + BATCH)):
            created = now - window * rng.random()
            day = created.strftime("%Y%m%d")
            counters[day] += 1
            row = ticket_row(rng, rng.choice(places), created, f"LY-{day}-{50_000 + counters[day]}")
            row["id"] = next_id
            tickets.append(row)
            for kind in (EventKind.CREATED, EventKind.DISPATCHED):
                events.append(
                    {"ticket_id": next_id, "kind": str(kind), "status": "dispatched",
                     "actor": "system", "note": None, "data": {}, "created_at": created}
                )  # fmt: skip
            next_id += 1
        with engine.begin() as connection:
            connection.execute(insert(Ticket), tickets)
            connection.execute(insert(TicketEvent), events)
    _bump_counters(engine, Counter({day: 50_000 + n for day, n in counters.items()}))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("tickets", "ticket_events"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                connection.execute(
                    text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
                )
            connection.execute(text("ANALYZE tickets"))
    return time.perf_counter() - started
