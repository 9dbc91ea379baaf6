"""The app is killed with SIGKILL between a resident's message and their resend of it.

A system of this test's own under `laoyang run`'s supervisor. The resident confirms a
report and gets the ticket card, then the app is killed and started again; the page
resends messages with their ids (a phone that lost the answer). Before the fix the
app kept answers in its memory only: after the restart the resent confirmation
reached Rasa again and got "已经登记好了" instead of the card, and the resent first
message opened a second report. Now the answers come from Rasa's tracker store, where
the message id is kept with the turn: same answers, one message each in Rasa, one ticket.
"""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from api.launcher import MODEL_PATH, Stack
from api.rasa.tracker import EVENTS
from api.tickets.models import Ticket
from faults.common import kill_and_wait_restart, processes_named, supervised_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(database_url: str, registry: Path, tmp_path: Path) -> Iterator[Stack]:
    if not MODEL_PATH.is_file():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make model` (make test does)")
    with supervised_stack(database_url, tmp_path / "var") as started:
        yield started


def chat(http: httpx.Client, sender: str, text: str, message_id: str) -> list[dict[str, Any]]:
    body = {"sender": sender, "message": text, "message_id": message_id}
    response = http.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return list(response.json())


def user_messages(tracker_url: str, sender: str) -> list[str]:
    engine = create_engine(tracker_url.replace("postgresql://", "postgresql+psycopg://"))
    query = select(EVENTS.c.data).where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "user")
    with engine.connect() as conn:
        texts = [str(json.loads(data)["text"]) for data in conn.execute(query).scalars()]
    engine.dispose()
    return texts


def test_a_resend_after_the_app_was_killed_gets_the_first_answer_and_reaches_rasa_once(
    stack: Stack, session_factory: Any
) -> None:
    sender = f"kill-{uuid.uuid4().hex[:12]}"
    texts = ["我家天花板漏水了", "杨家坪街道天宝路社区", "13912345678", "/affirm"]
    ids = [uuid.uuid4().hex for _ in texts]
    with httpx.Client(base_url=stack.app_url, timeout=60) as http:
        first = [chat(http, sender, text, mid) for text, mid in zip(texts, ids, strict=True)]
        card = first[-1][-1]["custom"]
        assert card["type"] == "ticket"

        kill_and_wait_restart(stack, processes_named(stack, "app"))

        again = [chat(http, sender, text, mid) for text, mid in zip(texts, ids, strict=True)]
    assert again == first  # the card with the same number, not "已经登记好了"
    assert user_messages(stack.settings.tracker_url, sender) == texts  # each once in Rasa
    with session_factory() as session:
        numbers = session.scalars(select(Ticket.number).where(Ticket.sender_id == sender)).all()
    assert numbers == [card["number"]]
