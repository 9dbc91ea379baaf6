"""A resident confirms a report through the real Rasa while the app's database is down.

Before the fix Rasa answered nothing at all: the form's validation failed (HTTP 500),
Rasa dropped its events, and the report reached neither a ticket nor the spool.
"""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.launcher import MODEL_PATH, Stack, start_stack, stop_stack
from api.settings import default_tracker_url
from api.tickets.models import Ticket
from eval.dialogue_stack import isolated_settings
from tests.outage.conftest import BUSY_SECONDS, OutageDatabase, spooled_reports, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(
    outage_database: OutageDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Rasa and the app on the outage database; Rasa keeps its conversations out of reach
    of the outage (on PostgreSQL it would otherwise share the server that goes down)."""
    if not MODEL_PATH.is_file():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make model` (make test does)")
    var_dir = tmp_path_factory.mktemp("outage-stack")
    settings = isolated_settings(outage_database.url, var_dir).model_copy(
        update={
            "database_timeout_seconds": BUSY_SECONDS,
            "spool_replay_seconds": 0.5,
            "tracker_url": default_tracker_url(outage_database.direct_url, var_dir),
        }
    )
    started = start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")
    yield started
    stop_stack(started)


def test_a_report_confirmed_while_the_database_is_down_is_kept_and_filed_once(
    stack: Stack, outage_database: OutageDatabase
) -> None:
    sender = f"outage-{uuid.uuid4().hex[:12]}"

    def tickets() -> list[Ticket]:
        with outage_database.factory() as session:
            return list(session.scalars(select(Ticket).where(Ticket.sender_id == sender)))

    with httpx.Client(base_url=stack.app_url, timeout=60) as http:

        def say(message: str) -> list[dict[str, Any]]:
            response = http.post("/api/chat", json={"sender": sender, "message": message})
            assert response.status_code == 200, response.text
            return list(response.json())

        asked = say("杨家坪街道天宝路社区楼道灯坏了好几天了，电话13812345678")
        buttons = {b["title"]: b["payload"] for m in asked for b in m.get("buttons") or []}
        with outage_database.outage():
            answered = say(buttons["确认提交"])
            [kept] = spooled_reports(stack.settings)
        assert "记下了" in "\n".join(m.get("text") or "" for m in answered)
        assert kept.sender_id == sender

    assert wait_for(lambda: len(tickets()) == 1), "the spooled report was not filed"
    time.sleep(1.5)  # more replay passes: still one ticket
    [ticket] = tickets()
    assert ticket.contact_phone == "13812345678"
    assert spooled_reports(stack.settings) == []
