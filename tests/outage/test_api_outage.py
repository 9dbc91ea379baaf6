"""The app's own API while the database is down: a Chinese 503 to try again, never a 500.

The NLU parse still names places: a tiny real Rasa on 127.0.0.1 answers the parse,
and the places come from the registry as last read.
"""

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.main import create_app
from api.settings import Settings
from tests.outage.conftest import OutageDatabase

TIANBAOLU = "500107001011"
PARSE = {
    "text": "天宝路社区停电了",
    "intent": {"name": "report_power_outage", "confidence": 0.97},
    "entities": [],
    "intent_ranking": [{"name": "report_power_outage", "confidence": 0.97}],
}


class _Parser(BaseHTTPRequestHandler):
    """Rasa's /model/parse, always with the same understanding."""

    def do_POST(self) -> None:
        body = json.dumps(PARSE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def client(outage_settings: Settings) -> Iterator[TestClient]:
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), _Parser)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    settings = outage_settings.model_copy(update={"rasa_port": rasa.server_address[1]})
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http
    rasa.shutdown()
    rasa.server_close()


@pytest.fixture(scope="module")
def staff_token(outage_database: OutageDatabase) -> str:
    with outage_database.factory() as session:
        account = create_account(
            session,
            username=f"outage-op-{uuid.uuid4().hex[:8]}",
            display_name="停机测试操作员",
            role=Role.DISTRICT_OPERATOR,
            station_code=None,
            password="a-long-enough-password",
        )
        issued = issue_token(session, account, kind=TokenKind.BEARER, now=datetime.now(UTC))
        session.commit()
        return issued.token


def test_residents_and_staff_are_told_to_try_again_in_chinese(
    client: TestClient, outage_database: OutageDatabase, staff_token: str
) -> None:
    mine = {"X-Sender-Id": "web-0123456789abcdef"}
    staff = {"Authorization": f"Bearer {staff_token}"}
    assert client.get("/api/my/tickets", headers=mine).status_code == 200
    assert client.get("/api/staff/tickets", headers=staff).status_code == 200
    with outage_database.outage():
        answers = [
            client.get("/api/my/tickets", headers=mine),
            client.get("/api/tickets/LY-20261123-0001", headers=mine),
            client.get("/api/staff/tickets", headers=staff),
        ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"] == "系统暂时连不上数据库，请稍后再试。"
        assert answer.headers["Retry-After"] == "30"


def test_the_nlu_parse_still_names_places_while_the_database_is_down(
    client: TestClient, outage_database: OutageDatabase
) -> None:
    before = client.post("/api/nlu/parse", json={"text": PARSE["text"]})
    assert before.status_code == 200, before.text
    with outage_database.outage():
        during = client.post("/api/nlu/parse", json={"text": PARSE["text"]})
    assert during.status_code == 200, during.text
    places = [e for e in during.json()["entities"] if e["entity"] == "place"]
    assert [place["code"] for place in places] == [TIANBAOLU]
    assert during.json() == before.json()
