"""A resident's chat while the database is down, as Rasa calls the action server.

The calls are the ones Rasa 3.6 makes on the last turn of a report: the form's
validation of "确认提交", then the filing. A failed action (HTTP 500) would make
Rasa drop its events and say nothing, so every call must answer 200.
"""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from api.settings import Settings
from api.tickets.models import Ticket
from tests.integration.test_action_server import rasa_call
from tests.outage.conftest import OutageDatabase, spooled_reports, wait_for

WEBHOOK = "/action-server/webhook"
TIANBAOLU = "500107001011"
OPENING = "楼道灯坏了好几天，我在杨家坪街道天宝路社区"
OPENING_INTENT = "report_public_facility"
COLLECTED = {
    "problem": "楼道灯坏了好几天",
    "service_code": "public_facility",
    "place": "天宝路社区（杨家坪街道）",
    "place_code": TIANBAOLU,
    "phone": "13812345678",
    "requested_slot": "confirm",
}


@pytest.fixture
def settings(outage_settings: Settings) -> Settings:
    return outage_settings.model_copy(update={"spool_replay_seconds": 0.2})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        # A resident's first message while the database is up: the places get read.
        opened = act(
            http, rasa_call("action_start_report", new_sender(), OPENING, OPENING_INTENT, loop=None)
        )
        assert slots_of(opened)["place_code"] == TIANBAOLU
        yield http


def new_sender() -> str:
    return f"outage-{uuid.uuid4().hex[:12]}"


def act(client: TestClient, call: dict[str, Any]) -> dict[str, Any]:
    response = client.post(WEBHOOK, json=call)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def slots_of(body: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


def texts_of(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("text") or "") for m in body["responses"])


def tickets_of(factory: sessionmaker[Session], sender: str) -> list[Ticket]:
    with factory() as session:
        return list(session.scalars(select(Ticket).where(Ticket.sender_id == sender)))


def test_a_report_confirmed_while_the_database_is_down_is_kept_and_filed_once_when_back(
    client: TestClient, outage_database: OutageDatabase, settings: Settings
) -> None:
    sender, message_id = new_sender(), uuid.uuid4().hex
    with outage_database.outage():
        confirm = rasa_call(
            "validate_report_form",
            sender,
            "/affirm",
            "affirm",
            slots=COLLECTED,
            message_id=message_id,
        )
        validated = slots_of(act(client, confirm))
        assert validated["confirm"] is True and validated["requested_slot"] is None
        submit = rasa_call(
            "action_submit_report",
            sender,
            "/affirm",
            "affirm",
            slots={**COLLECTED, "confirm": True, "requested_slot": None},
            message_id=message_id,
            loop=None,
        )
        answered = act(client, submit)
        assert "记下了" in texts_of(answered)
        assert "工单号稍后生成" in texts_of(answered)
        time.sleep(1)  # replay passes run meanwhile and must leave the report spooled
        [kept] = spooled_reports(settings)
        assert (kept.sender_id, kept.community_code) == (sender, TIANBAOLU)

    assert wait_for(lambda: len(tickets_of(outage_database.factory, sender)) == 1)
    assert wait_for(lambda: spooled_reports(settings) == [])
    time.sleep(1)  # more replay passes: still one ticket
    [ticket] = tickets_of(outage_database.factory, sender)
    assert ticket.station_code == TIANBAOLU
    assert ticket.contact_phone == "13812345678"
    assert ticket.description == "楼道灯坏了好几天"


def test_an_opening_message_while_the_database_is_down_still_finds_the_place(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    with outage_database.outage():
        body = act(
            client,
            rasa_call("action_start_report", new_sender(), OPENING, OPENING_INTENT, loop=None),
        )
    slots = slots_of(body)
    assert slots["place_code"] == TIANBAOLU
    assert slots["problem"] == OPENING


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        ("action_ticket_status", "我的工单怎么样了", "ticket_status"),
        ("action_handoff", "转人工", "handoff"),
    ],
)
def test_other_requests_while_the_database_is_down_get_a_chinese_apology(
    client: TestClient, outage_database: OutageDatabase, action: str, text: str, intent: str
) -> None:
    with outage_database.outage():
        body = act(client, rasa_call(action, new_sender(), text, intent, loop=None))
    assert body["events"] == []
    reply = texts_of(body)
    assert "有点忙" in reply and "稍后" in reply
