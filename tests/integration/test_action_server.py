"""The action server as Rasa 3.6 calls it: over HTTP, with full tracker payloads."""

import gzip
import json
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from api.settings import Settings
from api.tickets.models import Ticket

TIANBAOLU = "500107001011"
JINFENG = "500107104"
WEBHOOK = "/action-server/webhook"

# Every slot of the domain, as Rasa sends them (unset slots are null).
DOMAIN_SLOTS: dict[str, Any] = {
    "problem": None,
    "service_code": None,
    "emergency": False,
    "emergency_kind": None,
    "place": None,
    "place_code": None,
    "place_candidates": None,
    "place_attempts": 0.0,
    "location_lat": None,
    "location_lon": None,
    "phone": None,
    "confirm": None,
    "correcting": None,
    "misunderstandings": 0.0,
    "ticket_number": None,
    "requested_slot": None,
    "session_started_metadata": None,
}


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url))) as http:
        yield http


def new_sender() -> str:
    return f"as-{uuid.uuid4().hex[:12]}"


def rasa_call(
    action: str,
    sender: str,
    text: str,
    intent: str = "inform",
    *,
    confidence: float = 0.93,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    message_id: str | None = None,
    loop: str | None = "report_form",
) -> dict[str, Any]:
    """The body Rasa 3.6 posts to the action server's webhook."""
    now = time.time()
    message_id = message_id or uuid.uuid4().hex
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "message_id": message_id,
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "response_selector": {},
    }
    events = [
        {"event": "action", "timestamp": now - 60, "name": "action_session_start"},
        {"event": "session_started", "timestamp": now - 60},
        {"event": "action", "timestamp": now - 60, "name": "action_listen"},
        {
            "event": "user",
            "timestamp": now,
            "text": text,
            "parse_data": parse_data,
            "input_channel": "rest",
            "message_id": message_id,
            "metadata": metadata or {},
        },
        {"event": "user_featurization", "timestamp": now, "use_text_for_featurization": False},
    ]
    tracker = {
        "sender_id": sender,
        "slots": {**DOMAIN_SLOTS, **(slots or {})},
        "latest_message": parse_data,
        "latest_event_time": now,
        "followup_action": None,
        "paused": False,
        "events": events,
        "latest_input_channel": "rest",
        "active_loop": {"name": loop} if loop else {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "tracker": tracker,
        "domain": {"version": "3.1", "slots": {name: {} for name in DOMAIN_SLOTS}},
        "version": "3.6.20",
    }


def run(client: TestClient, call: dict[str, Any]) -> dict[str, Any]:
    response = client.post(WEBHOOK, json=call)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"events", "responses"}
    return body


def slots_of(body: dict[str, Any]) -> dict[str, Any]:
    """The slot values the events set, last one winning."""
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


def texts_of(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("text") or "") for m in body["responses"])


# --- the protocol -----------------------------------------------------------------------


