"""Bad input at the public edges gets a 4xx with a reason, never a server error."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.schemas import NewReport
from api.tickets.service import file_report


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http


def assert_refused(response: Any) -> None:
    assert response.status_code in (400, 422), response.text
    detail = response.json()["detail"]
    assert detail
    if isinstance(detail, list):
        assert all(item.get("msg") for item in detail)


VALID = {"sender": "web-abc123-0000001", "message": "家里漏水了"}


@pytest.mark.parametrize(
    "body",
    [
        {**VALID, "message": ""},
        {**VALID, "message": "   "},
        {**VALID, "message": "\n\t "},
        {**VALID, "message": "漏" * 2001},
        {**VALID, "message": 12345},
        {**VALID, "message": None},
        {**VALID, "message": ["家里漏水了"]},
        {**VALID, "sender": 42},
        {**VALID, "sender": ""},
        {**VALID, "sender": "a" * 129},
        {**VALID, "sender": "居民一号"},
        {**VALID, "sender": "web abc"},
        {**VALID, "sender": "web/../abc"},
        {**VALID, "sender": "<script>"},
        {**VALID, "unknown": 1},
        {**VALID, "metadata": {"location": {"lat": 91, "lon": 106.5}}},
        {**VALID, "metadata": {"location": {"lat": 29.5, "lon": -181}}},
        {**VALID, "metadata": {"location": {"lat": "nan", "lon": 106.5}}},
        {**VALID, "metadata": {"location": {"lat": 29.5}}},
        {**VALID, "metadata": {"ip": "1.2.3.4"}},
        {**VALID, "metadata": "定位"},
        {"sender": "web-abc123-0000001"},
        {"message": "家里漏水了"},
        [],
        "家里漏水了",
    ],
)
def test_chat_refuses_bad_bodies(client: TestClient, body: Any) -> None:
    assert_refused(client.post("/api/chat", json=body))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sender": "web-abc123-0000001", "message": ',
        b"not json at all",
        b"\xff\xfe\x00",
        b"",
        b'{"sender": "web-abc123-0000001", "message": "\\ud800"}',
        b'{"sender": "web-abc123-0000001", "message": "hi", "\\udc00": 1}',
    ],
)
def test_chat_refuses_broken_json(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chat", content=raw, headers={"Content-Type": "application/json"})
    assert_refused(response)


def test_chat_with_rasa_down_says_so_in_chinese(client: TestClient) -> None:
    response = client.post("/api/chat", json=VALID)
    assert response.status_code == 503
    assert response.json()["detail"] == "智慧杨暂时联系不上，请稍后再试。"


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "漏" * 2001},
        {"text": 1},
        {"text": "漏水", "lang": "zh"},
        {},
    ],
)
def test_parse_refuses_bad_bodies(client: TestClient, body: Any) -> None:
    assert_refused(client.post("/api/nlu/parse", json=body))


def test_parse_refuses_a_lone_surrogate(client: TestClient) -> None:
    response = client.post(
        "/api/nlu/parse",
        content=b'{"text": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert_refused(response)


@pytest.mark.parametrize(
    "number",
    ["NOT-A-NUMBER", "LY-2026112-0001", "LY-20261123-01", "LY20261123", "LY-20261123-0001x"],
)
def test_ticket_lookup_refuses_what_is_not_a_ticket_number(client: TestClient, number: str) -> None:
    assert_refused(client.get(f"/api/tickets/{number}"))


def test_unknown_ticket_is_404_in_chinese(client: TestClient) -> None:
    response = client.get("/api/tickets/LY-20000101-9999")
    assert response.status_code == 404
    assert response.json() == {"detail": "没有找到工单 LY-20000101-9999"}


def test_ticket_lookup_refuses_an_oversized_sender_header(client: TestClient) -> None:
    response = client.get("/api/tickets/LY-20000101-9999", headers={"X-Sender-Id": "x" * 129})
    assert_refused(response)


def test_ticket_status_over_http_is_for_the_filer_only(
    client: TestClient, session: Session
) -> None:
    sender = f"web-{uuid.uuid4()}"
    filed = file_report(
        session,
        NewReport(
            service_code="dispute",
            description="楼上邻居半夜装修",
            community_code="500107001011",
            contact_phone="13812345678",
            sender_id=sender,
        ),
        tz=ZoneInfo("Asia/Shanghai"),
        default_district_code="500107",
        now=datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    number = filed.ticket.number
    session.close()

    public = client.get(f"/api/tickets/{number.lower()}")
    assert public.status_code == 404
    assert public.json() == {"detail": f"没有找到工单 {number}"}
    assert "装修" not in public.text

    own = client.get(f"/api/tickets/{number.lower()}", headers={"X-Sender-Id": sender})
    assert own.status_code == 200
    assert own.json()["number"] == number
    assert own.json()["service_name"] == "矛盾纠纷"
    assert own.json()["description"] == "楼上邻居半夜装修"
    assert own.json()["contact_phone_masked"] == "138****5678"
    assert "13812345678" not in own.text


def test_the_chat_page_runs_under_a_strict_csp(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_api_errors_carry_the_security_headers_too(client: TestClient) -> None:
    response = client.get("/api/tickets/NOT-A-NUMBER")
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_health_is_degraded_not_down_while_rasa_is_away(client: TestClient) -> None:
    """Chat is out but filings and staff work go on: a load balancer keeps sending traffic."""
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["rasa"] == "down"
    assert any(problem.startswith("rasa") for problem in body["down"])


def test_broken_json_and_missing_fields_are_explained_in_chinese(client: TestClient) -> None:
    broken = client.post(
        "/api/chat", content=b'{"sender": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["msg"] == "请求体不是有效的 JSON"
    missing = client.post("/api/chat", json={"sender": "web-abc123-0000001"})
    assert missing.status_code == 422
    assert {"loc": ["body", "message"], "msg": "缺少这一项"}.items() <= missing.json()["detail"][
        0
    ].items()


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [
        ("web-0123456789a", False),  # 15 characters: too easy to guess as a key to tickets
        ("web-0123456789ab", True),
        ("wx:oE2e0123456789abcdef0123", True),
        (":web-0123456789ab", False),
        ("w" * 128, True),
        ("w" * 129, False),
    ],
)
def test_a_sender_the_chat_takes_can_list_its_tickets_and_no_other(
    client: TestClient, sender: str, accepted: bool
) -> None:
    """One sender-id rule for the chat, 清空记录 and 我的工单 (api/senders.py)."""
    chat = client.post("/api/chat", json={"sender": sender, "message": "你好"})
    restart = client.post("/api/chat/restart", json={"sender": sender})
    mine = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
    if accepted:
        # Rasa is down in this client: the chat says so, but it took the sender.
        assert chat.status_code == 503 and mine.status_code == 200
        assert restart.status_code != 422
    else:
        assert [chat.status_code, restart.status_code, mine.status_code] == [422, 422, 422]
        assert "sender" in chat.text
