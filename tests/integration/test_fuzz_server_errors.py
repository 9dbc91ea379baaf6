"""5xx the OpenAPI fuzz run (tests/fuzz) found, each pinned by a plain test.

Rasa is not running here, as in the fuzz run.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.main import create_app
from api.open311.publishing import find_by_token
from api.row_ids import MAX_ROW_ID
from eval.dialogue_stack import isolated_settings
from tests.integration.staff_support import TZ, bearer, make_token

TOO_BIG = 2**64  # past SQLite's 64-bit binding, let alone PostgreSQL's INTEGER


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


@pytest.mark.parametrize("action", ["promote", "rollback"])
def test_an_unknown_model_version_is_404_even_while_rasa_is_down(
    client: TestClient, operator: dict[str, str], action: str
) -> None:
    # Was 502 "Rasa 服务暂时连不上": Rasa was asked before the version was looked up.
    response = client.post(f"/api/operator/models/999999/{action}", headers=operator, json={})
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "没有编号为 999999 的模型版本"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/operator/jobs/{id}"),
        ("GET", "/api/operator/models/{id}"),
        ("GET", "/api/operator/inbox/items/{id}"),
        ("POST", "/api/operator/models/{id}/rollback"),
        ("GET", "/api/staff/webhooks/{id}"),
        ("DELETE", "/api/staff/webhooks/{id}"),
        ("GET", "/api/staff/webhooks/{id}/deliveries"),
        ("GET", "/api/staff/webhooks/1/deliveries?before_id={id}"),
        ("POST", "/api/staff/webhooks/1/deliveries/{id}/redeliver"),
    ],
)
@pytest.mark.parametrize("number", [TOO_BIG, -TOO_BIG, MAX_ROW_ID + 1, 0])
def test_ids_no_row_can_have_are_refused_with_a_reason(
    client: TestClient, operator: dict[str, str], method: str, path: str, number: int
) -> None:
    # Was 500: OverflowError ("Python int too large to convert to SQLite INTEGER").
    response = client.request(method, path.format(id=number), headers=operator)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"] == f"编号超出范围（1 到 {MAX_ROW_ID}）"


def test_an_id_that_is_no_number_gets_a_chinese_reason(
    client: TestClient, operator: dict[str, str]
) -> None:
    response = client.get("/api/operator/jobs/abc", headers=operator)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "编号应为整数"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        # A naive time was refused by the database column (500); its UTC overflowed (500).
        ({"since": "2026-11-23T00:00:00"}, "时间须带时区，如 2026-11-23T00:00:00+08:00"),
        ({"until": "2026-11-23T00:00:00"}, "时间须带时区，如 2026-11-23T00:00:00+08:00"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "时间超出范围"),
        ({"until": "9999-12-31T23:59:59-01:00"}, "时间超出范围"),
        # PostgreSQL refuses a NUL in text (500 there).
        ({"q": "漏水\x00"}, "含有不可见的控制字符"),
        ({"intent": "report\x00"}, "含有不可见的控制字符"),
    ],
)
def test_inbox_filters_the_database_cannot_take_are_refused_with_a_reason(
    client: TestClient, operator: dict[str, str], params: dict[str, str], reason: str
) -> None:
    response = client.get("/api/operator/inbox", params=params, headers=operator)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"] == reason


def test_inbox_filters_with_a_zone_still_work(client: TestClient, operator: dict[str, str]) -> None:
    params = {"since": "2026-11-23T00:00:00+08:00", "until": "2026-11-24T00:00:00Z", "q": "漏水"}
    response = client.get("/api/operator/inbox", params=params, headers=operator)
    assert response.status_code == 200, response.text


def test_a_webhook_url_with_a_control_character_is_refused(
    client: TestClient, operator: dict[str, str]
) -> None:
    # PostgreSQL refused to store the NUL (500); SQLite stored an unusable URL.
    response = client.post(
        "/api/staff/webhooks",
        json={"url": "http://203.0.113.7/hook\x00", "station_code": "500107104001"},
        headers=operator,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "回调地址含有不可见的控制字符"


def test_an_open311_token_no_post_could_have_is_not_looked_up() -> None:
    # A NUL in the path reached PostgreSQL, which refused it (an error instead of 404).
    unused = cast(Session, None)
    assert find_by_token(unused, "a\x00b") is None
    assert find_by_token(unused, "A" * 32) is None
