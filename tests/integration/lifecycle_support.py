"""A small station tree of our own, far from Chongqing, and tickets placed on it.

The registry tests share has no coordinates for most community rooms; these
stations have exact positions, so "the next nearest station" is known. They
sit at 45°N 125°E, where no Chongqing report ever looks for a station.

    990100 测试区中心 (45.10, 125.10)
    ├── 990100001 一号街道站 (45.00, 125.02)
    │   ├── 990100001001 甲社区室 (45.00, 125.00)
    │   ├── 990100001002 乙社区室 (45.00, 125.01)   ~0.8 km from 甲
    │   ├── 990100001003 丙社区室 (no coordinates)
    │   ├── 990100001004 丁社区室 (45.00, 125.005, handles disputes only)
    │   └── 990100001005 戊社区室 (45.00, 124.995, inactive)
    └── 990100002 二号街道站 (45.05, 125.05)
        └── 990100002001 己社区室 (45.05, 125.06)
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from api.catalogue import SERVICE_CODES
from api.stations.models import Station
from api.tickets.deadlines import contact_deadline, resolve_deadline
from api.tickets.models import SYSTEM_ACTOR, EventKind, Ticket, TicketEvent, TicketStatus
from api.tickets.numbers import next_ticket_number

TZ = ZoneInfo("Asia/Shanghai")
CENTRE = "990100"
TOWN = "990100001"
JIA = "990100001001"
YI = "990100001002"
BING = "990100001003"
DING = "990100001004"
WU = "990100001005"
TOWN_2 = "990100002"
JI = "990100002001"
JIA_POINT = (45.0, 125.0)


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    level: str
    parent: str | None
    lat: float | None
    lon: float | None
    codes: tuple[str, ...] = SERVICE_CODES
    active: bool = True


_TREE = (
    _Row(CENTRE, "测试区", "district", None, 45.10, 125.10),
    _Row(TOWN, "一号街道", "town", CENTRE, 45.00, 125.02),
    _Row(TOWN_2, "二号街道", "town", CENTRE, 45.05, 125.05),
    _Row(JIA, "甲社区", "village", TOWN, 45.00, 125.00),
    _Row(YI, "乙社区", "village", TOWN, 45.00, 125.01),
    _Row(BING, "丙社区", "village", TOWN, None, None),
    _Row(DING, "丁社区", "village", TOWN, 45.00, 125.005, ("dispute",)),
    _Row(WU, "戊社区", "village", TOWN, 45.00, 124.995, active=False),
    _Row(JI, "己社区", "village", TOWN_2, 45.05, 125.06),
)


def ensure_test_stations(factory: sessionmaker[Session]) -> None:
    """Create the tree once per database (idempotent)."""
    with factory() as session, session.begin():
        for row in _TREE:
            if session.get(Station, row.code) is None:
                session.add(
                    Station(
                        code=row.code,
                        name=row.name,
                        short_name=row.name,
                        level=row.level,
                        parent_code=row.parent,
                        lat=row.lat,
                        lon=row.lon,
                        service_codes=list(row.codes),
                        active=row.active,
                    )
                )
                session.flush()


def place_ticket(
    session: Session,
    station_code: str,
    at: datetime,
    *,
    service_code: str = "environment",
    emergency: bool = False,
    lat: float | None = None,
    lon: float | None = None,
    sender_id: str | None = None,
) -> Ticket:
    """A dispatched ticket at a station, committed, as filing would leave it."""
    ticket = Ticket(
        number=next_ticket_number(session, at),
        service_code=service_code,
        description="测试：楼道垃圾没人清",
        emergency=emergency,
        location_text=f"测试地点{uuid.uuid4().hex[:8]}",
        lat=lat,
        lon=lon,
        sender_id=sender_id,
        station_code=station_code,
        dispatch_reason="community",
        dispatch_note="测试派单",
        status=TicketStatus.DISPATCHED,
        created_at=at,
        contact_due_at=contact_deadline(at, service_code, emergency, TZ),
        resolve_due_at=resolve_deadline(at, service_code, emergency, TZ),
        escalation_level=0,
        return_count=0,
    )
    session.add(ticket)
    session.flush()
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind=EventKind.DISPATCHED,
            status=TicketStatus.DISPATCHED,
            actor=SYSTEM_ACTOR,
            note="测试派单",
            data={"station_code": station_code},
            created_at=at,
        )
    )
    session.commit()
    return ticket


def fresh(factory: sessionmaker[Session], ticket: Ticket | int) -> Ticket:
    """The ticket as a new session reads it from the database, events loaded.

    Takes the ticket's id without touching its attributes: after a rollback
    that would reload it and, on SQLite, hold the write lock.
    """
    ticket_id = ticket if isinstance(ticket, int) else inspect(ticket).identity[0]
    with factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.events  # noqa: B018 - load the events before the session closes
        return ticket
