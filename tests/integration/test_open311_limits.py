"""Open311 filing per API key: a burst makes at most OPEN311_BURST tickets, then 429.

The limits are set here (small, so nothing sleeps) and every expected figure
is worked out from them. A test that needs time to pass gives the app a
limiter built from the same settings with a clock of its own.
"""

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.main import create_app
from api.open311.limits import FilingLimiter
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.models import Ticket

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
TONGGUAN = "500107111002"
BURST = 4
RATE_PER_MINUTE = 2.0  # one more filing every 30 s
REFILL_SECONDS = 60 / RATE_PER_MINUTE
POSTS = 50


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
        spool_dir=tmp_path_factory.mktemp("open311-limits-spool"),
        webhook_worker=False,
        open311_burst=BURST,
        open311_rate_per_minute=RATE_PER_MINUTE,
    )


@pytest.fixture(scope="module")
def client(settings: Settings, registry: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


@pytest.fixture
def clock(client: TestClient, settings: Settings) -> Iterator[FakeClock]:
    """The app's limiter, as `create_app` builds it from settings, on a clock we move."""
    fake = FakeClock()
    app: Any = client.app
    built = app.state.open311_limiter
    app.state.open311_limiter = FilingLimiter.from_settings(settings, clock=fake)
    yield fake
    app.state.open311_limiter = built


def new_api_key(factory: sessionmaker[Session]) -> str:
    """A fresh integration's API key, so no other test has spent from its bucket."""
    with factory() as session:
        account = create_account(
            session,
            username=f"o311-limit-{uuid.uuid4().hex[:10]}",
            display_name="限流测试集成",
            role=Role.SERVICE,
            station_code=None,
            password=None,
        )
        issued = issue_token(session, account, kind=TokenKind.API_KEY, now=datetime.now(UTC))
        session.commit()
        return issued.token


def post(
    client: TestClient, api_key: str, text: str, fmt: str = "json", key: str | None = None
) -> Any:
    fields = {
        "api_key": api_key,
        "service_code": "public_facility",
        "address_id": TONGGUAN,
        "description": text,
    }
    headers = {**FORM, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"{BASE}/requests.{fmt}", content=urlencode(fields), headers=headers)


def unique_text() -> str:
    return f"路灯一直闪，晚上看不清路（限流测试 {uuid.uuid4().hex[:8]}）"


def tickets_with(factory: sessionmaker[Session], text: str) -> int:
    with factory() as session:
        statement = select(func.count()).select_from(Ticket)
        return session.scalar(statement.where(Ticket.description.startswith(text))) or 0


def assert_throttled(response: Any, fmt: str = "json") -> int:
    """A 429 in the spec's error format with a Chinese reason; returns Retry-After."""
    assert response.status_code == 429, response.text
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    if fmt == "json":
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        [error] = response.json()
        assert set(error) == {"code", "description"} and error["code"] == 429
        description = error["description"]
    else:
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        assert b"<errors><error><code>429</code><description>" in response.content
        description = response.text
    assert "频繁" in description and f"{retry_after} 秒" in description
    return int(retry_after)


def test_a_burst_of_identical_posts_files_at_most_the_burst(
    client: TestClient, session_factory: sessionmaker[Session], registry: Path
) -> None:
    """On the limiter the app built itself, with the real clock."""
    api_key, text = new_api_key(session_factory), unique_text()
    responses = [post(client, api_key, text) for _ in range(POSTS)]
    filed = [r for r in responses if r.status_code == 200]
    assert len(filed) == BURST
    assert [r.status_code for r in responses[:BURST]] == [200] * BURST
    for response in responses[BURST:]:
        assert 1 <= assert_throttled(response) <= math.ceil(REFILL_SECONDS)
    numbers = {r.json()[0]["service_request_id"] for r in filed}
    assert len(numbers) == BURST
    for number in numbers:
        assert client.get(f"{BASE}/requests/{number}.json").status_code == 200
    assert tickets_with(session_factory, text) == BURST
    assert_throttled(post(client, api_key, text, "xml"), "xml")


def test_another_key_is_not_affected(
    client: TestClient, clock: FakeClock, session_factory: sessionmaker[Session]
) -> None:
    busy, other, text = new_api_key(session_factory), new_api_key(session_factory), unique_text()
    for _ in range(BURST):
        assert post(client, busy, text).status_code == 200
    assert_throttled(post(client, busy, text))
    for _ in range(BURST):
        assert post(client, other, text).status_code == 200
    assert_throttled(post(client, other, text))
    assert_throttled(post(client, busy, text))
    assert tickets_with(session_factory, text) == 2 * BURST


def test_filing_works_again_once_retry_after_has_passed(
    client: TestClient, clock: FakeClock, session_factory: sessionmaker[Session]
) -> None:
    api_key, text = new_api_key(session_factory), unique_text()
    for _ in range(BURST):
        assert post(client, api_key, text).status_code == 200
    wait = assert_throttled(post(client, api_key, text))
    assert wait == math.ceil(REFILL_SECONDS)
    clock.advance(wait - 1)
    assert assert_throttled(post(client, api_key, text)) == 1  # refused posts cost nothing
    clock.advance(1)
    assert post(client, api_key, text).status_code == 200
    assert_throttled(post(client, api_key, text))
    clock.advance(BURST * REFILL_SECONDS * 10)  # a long pause refills the burst, no more
    for _ in range(BURST):
        assert post(client, api_key, text).status_code == 200
    assert_throttled(post(client, api_key, text))
    assert tickets_with(session_factory, text) == 2 * BURST + 1


def test_a_retry_with_the_same_idempotency_key_is_answered_and_not_counted(
    client: TestClient, clock: FakeClock, session_factory: sessionmaker[Session]
) -> None:
    api_key, text, key = new_api_key(session_factory), unique_text(), uuid.uuid4().hex
    first = post(client, api_key, text, key=key)
    assert first.status_code == 200, first.text
    number = first.json()[0]["service_request_id"]
    for _ in range(3 * BURST):
        again = post(client, api_key, text, key=key)
        assert again.status_code == 200
        assert again.json()[0]["service_request_id"] == number
    others = unique_text()
    for _ in range(BURST - 1):  # the retries left the rest of the burst untouched
        assert post(client, api_key, others).status_code == 200
    assert_throttled(post(client, api_key, others))
    late = post(client, api_key, text, "xml", key=key)  # still answered while throttled
    assert late.status_code == 200 and number in late.text
    assert_throttled(post(client, api_key, unique_text(), key=uuid.uuid4().hex))
    assert tickets_with(session_factory, text) == 1
    assert tickets_with(session_factory, others) == BURST - 1
