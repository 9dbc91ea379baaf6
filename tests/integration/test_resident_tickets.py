"""A resident's own tickets over HTTP: only theirs, rating once per resolution, 没解决."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.lifecycle import resolve, sign
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report, get_ticket

TZ = ZoneInfo("Asia/Shanghai")
STAFF = "staff:tianbao.wang"


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_port=free_port(), app_port=free_port())
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def new_sender() -> str:
    return f"web-{uuid.uuid4()}"


def file_for(session: Session, sender: str, phone: str | None = "13812345678") -> str:
    filed = file_report(
        session,
        NewReport(
            service_code="water_leak",
            description=f"厨房漏水，打我电话 {phone or '无'}",
            community_code="500107001011",
            contact_phone=phone,
            sender_id=sender,
        ),
        tz=TZ,
        default_district_code="500107",
        now=datetime(2026, 11, 23, 9, 0, tzinfo=TZ),
    )
    number = filed.ticket.number
    session.close()
    return number


def set_status(session: Session, number: str, status: str) -> None:
    """Staff work the ticket through the lifecycle: sign it, and resolve it if asked."""
    ticket: Ticket = get_ticket(session, number)
    now = datetime.now(TZ)
    sign(session, ticket, actor=STAFF, now=now)
    if status == "resolved":
        resolve(session, ticket, actor=STAFF, now=now, resolution="已换了水管")
    session.commit()
    session.close()


def test_a_resident_sees_their_tickets_with_a_timeline_and_no_phone(
    client: TestClient, session: Session
) -> None:
    sender = new_sender()
    number = file_for(session, sender)
    response = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
    assert response.status_code == 200
    [ticket] = response.json()["tickets"]
    assert ticket["number"] == number
    assert ticket["category"] == "漏水渗水"
    assert [e["kind"] for e in ticket["timeline"]] == ["created", "dispatched"]
    assert ticket["awaiting_rating"] is False
    assert "13812345678" not in response.text
    assert "138****5678" in ticket["description"]


def test_an_unchanged_list_answers_304(client: TestClient, session: Session) -> None:
    sender = new_sender()
    file_for(session, sender)
    first = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
    etag = first.headers["etag"]
    again = client.get("/api/my/tickets", headers={"X-Sender-Id": sender, "If-None-Match": etag})
    assert again.status_code == 304
    number = first.json()["tickets"][0]["number"]
    set_status(session, number, "signed")
    changed = client.get("/api/my/tickets", headers={"X-Sender-Id": sender, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["tickets"][0]["status_name"] == "工作站已签收"


def test_another_residents_tickets_stay_hidden(client: TestClient, session: Session) -> None:
    owner, stranger = new_sender(), new_sender()
    number = file_for(session, owner)
    listed = client.get("/api/my/tickets", headers={"X-Sender-Id": stranger})
    assert listed.json() == {"tickets": []}
    set_status(session, number, "resolved")
    rated = client.post(
        f"/api/my/tickets/{number}/rating", json={"stars": 1}, headers={"X-Sender-Id": stranger}
    )
    assert rated.status_code == 404
    reopened = client.post(
        f"/api/my/tickets/{number}/reopen", json={}, headers={"X-Sender-Id": stranger}
    )
    assert reopened.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Sender-Id": "short"}, {"X-Sender-Id": "../../etc/passwd-xxxxxxxx"}],
)
def test_the_list_needs_a_proper_sender_id(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/my/tickets", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_rating_waits_for_resolution_and_counts_once(client: TestClient, session: Session) -> None:
    sender = new_sender()
    number = file_for(session, sender, phone=None)
    url = f"/api/my/tickets/{number}/rating"
    headers = {"X-Sender-Id": sender}
    early = client.post(url, json={"stars": 5}, headers=headers)
    assert early.status_code == 409 and early.json()["detail"]
    set_status(session, number, "resolved")
    listed = client.get("/api/my/tickets", headers=headers).json()["tickets"][0]
    assert listed["awaiting_rating"] is True
    rated = client.post(url, json={"stars": 4, "comment": "  来得快  "}, headers=headers)
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == 4 and rated.json()["awaiting_rating"] is False
    assert rated.json()["status"] == "closed"  # the rating closes the ticket
    *_, rating, closing = rated.json()["timeline"]
    # Neither the rating nor the closing it caused is news to announce to the resident.
    assert (rating["kind"], rating["by_resident"]) == ("rated", True)
    assert (closing["kind"], closing["by_resident"]) == ("closed", True)
    assert client.post(url, json={"stars": 5}, headers=headers).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"stars": 0},
        {"stars": 6},
        {"stars": "五"},
        {"stars": 3, "comment": "长" * 501},
        {"stars": 3, "extra": 1},
        {},
    ],
)
def test_bad_ratings_are_refused(client: TestClient, session: Session, body: dict) -> None:
    sender = new_sender()
    number = file_for(session, sender, phone=None)
    response = client.post(
        f"/api/my/tickets/{number}/rating", json=body, headers={"X-Sender-Id": sender}
    )
    assert response.status_code == 422


def test_not_solved_asks_to_reopen(client: TestClient, session: Session) -> None:
    sender = new_sender()
    number = file_for(session, sender, phone=None)
    set_status(session, number, "resolved")
    headers = {"X-Sender-Id": sender}
    response = client.post(
        f"/api/my/tickets/{number}/reopen", json={"comment": "还在漏"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reopen_requested"] is True and body["awaiting_rating"] is False
    assert body["status"] == "reopened"
    assert body["timeline"][-1]["kind"] == "reopened" and body["timeline"][-1]["by_resident"]
    again = client.post(f"/api/my/tickets/{number}/reopen", json={}, headers=headers)
    assert again.status_code == 409


def test_a_staff_callback_number_is_shown_whole_and_the_residents_own_stays_masked(
    client: TestClient, session: Session
) -> None:
    sender = new_sender()
    number = file_for(session, sender)
    ticket: Ticket = get_ticket(session, number)
    note = "师傅电话 139 0000 1111，到楼下会打您的 13812345678"
    sign(session, ticket, actor=STAFF, now=datetime.now(TZ), note=note)
    session.commit()
    session.close()
    response = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
    [signed] = [e for e in response.json()["tickets"][0]["timeline"] if e["kind"] == "signed"]
    assert signed["note"] == "师傅电话 139 0000 1111，到楼下会打您的 138****5678"
    assert "13812345678" not in response.text
