"""5xx the OpenAPI fuzz run (tests/fuzz) found, each pinned by a plain test.

Rasa is not running here, as in the fuzz run.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.main import create_app
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