def test_health(client: TestClient) -> None:
    response = client.get("/action-server/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_actions_are_listed(client: TestClient) -> None:
    response = client.get("/action-server/actions")
    assert response.status_code == 200
    names = {item["name"] for item in response.json()}
    assert {
        "validate_report_form",
        "action_submit_report",
        "action_start_report",
        "action_ask_confirm",
        "action_ticket_status",
    } <= names


def test_unknown_action_is_404_with_its_name(client: TestClient) -> None:
    response = client.post(WEBHOOK, json=rasa_call("nope", new_sender(), "你好"))
    assert response.status_code == 404
    body = response.json()
    assert body["action_name"] == "nope"
    assert "nope" in body["error"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", json.dumps({"next_action": "action_ask_phone"}).encode()],
)
def test_malformed_calls_are_400(client: TestClient, body: bytes) -> None:
    response = client.post(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_body_that_claims_compression_but_is_not_is_400(client: TestClient) -> None:
    raw = json.dumps(rasa_call("action_ask_phone", new_sender(), "好")).encode()
    response = client.post(
        WEBHOOK,
        content=raw,
        headers={"Content-Type": "application/json", "Content-Encoding": "deflate"},
    )
    assert response.status_code == 400
    assert "decompress" in response.json()["error"]


@pytest.mark.parametrize(
    ("encoding", "compress"), [("deflate", zlib.compress), ("gzip", gzip.compress)]
)
def test_compressed_calls_are_accepted(client: TestClient, encoding: str, compress: Any) -> None:
    raw = json.dumps(rasa_call("action_ask_phone", new_sender(), "好")).encode()
    response = client.post(
        WEBHOOK,
        content=compress(raw),
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == 200, response.text
    assert "手机号" in texts_of(response.json())


# --- a report, message by message -------------------------------------------------------

FIRST_MESSAGE = "我家天花板漏水了，我在杨家坪街道天宝路社区，电话13812345678"


def test_the_opening_message_fills_problem_place_and_phone(client: TestClient) -> None:
    sender = new_sender()
    body = run(
        client,
        rasa_call("action_start_report", sender, FIRST_MESSAGE, "report_water_leak", loop=None),
    )
    slots = slots_of(body)
    assert slots["problem"] == FIRST_MESSAGE
    assert slots["service_code"] == "water_leak"
    assert slots["place_code"] == TIANBAOLU
    assert slots["place"].startswith("天宝路")
    assert "杨家坪街道" in slots["place"]
    assert slots["phone"] == "13812345678"
    assert slots["emergency"] is False
    assert slots["requested_slot"] is None


def test_a_shared_location_answers_where(client: TestClient) -> None:
    body = run(
        client,
        rasa_call(
            "action_start_report",
            new_sender(),
            "楼道里的灯坏了好几天了",
            "report_public_facility",
            metadata={"location": {"lat": 29.3352, "lon": 106.3622}},
            loop=None,
        ),
    )
    slots = slots_of(body)
    assert slots["service_code"] == "public_facility"
    assert slots["location_lat"] == pytest.approx(29.3352)
    assert slots["location_lon"] == pytest.approx(106.3622)
    assert slots["place"].startswith("您发送的位置")
    assert slots.get("phone") is None


def test_a_town_alone_asks_for_the_community_then_accepts_not_knowing(client: TestClient) -> None:
    sender = new_sender()
    known = {"problem": "家里停电了", "service_code": "power_outage", "requested_slot": "place"}
    body = run(client, rasa_call("validate_report_form", sender, "金凤镇", slots=known))
    slots = slots_of(body)
    assert slots["place_code"] == JINFENG
    assert slots.get("place") is None
    assert slots["requested_slot"] == "place"

    known = {**known, "place_code": JINFENG, "place_attempts": slots["place_attempts"]}
    asked = run(client, rasa_call("action_ask_place", sender, "金凤镇", slots=known))
    assert "金凤镇的哪个社区或村" in texts_of(asked)

    body = run(client, rasa_call("validate_report_form", sender, "不清楚", slots=known))
    slots = slots_of(body)
    assert slots["place"] == "金凤镇"
    assert slots.get("place_code", JINFENG) == JINFENG
    assert slots["requested_slot"] == "phone"


def test_a_town_then_a_community_in_it(client: TestClient) -> None:
    known = {
        "problem": "家里停电了",
        "service_code": "power_outage",
        "requested_slot": "place",
        "place_code": JINFENG,
    }
    body = run(client, rasa_call("validate_report_form", new_sender(), "金凤佳园", slots=known))
    slots = slots_of(body)
    assert slots["place_code"] == "500107104002"
    assert slots["place"].startswith("金凤佳园")
    assert slots["requested_slot"] == "phone"


def test_naming_another_town_asks_about_that_town_instead(client: TestClient) -> None:
    known = {
        "problem": "家里停电了",
        "service_code": "power_outage",
        "requested_slot": "place",
        "place_code": JINFENG,
        "place_attempts": 1.0,
    }
    body = run(
        client, rasa_call("validate_report_form", new_sender(), "说错了，是黄桷坪街道", slots=known)
    )
    slots = slots_of(body)
    assert slots["place_code"] == "500107002"
    assert slots.get("place") is None
    assert slots["requested_slot"] == "place"


PHONE_ASKED = {
    "problem": "楼上漏水",
    "service_code": "water_leak",
    "place": "天宝路社区（杨家坪街道）",
    "place_code": TIANBAOLU,
    "requested_slot": "phone",
}


@pytest.mark.parametrize("text", ["不留", "不方便留电话", "算了不留了"])
def test_declining_the_phone_is_accepted(client: TestClient, text: str) -> None:
    body = run(client, rasa_call("validate_report_form", new_sender(), text, slots=PHONE_ASKED))
    slots = slots_of(body)
    assert slots["phone"] == "declined"
    assert slots["requested_slot"] == "confirm"


def test_a_spaced_phone_is_accepted(client: TestClient) -> None:
    body = run(
        client,
        rasa_call("validate_report_form", new_sender(), "139 1234 5678", slots=PHONE_ASKED),
    )
    assert slots_of(body)["phone"] == "13912345678"


def test_a_wrong_phone_is_a_misunderstanding(client: TestClient) -> None:
    sender = new_sender()
    body = run(client, rasa_call("validate_report_form", sender, "123", slots=PHONE_ASKED))
    slots = slots_of(body)
    assert "phone" not in slots
    assert slots["misunderstandings"] == 1.0
    assert slots["requested_slot"] == "phone"
    assert "11 位数字" in texts_of(body)

    again = run(
        client,
        rasa_call(
            "validate_report_form", sender, "456", slots={**PHONE_ASKED, "misunderstandings": 1.0}
        ),
    )
    assert slots_of(again)["misunderstandings"] == 2.0
    # After two misses the next question offers a person.
    asked = run(
        client,
        rasa_call(
            "action_ask_phone", sender, "456", slots={**PHONE_ASKED, "misunderstandings": 2.0}
        ),
    )
    titles = [b["title"] for m in asked["responses"] for b in m.get("buttons", [])]
    assert "转人工" in titles


CONFIRM_ASKED = {
    **PHONE_ASKED,
    "phone": "13812345678",
    "requested_slot": "confirm",
}


def test_cancel_at_confirmation_sets_no_slot(client: TestClient) -> None:
    body = run(
        client,
        rasa_call(
            "validate_report_form",
            new_sender(),
            "算了不报了",
            "cancel",
            confidence=0.95,
            slots=CONFIRM_ASKED,
        ),
    )
    # No slot events: Rasa rejects the form and the cancel rule runs.
    assert body["events"] == []
    assert body["responses"] == []


def test_affirm_at_confirmation_completes_the_form(client: TestClient) -> None:
    body = run(
        client,
        rasa_call("validate_report_form", new_sender(), "对的", "affirm", slots=CONFIRM_ASKED),
    )
    slots = slots_of(body)
    assert slots["confirm"] is True
    assert slots["requested_slot"] is None


def test_confirmation_shows_the_masked_phone_only(client: TestClient) -> None:
    body = run(
        client, rasa_call("action_ask_confirm", new_sender(), "13812345678", slots=CONFIRM_ASKED)
    )
    text = texts_of(body)
    assert "138****5678" in text
    assert "13812345678" not in json.dumps(body, ensure_ascii=False)
    assert "楼上漏水" in text and "漏水渗水" in text


def test_submitting_twice_files_one_ticket(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    sender = new_sender()
    message_id = uuid.uuid4().hex
    call = rasa_call(
        "action_submit_report",
        sender,
        "确认提交",
        "affirm",
        slots={**CONFIRM_ASKED, "confirm": True, "requested_slot": None},
        message_id=message_id,
        loop=None,
    )
    first = run(client, call)
    second = run(client, call)

    cards = [
        [m["custom"] for m in body["responses"] if m.get("custom")] for body in (first, second)
    ]
    assert len(cards[0]) == 1 and len(cards[1]) == 1
    number = cards[0][0]["number"]
    assert cards[1][0]["number"] == number
    assert cards[0][0]["category"] == "漏水渗水"
    assert cards[0][0]["contact_by"].startswith("24小时内")
    assert number in texts_of(first)
    assert slots_of(first)["ticket_number"] == number
    assert slots_of(first)["problem"] is None  # the report's slots are cleared

    with session_factory() as session:
        mine = session.scalars(select(Ticket).where(Ticket.sender_id == sender)).all()
    assert [t.number for t in mine] == [number]
    assert mine[0].station_code == TIANBAOLU
    assert mine[0].dispatch_reason == "community"
    assert mine[0].contact_phone == "13812345678"


def test_submitting_a_town_only_report_goes_to_the_town(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    sender = new_sender()
    slots = {
        "problem": "家里停电了",
        "service_code": "power_outage",
        "place": "金凤镇",
        "place_code": JINFENG,
        "phone": "declined",
        "confirm": True,
    }
    run(client, rasa_call("action_submit_report", sender, "确认", "affirm", slots=slots, loop=None))
    with session_factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.sender_id == sender)).one()
    assert ticket.station_code == JINFENG
    assert ticket.dispatch_reason == "town"
    assert ticket.contact_phone is None


def test_ticket_status_by_number_in_the_message(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    sender = new_sender()
    slots = {**CONFIRM_ASKED, "confirm": True, "requested_slot": None}
    filed = run(client, rasa_call("action_submit_report", sender, "确认", "affirm", slots=slots))
    number = slots_of(filed)["ticket_number"]

    def ask(who: str) -> str:
        message = f"工单号 {number} 怎么样了"
        call = rasa_call("action_ticket_status", who, message, "ticket_status", loop=None)
        return texts_of(run(client, call))

    text = ask(sender)
    assert number in text
    assert "已派单" in text
    # Somebody else learns nothing about it, not even that it exists.
    stranger = ask(new_sender())
    assert "没查到" in stranger and "已派单" not in stranger


def test_a_confirmation_sent_to_rasa_anew_files_the_ticket_it_filed_before(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """The app or Rasa died after the ticket was filed but before Rasa kept the turn: the
    page resends the confirmation with its id, and Rasa takes it as a new message (a new
    Rasa message id). The page's id, which the app puts in the metadata, is the key."""
    sender = new_sender()
    slots = {**CONFIRM_ASKED, "confirm": True, "requested_slot": None}
    page = {"message_id": uuid.uuid4().hex}
    calls = [
        rasa_call(
            "action_submit_report",
            sender,
            "/affirm",
            "affirm",
            slots=slots,
            metadata=page,
            loop=None,
        )
        for _ in range(2)
    ]
    numbers = [
        [m["custom"]["number"] for m in run(client, call)["responses"] if m.get("custom")]
        for call in calls
    ]
    assert numbers[0] == numbers[1] and len(numbers[0]) == 1
    with session_factory() as session:
        mine = session.scalars(select(Ticket.number).where(Ticket.sender_id == sender)).all()
    assert mine == numbers[0]
