"""`laoyang tickets replay` and GET /health, run against a database really down and back."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from api.settings import PROJECT_ROOT, Settings
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.spool import spool_report
from tests.outage.conftest import BUSY_SECONDS, OutageDatabase, spooled_reports

TIANBAOLU = "500107001011"


def replay(settings: Settings) -> subprocess.CompletedProcess[str]:
    """The CLI as staff run it, in a process of its own, on the outage database."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SPOOL_DIR": str(settings.spool_dir),
        "DATABASE_TIMEOUT_SECONDS": str(BUSY_SECONDS),
    }
    command = [sys.executable, "-m", "api.cli", "tickets", "replay"]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def report(sender: str) -> NewReport:
    return NewReport(
        service_code="public_facility",
        description="小区门口的路灯不亮了",
        community_code=TIANBAOLU,
        sender_id=sender,
        idempotency_key=f"{sender}:m1",
    )


def test_the_cli_keeps_reports_while_the_database_is_down_and_files_each_once_after(
    outage_database: OutageDatabase, outage_settings: Settings
) -> None:
    senders = [f"cli-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for sender in senders:
        spool_report(outage_settings.spool_dir, report(sender))

    with outage_database.outage():
        refused = replay(outage_settings)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "补登暂存的报告 0 件" in refused.stdout
    assert "还有 2 件没能补登" in refused.stderr
    assert len(spooled_reports(outage_settings)) == 2

    done = replay(outage_settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "补登暂存的报告 2 件" in done.stdout
    assert spooled_reports(outage_settings) == []
    again = replay(outage_settings)
    assert again.returncode == 0 and "补登暂存的报告 0 件" in again.stdout

    with outage_database.factory() as session:
        filed = session.scalars(select(Ticket).where(Ticket.sender_id.in_(senders))).all()
    assert sorted(ticket.sender_id or "" for ticket in filed) == sorted(senders)
    assert all(ticket.number in done.stdout for ticket in filed)


@pytest.fixture
def client(outage_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(outage_settings), raise_server_exceptions=False) as http:
        yield http


def test_health_names_the_database_when_it_is_down(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    # No Rasa runs here: /health is "degraded" (200) until the database goes too.
    assert client.get("/health").json()["checks"]["database"] == "ok"
    with outage_database.outage():
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "down"
    assert any(problem.startswith("database") for problem in body["down"])
    assert elapsed < 10  # a monitor's probe gets an answer, not a hang
    assert client.get("/health").json()["checks"]["database"] == "ok"
