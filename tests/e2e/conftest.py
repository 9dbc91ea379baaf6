"""Talking to the real system (the session's `live` stack, see tests/conftest.py) as residents."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from api.launcher import Stack

Reply = list[dict[str, Any]]


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


def staff_resolves(client: httpx.Client, token: str, number: str, resolution: str) -> None:
    """The holding station signs for the ticket and resolves it (办结) through the staff API."""
    headers = {"Authorization": f"Bearer {token}"}
    for step, body in (("sign", {}), ("resolve", {"resolution": resolution})):
        answer = client.post(f"/api/staff/tickets/{number}/{step}", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
