"""A database that answers but takes no writes: a 503 to try again, never a 500.

Managed PostgreSQL turns read-only by itself when its disk is nearly full, and the
app meets a read-only server after a failover onto a standby; SQLite does the same
with a file it may not write. Writes then fail with the server's own refusal, which
is the database being unavailable for a while, not a bug in the request.
"""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from api.auth.models import Role
from api.auth.service import create_account
from api.database import transaction
from api.main import create_app
from api.settings import Settings
from tests.outage.conftest import OutageDatabase

PASSWORD = "read-only-Pa55word"


def read_only_url(database: OutageDatabase) -> str:
    """The same database, opened so that it refuses every write."""
    url = make_url(database.direct_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    options = url.query.get("options", "")
    options = f"{options} -cdefault_transaction_read_only=on".strip()
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture
def client(outage_database: OutageDatabase, outage_settings: Settings) -> Iterator[TestClient]:
    settings = outage_settings.model_copy(update={"database_url": read_only_url(outage_database)})
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def test_a_write_refused_by_a_read_only_database_is_a_503_in_chinese(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    username = f"ro-{uuid.uuid4().hex[:8]}"
    with transaction(outage_database.factory) as session:
        create_account(
            session, username=username, display_name="只读测试", role=Role.DISTRICT_OPERATOR,
            station_code=None, password=PASSWORD,
        )  # fmt: skip
    # Signing in reads the account, then must write its token: the write is refused.
    answer = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 503, answer.text
    assert answer.json()["detail"] == "系统暂时连不上数据库，请稍后再试。"
    assert answer.headers["Retry-After"] == "30"


def test_health_says_a_read_only_postgresql_is_degraded_not_down(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    body = client.get("/health").json()
    if make_url(outage_database.direct_url).get_backend_name() == "sqlite":
        # A read-only SQLite file cannot be asked whether it takes writes: nothing to say.
        assert body["checks"]["database"] == "ok"
        return
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "read_only"
    assert "database: read-only (reports are spooled)" in body["down"]
