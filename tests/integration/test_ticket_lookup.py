"""GET /api/tickets/{number}: numbers are sequential, so only the filer and staff in scope see one.

Everyone else gets exactly the answer a number that was never issued gets, so
walking the numbers tells a stranger nothing (not even that a ticket exists).
"""

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from tests.integration.staff_support import (
    OTHER_ROOM,
    ROOM,
    TOWN,
    TZ,
    Clock,
    bearer,
    make_token,
    staff_client,
)

FILED_AT = datetime(2026, 11, 24, 9, 30, tzinfo=TZ)
UNKNOWN = "LY-19990101-9999"


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    with staff_client(database_url, Clock(FILED_AT)) as http:
        yield http


@pytest.fixture(scope="module")
def filed(session_factory: sessionmaker[Session], registry: Path) -> tuple[str, str]:
    """A gas emergency at 龙凤社区; returns (number, the filer's sender id)."""
    sender = f"web-{uuid.uuid4()}"
    with session_factory() as session:
        ticket = file_report(
            session,
            NewReport(
                service_code="gas",
                description="厨房燃气味很重，电话13912345678",
                emergency=True,
                emergency_kind="gas_leak",
                community_code=ROOM,
                location_text=f"龙凤社区{uuid.uuid4().hex[:6]}小区3栋",
                contact_phone="13912345678",
                sender_id=sender,
            ),
            tz=TZ,
            default_district_code="500107",
            now=FILED_AT,
        ).ticket
    assert ticket.station_code == ROOM
    return ticket.number, sender


def token(session_factory: sessionmaker[Session], role: Role, station: str | None) -> str:
    return make_token(session_factory, role, station, FILED_AT)


def unknown_answer(client: TestClient) -> tuple[int, dict[str, str]]:
    response = client.get(f"/api/tickets/{UNKNOWN}")
    return response.status_code, response.json()


def looks_unknown(client: TestClient, number: str, headers: dict[str, str]) -> None:
    """The same 404 and the same words as for a number never issued."""
    response = client.get(f"/api/tickets/{number}", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"detail": f"没有找到工单 {number.upper()}"}
    assert unknown_answer(client) == (404, {"detail": f"没有找到工单 {UNKNOWN}"})
    for secret in ("燃气", "gas", "龙凤", "13912345678", "emergency"):
        assert secret not in response.text


def test_a_stranger_learns_nothing(client: TestClient, filed: tuple[str, str]) -> None:
    number, _ = filed
    looks_unknown(client, number, {})
    looks_unknown(client, number.lower(), {})
    looks_unknown(client, number, {"X-Sender-Id": f"web-{uuid.uuid4()}"})


def test_the_filer_sees_their_ticket(client: TestClient, filed: tuple[str, str]) -> None:
    number, sender = filed
    response = client.get(f"/api/tickets/{number}", headers={"X-Sender-Id": sender})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == number
    assert body["emergency"] is True
    assert body["station_code"] == ROOM
    assert body["contact_phone_masked"] == "139****5678"
    assert body["description"].startswith("厨房燃气味很重")
    assert [entry["kind"] for entry in body["timeline"]] == ["created", "dispatched"]


def test_the_chat_page_still_lists_the_residents_own_ticket(
    client: TestClient, filed: tuple[str, str]
) -> None:
    number, sender = filed
    mine = client.get("/api/my/tickets", headers={"X-Sender-Id": sender})
    assert mine.status_code == 200
    [ticket] = mine.json()["tickets"]
    assert ticket["number"] == number
    assert ticket["status_name"] == "已派单，等待工作站签收"


@pytest.mark.parametrize(
    ("role", "station"),
    [
        (Role.STATION_STAFF, ROOM),  # the station holding it
        (Role.STATION_STAFF, TOWN),  # the town above it
        (Role.DISTRICT_OPERATOR, None),
        (Role.SERVICE, TOWN),  # an integration bound to the town
    ],
)
def test_staff_in_scope_see_it(
    client: TestClient,
    session_factory: sessionmaker[Session],
    filed: tuple[str, str],
    role: Role,
    station: str | None,
) -> None:
    number, _ = filed
    headers = bearer(token(session_factory, role, station))
    response = client.get(f"/api/tickets/{number}", headers=headers)
    assert response.status_code == 200
    assert response.json()["number"] == number
    assert response.json()["station_code"] == ROOM
    # What the resident told the bot stays between them and the staff API.
    assert "description" not in response.json()


@pytest.mark.parametrize("role", [Role.STATION_STAFF, Role.SERVICE])
def test_staff_out_of_scope_get_the_unknown_answer(
    client: TestClient, session_factory: sessionmaker[Session], filed: tuple[str, str], role: Role
) -> None:
    number, _ = filed
    looks_unknown(client, number, bearer(token(session_factory, role, OTHER_ROOM)))


def test_a_bad_token_is_refused_whatever_the_number(
    client: TestClient, filed: tuple[str, str]
) -> None:
    number, _ = filed
    for asked in (number, UNKNOWN):
        response = client.get(f"/api/tickets/{asked}", headers=bearer("not-a-token"))
        assert response.status_code == 401


@pytest.mark.parametrize("sender", ["short", "../../etc/passwd-xxxxxxxx", "x" * 129])
def test_a_malformed_sender_id_is_refused_whatever_the_number(
    client: TestClient, filed: tuple[str, str], sender: str
) -> None:
    number, _ = filed
    for asked in (number, UNKNOWN):
        response = client.get(f"/api/tickets/{asked}", headers={"X-Sender-Id": sender})
        assert response.status_code == 422
