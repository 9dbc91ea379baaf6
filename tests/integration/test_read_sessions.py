"""Reads never wait for a writer: a GET answers while a report is being filed.

Every SQLite transaction used to begin with BEGIN IMMEDIATE, reads included, so a
resident's ticket list waited for (and, past the busy timeout, failed on) whatever
transaction held the write lock. GET requests now read through a read-only session:
a snapshot, no lock. A write through such a session is a bug and is refused.
"""

import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker

from api.database import ReadOnlyViolationError, make_engine, make_session_factory, read_only
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report

TZ = ZoneInfo("Asia/Shanghai")
BUSY_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        database_timeout_seconds=BUSY_TIMEOUT,
        rasa_port=free_port(),
        app_port=free_port(),
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def filed_by(session: Session, sender: str) -> str:
    filed = file_report(
        session,
        NewReport(
            service_code="water_leak",
            description="厨房水管漏水",
            community_code="500107001011",
            contact_phone="13812345678",
            sender_id=sender,
        ),
        tz=TZ,
        default_district_code="500107",
        now=datetime(2026, 11, 23, 9, 0, tzinfo=TZ),
    )
    session.commit()
    return filed.ticket.number


def test_a_resident_list_answers_while_a_writer_holds_the_lock(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    sender = f"web-{uuid.uuid4()}"
    with session_factory() as session:
        number = filed_by(session, sender)
    with session_factory() as writer, writer.begin():
        # A filing in progress: the write lock (SQLite) or the row's lock (PostgreSQL).
        writer.execute(update(Ticket).where(Ticket.number == number).values(description="改了"))
        began = time.monotonic()
        response = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
        took = time.monotonic() - began
        writer.rollback()
    assert response.status_code == 200, response.text
    assert [t["number"] for t in response.json()["tickets"]] == [number]
    assert response.json()["tickets"][0]["description"] == "厨房水管漏水"  # not the uncommitted
    assert took < 1.0, f"the list waited {took:.1f} s for the writer"


def test_a_write_through_a_read_only_session_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    reader = make_session_factory(read_only(engine))
    try:
        with reader() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
            with pytest.raises(ReadOnlyViolationError, match="UPDATE tickets"):
                session.execute(update(Ticket).values(description="x"))
    finally:
        engine.dispose()
