"""A resident confirms a report through the real Rasa while the database is down.

Before the fix Rasa answered nothing at all: the form's validation failed (HTTP 500),
Rasa dropped its events, and the report reached neither a ticket nor the spool.
"""

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.launcher import MODEL_PATH, Stack, start_stack, stop_stack
from api.settings import default_tracker_url
from api.tickets.models import Ticket
from eval.dialogue_stack import isolated_settings
from tests.outage.conftest import BUSY_SECONDS, OutageDatabase, spooled_reports, wait_for

pytestmark = pytest.mark.e2e


def _start(outage_database: OutageDatabase, var_dir: Path, *, tracker_in_the_outage: bool) -> Stack:
    if not MODEL_PATH.is_file():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make model` (make test does)")
    settings = isolated_settings(outage_database.url, var_dir).model_copy(
        update={"database_timeout_seconds": BUSY_SECONDS, "spool_replay_seconds": 0.5}
    )
    if not tracker_in_the_outage:
        tracker = default_tracker_url(outage_database.direct_url, var_dir)
        settings = settings.model_copy(update={"tracker_url": tracker})
    return start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")


@pytest.fixture(scope="module")
def stack(
    outage_database: OutageDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Rasa and the app on the outage database; Rasa keeps its conversations out of the
    outage (its own SQLite file, or on PostgreSQL a way in that is not cut)."""
    started = _start(
        outage_database, tmp_path_factory.mktemp("outage-stack"), tracker_in_the_outage=False
    )
    yield started
    stop_stack(started)


class Chat:
    """One resident on the running stack."""

    def __init__(self, http: httpx.Client, database: OutageDatabase) -> None:
        self.sender = f"outage-{uuid.uuid4().hex[:12]}"
        self._http = http
        self._database = database

    def says(self, message: str) -> str:
        response = self._http.post("/api/chat", json={"sender": self.sender, "message": message})
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json())

    def tickets(self) -> list[Ticket]:
        with self._database.factory() as session:
            query = select(Ticket).where(Ticket.sender_id == self.sender)
            return list(session.scalars(query))


OPENING = "杨家坪街道天宝路社区楼道灯坏了好几天了，电话13812345678"
CONFIRM = "/affirm"  # the payload of the 确认提交 button


def test_a_report_confirmed_while_the_database_is_down_is_kept_and_filed_once(
    stack: Stack, outage_database: OutageDatabase
) -> None:
    with httpx.Client(base_url=stack.app_url, timeout=60) as http:
        chat = Chat(http, outage_database)
        assert "确认提交" in chat.says(OPENING)
        with outage_database.outage():
            answered = chat.says(CONFIRM)
            [kept] = spooled_reports(stack.settings)
    assert "记下了" in answered
    assert kept.sender_id == chat.sender

    assert wait_for(lambda: len(chat.tickets()) == 1), "the spooled report was not filed"
    time.sleep(1.5)  # more replay passes: still one ticket
    [ticket] = chat.tickets()
    assert ticket.contact_phone == "13812345678"
    assert spooled_reports(stack.settings) == []


if os.environ.get("TEST_DATABASE_URL"):
    # Only PostgreSQL can take Rasa's conversations down with the app's database: on
    # SQLite they live in a file of their own, which the outage never touches.

    def test_with_the_whole_server_down_the_resident_is_asked_to_say_it_again_later(
        outage_database: OutageDatabase, tmp_path: Path
    ) -> None:
        """Rasa loses the conversation for the turn (it falls back to an empty one in
        memory), so nothing can be kept: the resident hears to try again, and the same
        confirmation once the server is back files the report, once."""
        stack = _start(outage_database, tmp_path, tracker_in_the_outage=True)
        http = httpx.Client(base_url=stack.app_url, timeout=60)
        try:
            chat = Chat(http, outage_database)
            assert "确认提交" in chat.says(OPENING)
            with outage_database.outage():
                answered = chat.says(CONFIRM)
            assert "稍后再说一次" in answered
            assert chat.tickets() == [] and spooled_reports(stack.settings) == []
            assert "已为您登记" in chat.says(CONFIRM)
            time.sleep(1.5)
            assert len(chat.tickets()) == 1
        finally:
            http.close()
            stop_stack(stack)
