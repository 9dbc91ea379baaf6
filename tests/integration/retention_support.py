"""Helpers for the retention tests: a Rasa tracker store with chosen times, and tickets' lives.

Everything happens in 2024 and 2025, years no other test files tickets in, so a
sweep of those years only touches what these tests made.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from api.rasa.tracker import EVENTS
from api.tickets import lifecycle
from api.tickets.models import RESIDENT_ACTOR, Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from tests.integration.staff_support import ROOM, TZ

STAFF = "staff:retention"
PHONE = "13912345678"
PROGRESS = "师傅已上门查看，明天换管"


class TrackerStore:
    """Rasa's `events` table in a SQLite file, with the times a test chooses."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        self._engine = create_engine(self.url)
        EVENTS.metadata.create_all(self._engine)

    def says(self, sender: str, text: str, at: datetime) -> None:
        """A resident's message and the bot's answer, at `at`."""
        for type_name, data in (
            ("user", {"text": text, "parse_data": {"intent": {"name": "inform"}}}),
            ("bot", {"text": "好的，记下了"}),
        ):
            self._add(sender, type_name, data, at)

    def _add(self, sender: str, type_name: str, data: dict[str, Any], at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(EVENTS).values(
                    sender_id=sender,
                    type_name=type_name,
                    timestamp=at.timestamp(),
                    data=json.dumps({"event": type_name, **data}, ensure_ascii=False),
                )
            )

    def texts_of(self, sender: str) -> list[str]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == sender))
            return [json.loads(data).get("text", "") for data in rows.scalars()]

    def close(self) -> None:
        self._engine.dispose()


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=TZ)


def file(
    factory: sessionmaker[Session], sender: str, when: datetime, tag: str, *, lat: float | None
) -> str:
    """A leak at 龙凤社区 with the resident's phone, home and words; returns the number."""
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="water_leak",
                description=f"{tag}厨房漏水，电话{PHONE}，住8栋3单元602",
                community_code=ROOM,
                location_text=f"龙凤社区{tag}小区8栋3单元602",
                lat=lat,
                lon=None if lat is None else 106.45678,
                contact_phone=PHONE,
                sender_id=sender,
            ),
            tz=TZ,
            default_district_code="500107",
            now=when,
        )
        return filed.ticket.number


def work(factory: sessionmaker[Session], number: str, *steps: tuple[str, datetime]) -> None:
    """Staff and the resident move the ticket: sign, notes, resolve, rate, reopen, in order."""
    with factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        for step, when in steps:
            if step == "sign":
                lifecycle.sign(session, ticket, actor=STAFF, now=when)
            elif step == "note":
                lifecycle.add_note(
                    session, ticket, actor=STAFF, now=when, note=f"已电话联系{PHONE}，约好上门"
                )
            elif step == "progress":
                lifecycle.add_note(session, ticket, actor=STAFF, now=when, note=PROGRESS)
            elif step == "resolve":
                lifecycle.resolve(
                    session, ticket, actor=STAFF, now=when, resolution="已更换8栋3单元602的水管"
                )
            elif step == "rate":
                lifecycle.rate(session, ticket, now=when, stars=5, comment=f"师傅很好，{PHONE}")
            elif step == "resident reopens":
                lifecycle.reopen(
                    session, ticket, actor=RESIDENT_ACTOR, now=when, reason=f"还在漏，打{PHONE}"
                )
            elif step == "staff reopen":
                lifecycle.reopen(
                    session, ticket, actor=STAFF, now=when, reason=f"回访时居民说还漏，{PHONE}"
                )
            else:
                raise ValueError(step)
        session.commit()
