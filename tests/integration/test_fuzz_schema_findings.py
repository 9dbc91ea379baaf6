"""Answers the OpenAPI fuzz run (tests/fuzz) found at odds with the schema or in English.

Each is pinned by a plain test; Rasa is not running here, as in the fuzz run.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.main import create_app
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from eval.dialogue_stack import isolated_settings
from tests.integration.staff_support import ROOM, TZ, bearer, make_token

SENDER = "fuzz-schema-findings-01"


@pytest.fixture(scope="module")
def client(
    database_url: str, registry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = isolated_settings(database_url, tmp_path_factory.mktemp("fuzz-findings"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


@pytest.fixture(scope="module")
def operator(session_factory: sessionmaker[Session], registry: Path) -> dict[str, str]:
    return bearer(make_token(session_factory, Role.DISTRICT_OPERATOR, None, datetime.now(TZ)))


@pytest.mark.parametrize("path", ["/api/chat", "/api/nlu/parse", "/api/auth/token"])
def test_a_body_that_is_not_utf8_is_refused_like_any_body_that_is_not_json(
    client: TestClient, path: str
) -> None:
    # Was 400 "There was an error parsing the body", in English, to residents too.
    response = client.post(path, content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "json_invalid", "loc": ["body"], "msg": "请求体不是有效的 JSON"}
    ]


def _component(client: TestClient, name: str) -> Any:
    return client.get("/openapi.json").json()["components"]["schemas"][name]


def test_timeline_entries_carry_every_field_the_schema_requires(
    client: TestClient, operator: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    # A staff note has no status: the view leaves the empty field out, so the schema must
    # not require it (it did, and every ticket with a note broke it).
    number = _filed_by(session_factory, SENDER)
    noted = client.post(
        f"/api/staff/tickets/{number}/notes", headers=operator, json={"note": "已电话联系居民"}
    )
    assert noted.status_code == 200, noted.text
    answer = client.get(f"/api/tickets/{number}", headers={"X-Sender-Id": SENDER})
    assert answer.status_code == 200, answer.text
    required = set(_component(client, "TimelineEntry").get("required", []))
    entries = answer.json()["timeline"]
    assert any("status" not in entry for entry in entries)
    for entry in entries:
        assert required <= set(entry), entry


def test_a_422_with_one_reason_is_what_the_schema_says(
    client: TestClient, operator: dict[str, str]
) -> None:
    # Handler checks answer 422 with one Chinese reason; the schema said only a list.
    response = client.get("/api/staff/tickets", params={"cursor": "x"}, headers=operator)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    detail = _component(client, "HTTPValidationError")["properties"]["detail"]
    assert {"type": "string"} in detail["anyOf"]


def _filed_by(factory: sessionmaker[Session], sender: str) -> str:
    """A resident's ticket, filed through the ticket service with their widget id."""
    with factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description="楼道灯坏了一个月",
                community_code=ROOM,
                location_text="模糊测试回归 3 栋",
                sender_id=sender,
            ),
            tz=TZ,
            default_district_code="500107",
            now=datetime.now(TZ),
        )
        return filed.ticket.number
