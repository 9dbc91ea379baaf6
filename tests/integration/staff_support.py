"""Helpers for the staff API tests: an app with a settable clock, accounts, tickets.

The world used by these tests (codes exist in the demo and the full registry):
金凤镇 500107104 with its rooms 龙凤社区 500107104001 and 金凤佳园社区
500107104002, and 铜罐驿镇's 冬笋坝社区 500107111001 as "another station".
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.clock import get_now
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.schemas import NewReport
from api.tickets.service import file_report

TZ = ZoneInfo("Asia/Shanghai")
TOWN = "500107104"
ROOM = "500107104001"
SIBLING_ROOM = "500107104002"
OTHER_ROOM = "500107111001"
PHONE = "13912345678"
MASKED = "139****5678"


@dataclass
class Clock:
    """The time the app believes it is; tests move it."""

    now: datetime

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@contextmanager
def staff_client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The real app on the test database, its clock pinned to `clock`."""
    app = create_app(
        Settings(database_url=database_url, rasa_port=free_port(), app_port=free_port())
    )
    app.dependency_overrides[get_now] = lambda: clock.now
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def make_token(
    factory: sessionmaker[Session],
    role: Role,
    station_code: str | None,
    now: datetime,
    *,
    ttl: timedelta | None = None,
) -> str:
    """A fresh account of the role and a live token for it."""
    with factory() as session:
        account = create_account(
            session,
            username=unique(role.value),
            display_name="测试人员",
            role=role,
            station_code=station_code,
            password=None if role is Role.SERVICE else "correct horse battery",
        )
        kind = TokenKind.API_KEY if role is Role.SERVICE else TokenKind.BEARER
        token = issue_token(session, account, kind=kind, now=now, ttl=ttl).token
        session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def file_ticket(
    factory: sessionmaker[Session],
    community_code: str,
    when: datetime,
    *,
    service_code: str = "dispute",
    emergency: bool = False,
    phone: str | None = PHONE,
    description: str = "楼上邻居半夜装修",
    location_text: str | None = None,
) -> str:
    """A ticket filed by a resident of the community at `when`; returns its number."""
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code=service_code,
                description=description,
                emergency=emergency,
                community_code=community_code,
                contact_phone=phone,
                # A place of its own, so that no two test tickets look like duplicates.
                location_text=location_text or unique("测试小区"),
            ),
            tz=TZ,
            default_district_code="500107",
            now=when,
        )
        assert filed.ticket.station_code == community_code
        return filed.ticket.number
