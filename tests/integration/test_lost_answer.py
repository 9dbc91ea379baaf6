"""A message Rasa kept whose answer was lost (the app died while the bot was working on it).

Rasa goes on without a failed action's reply and keeps the turn with no answer. The
resident's resend (same message id) must not get an empty reply, which the page shows as
nothing at all: it is asked to say it again. The tracker store here is a file in Rasa's
own layout, written by the test; Rasa itself is down.
"""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.main import create_app
from api.rasa.fleet import free_port
from api.rasa.tracker import EVENTS
from api.settings import Settings

SENDER = "web-lost-answer-0001"


@pytest.fixture
def client(database_url: str, registry: Path, tmp_path: Path) -> Iterator[TestClient]:
    tracker = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{tracker}")
    EVENTS.metadata.create_all(engine)
    user = {"event": "user", "text": "13912345678", "metadata": {"message_id": "kept0001"}}
    with engine.begin() as conn:
        conn.execute(
            EVENTS.insert(),
            [{"sender_id": SENDER, "type_name": "user", "timestamp": time.time(),
              "data": json.dumps(user)},
             {"sender_id": SENDER, "type_name": "action", "timestamp": time.time(),
              "action_name": "action_listen", "data": "{}"}],
        )  # fmt: skip
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        tracker_url=f"sqlite:///{tracker}",
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def test_a_kept_message_without_an_answer_is_asked_again_not_answered_with_nothing(
    client: TestClient,
) -> None:
    body = {"sender": SENDER, "message": "13912345678", "message_id": "kept0001"}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200
    [reply] = response.json()
    assert "再说一遍" in reply["text"]


def test_a_message_rasa_never_kept_still_goes_to_rasa(client: TestClient) -> None:
    body = {"sender": SENDER, "message": "你好", "message_id": uuid.uuid4().hex}
    assert client.post("/api/chat", json=body).status_code == 503  # Rasa is down here
