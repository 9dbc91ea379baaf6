"""The widget's extra chat fields: message ids and 清空记录, refused or answered in Chinese."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


SENDER = "web-0123456789abcdef"


@pytest.mark.parametrize("message_id", ["short", "x" * 65, "has space 123", "<script>", 42])
def test_chat_refuses_a_bad_message_id(client: TestClient, message_id: Any) -> None:
    body = {"sender": SENDER, "message": "你好", "message_id": message_id}
    assert client.post("/api/chat", json=body).status_code == 422


def test_a_retried_message_with_rasa_down_is_a_chinese_503(client: TestClient) -> None:
    body = {"sender": SENDER, "message": "你好", "message_id": "abcdef0123456789"}
    for _ in range(2):  # a failed first try is not remembered: the retry tries again
        response = client.post("/api/chat", json=body)
        assert response.status_code == 503
        assert "智慧杨" in response.json()["detail"]


@pytest.mark.parametrize("sender", ["", "..", "../../status", "a b", "短"])
def test_restart_refuses_a_bad_sender(client: TestClient, sender: str) -> None:
    assert client.post("/api/chat/restart", json={"sender": sender}).status_code == 422


def test_restart_with_rasa_down_is_a_chinese_503(client: TestClient) -> None:
    response = client.post("/api/chat/restart", json={"sender": SENDER})
    assert response.status_code == 503
    assert "智慧杨" in response.json()["detail"]
