"""What one Open311 filing costs the database, counted in statements, never timed.

Filings queue for SQLite's write lock, so the write transaction must hold only the
filing itself: the API-key check and the form's validation read on a snapshot first.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.database import READ_ONLY_OPTION, is_sqlite, make_engine
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
TONGGUAN = "500107111002"  # 铜罐社区, in both registries
TONGGUAN_AT = ("29.299830", "106.380263")


@pytest.fixture(scope="module")
def client(
    database_url: str, registry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        spool_dir=tmp_path_factory.mktemp("filing-cost-spool"),
        webhook_worker=False,
        escalation_sweep=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


@pytest.fixture(scope="module")
def api_key(session_factory: sessionmaker[Session], registry: Path) -> str:
    with session_factory() as session:
        account = create_account(
            session, username=f"cost-{uuid.uuid4().hex[:10]}", display_name="测试集成",
            role=Role.SERVICE, station_code=None, password=None,
        )  # fmt: skip
        issued = issue_token(session, account, kind=TokenKind.API_KEY, now=datetime.now(UTC))
        session.commit()
        return issued.token


def _statements(client: TestClient, form: dict[str, str]) -> tuple[Any, list[tuple[bool, str]]]:
    """POST one filing; every statement the app ran, with whether it ran read-only."""
    engine: Engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    seen: list[tuple[bool, str]] = []

    def record(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append((bool(connection.get_execution_options().get(READ_ONLY_OPTION)), statement))

    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.post(
            "/open311/v2/requests.json", content=urlencode(form).encode(), headers=FORM
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return answer, seen


def test_the_key_and_the_form_are_checked_before_the_write_transaction(
    client: TestClient, api_key: str
) -> None:
    form = {
        "api_key": api_key,
        "service_code": "public_facility",
        "description": f"路灯不亮 {uuid.uuid4().hex[:8]}",
        "address_id": TONGGUAN,
    }
    answer, seen = _statements(client, form)
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["service_request_id"].startswith("LY-")
    written = [statement for reading, statement in seen if not reading]
    read = [statement for reading, statement in seen if reading]
    assert any("access_tokens" in statement for statement in read)
    assert not any("access_tokens" in statement for statement in written)
    assert any(
        statement.lstrip().upper().startswith("INSERT INTO TICKETS") for statement in written
    )


def test_a_duplicate_filing_looks_for_webhook_subscriptions_once(
    client: TestClient, api_key: str
) -> None:
    """Ticket, events and the link to the original go in one flush: one outbox look-up."""
    lat, lon = TONGGUAN_AT
    form = {"api_key": api_key, "service_code": "water_leak", "lat": lat, "long": lon}
    first, _ = _statements(client, {**form, "description": "楼道漏水"})
    assert first.status_code == 200, first.text
    second, seen = _statements(client, {**form, "description": "楼道还在漏水"})
    assert second.status_code == 200, second.text
    written = [statement for reading, statement in seen if not reading]
    assert sum("FROM webhook_subscriptions" in statement for statement in written) == 1
    assert sum(statement.startswith("INSERT INTO tickets") for statement in written) == 1


def test_each_database_keeps_commits_as_durable_as_the_readme_says(database_url: str) -> None:
    """SQLite: WAL with synchronous=NORMAL (the trade-off the README states); PostgreSQL:
    every commit synced, so a crash never loses an acknowledged ticket."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if is_sqlite(database_url):
                assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
                assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
            else:
                assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
    finally:
        engine.dispose()
