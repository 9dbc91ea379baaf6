"""Open311 while the database is down: nothing an integration sends is lost, never a 500."""

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.main import create_app
from api.settings import Settings
from api.tickets.models import Ticket
from tests.outage.conftest import OutageDatabase, spooled_reports, wait_for

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
TONGGUAN = "500107111002"  # 铜罐社区


@pytest.fixture(scope="module")
def api_key(outage_database: OutageDatabase) -> str:
    """An integration's API key, issued while the database is up."""
    with outage_database.factory() as session:
        account = create_account(
            session,
            username=f"outage-{uuid.uuid4().hex[:10]}",
            display_name="停机测试集成",
            role=Role.SERVICE,
            station_code=None,
            password=None,
        )
        issued = issue_token(session, account, kind=TokenKind.API_KEY, now=datetime.now(UTC))
        session.commit()
        return issued.token


@pytest.fixture
def client(outage_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(outage_settings), raise_server_exceptions=False) as http:
        yield http


def post(client: TestClient, fmt: str, key: str | None, **fields: str) -> Response:
    headers = {**FORM, **({"Idempotency-Key": key} if key else {})}
    body = urlencode(fields).encode()
    return client.post(f"{BASE}/requests.{fmt}", content=body, headers=headers)


def errors_of(response: Response, fmt: str) -> list[dict[str, Any]]:
    """The spec's error list, read from JSON or XML."""
    if fmt == "json":
        return list(response.json())
    root = ET.fromstring(response.content)
    return [
        {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
        for e in root
    ]


def tickets_described(factory: sessionmaker[Session], description: str) -> list[Ticket]:
    """Tickets whose description carries this (unique) text."""
    with factory() as session:
        found = select(Ticket).where(Ticket.description.contains(description))
        return list(session.scalars(found))


def assert_retry_later(response: Response, fmt: str) -> None:
    """503 in the spec's error format, saying in Chinese that nothing was taken."""
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "60"
    [error] = errors_of(response, fmt)
    assert error["code"] == 503
    assert "数据库暂时不可用" in error["description"]
    assert "没有受理" in error["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_while_the_database_is_down_is_refused_for_a_retry_that_files_once(
    client: TestClient,
    api_key: str,
    outage_database: OutageDatabase,
    outage_settings: Settings,
    fmt: str,
) -> None:
    description = f"井盖被人掀开了 {uuid.uuid4().hex[:8]}"
    fields = {"api_key": api_key, "service_code": "public_facility", "description": description}
    key = f"outage-{uuid.uuid4().hex}"
    with outage_database.outage():
        refused = post(client, fmt, key, **fields, address_id=TONGGUAN)
    # The key could not be checked, so nothing was taken (or spooled): the caller retries.
    assert_retry_later(refused, fmt)
    assert spooled_reports(outage_settings) == []
    assert tickets_described(outage_database.factory, description) == []

    retried = post(client, "json", key, **fields, address_id=TONGGUAN)
    assert retried.status_code == 200, retried.text
    [created] = retried.json()
    again = post(client, "json", key, **fields, address_id=TONGGUAN)
    assert again.json()[0]["service_request_id"] == created["service_request_id"]
    filed = tickets_described(outage_database.factory, description)
    assert [ticket.number for ticket in filed] == [created["service_request_id"]]
    assert filed[0].station_code == TONGGUAN


def test_reads_while_the_database_is_down_say_so_instead_of_not_found(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    with outage_database.outage():
        token = client.get(f"{BASE}/tokens/{uuid.uuid4().hex}.json")
        one = client.get(f"{BASE}/requests/LY-20261123-0001.json")
        listed = client.get(f"{BASE}/requests.xml")
    assert_retry_later(token, "json")  # a 404 would tell the integration "no such ticket"
    assert_retry_later(one, "json")
    assert_retry_later(listed, "xml")


def test_a_report_the_database_fails_to_file_is_spooled_and_filed_by_the_replay_loop(
    api_key: str, outage_database: OutageDatabase, outage_settings: Settings
) -> None:
    """The key is checked, then filing fails (the tickets table is gone for a while)."""
    settings = outage_settings.model_copy(update={"spool_replay_seconds": 0.2})
    description = f"路灯倒在人行道上 {uuid.uuid4().hex[:8]}"
    fields = {"api_key": api_key, "service_code": "public_facility", "description": description}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with _tickets_table_away(outage_database):
            queued = post(client, "json", None, **fields, address_id=TONGGUAN)
            assert queued.status_code == 200, queued.text
            [answer] = queued.json()
            assert answer["service_request_id"] is None
            assert "排队" in answer["service_notice"]
            assert [description in r.description for r in spooled_reports(settings)] == [True]
            assert_retry_later(client.get(f"{BASE}/tokens/{answer['token']}.json"), "json")

        def filed() -> bool:
            return client.get(f"{BASE}/tokens/{answer['token']}.json").status_code == 200

        assert wait_for(filed), "the replay loop did not file the spooled report"
        [found] = client.get(f"{BASE}/tokens/{answer['token']}.json").json()
        assert spooled_reports(settings) == []
        tickets = tickets_described(outage_database.factory, description)
        assert [ticket.number for ticket in tickets] == [found["service_request_id"]]


@contextmanager
def _tickets_table_away(database: OutageDatabase) -> Iterator[None]:
    """The tickets table renamed for the block: the database answers but cannot file."""

    def rename(old: str, new: str) -> None:
        with database.factory() as session, session.begin():
            session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    rename("tickets", "tickets_away")
    try:
        yield
    finally:
        rename("tickets_away", "tickets")
