"""The real system for end-to-end tests: Rasa with the trained model, and the app.

Both are started with the same launcher `make run` uses, on free loopback
ports, against the session's test database. Rasa compresses its action calls
here, so the compressed path of the action-server protocol is exercised too.
"""

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.launcher import MODEL_PATH, Stack, start_stack, stop_stack
from api.settings import Settings

Reply = list[dict[str, Any]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live(
    database_url: str, registry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Rasa and the app, running until the test session ends."""
    if not MODEL_PATH.is_file():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make model` (make test does)")
    var_dir = tmp_path_factory.mktemp("var")
    settings = Settings(
        database_url=database_url,
        app_port=free_port(),
        rasa_port=free_port(),
        rasa_token=uuid.uuid4().hex,
    )
    os.environ["COMPRESS_ACTION_SERVER_REQUEST"] = "True"
    stack = start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")
    yield stack
    stop_stack(stack)


@pytest.fixture
def client(live: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.app_url, timeout=60) as http:
        yield http


class Resident:
    """One resident in the chat: sends what they type or the buttons they tap."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"
        self.last: Reply = []

    def says(self, text: str, **metadata: Any) -> Reply:
        body = {"sender": self.sender, "message": text, "metadata": metadata}
        response = self.http.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        self.last = response.json()
        return self.last

    def taps(self, title: str) -> Reply:
        """Tap a quick-reply button of the last replies, by its title."""
        for message in self.last:
            for button in message.get("buttons") or []:
                if button["title"] == title:
                    return self.says(button["payload"])
        raise AssertionError(f"no button {title!r} in {self.last}")

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last)

    def ticket_card(self) -> dict[str, Any]:
        cards = [m["custom"] for m in self.last if (m.get("custom") or {}).get("type") == "ticket"]
        assert cards, f"no ticket card in {self.last}"
        return cards[-1]


@pytest.fixture
def resident(client: httpx.Client) -> Resident:
    return Resident(client)


@pytest.fixture
def new_resident(client: httpx.Client) -> Callable[[], Resident]:
    return lambda: Resident(client)
