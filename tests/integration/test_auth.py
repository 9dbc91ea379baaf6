"""Staff authentication over HTTP: Argon2id, throttling, expiry, logout, inactive accounts."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import AccessToken, Role, StaffAccount
from api.auth.service import (
    BEARER_TTL,
    LOGIN_WINDOW,
    MAX_FAILURES_PER_USERNAME,
    create_account,
    token_digest,
)
from tests.integration.staff_support import ROOM, TZ, Clock, bearer, staff_client, unique

NOW = datetime(2026, 10, 12, 9, 0, tzinfo=TZ)
PASSWORD = "长江大桥-2026-九龙坡"


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture(scope="module")
def client(database_url: str, registry: object, clock: Clock) -> Iterator[TestClient]:
    with staff_client(database_url, clock) as http:
        yield http


@pytest.fixture
def username(session_factory: sessionmaker[Session], registry: object) -> str:
    """A fresh station staff account with PASSWORD."""
    name = unique("wang.li")
    with session_factory() as session:
        create_account(
            session,
            username=name,
            display_name="王丽",
            role=Role.STATION_STAFF,
            station_code=ROOM,
            password=PASSWORD,
        )
        session.commit()
    return name


def login(client: TestClient, username: str, password: str = PASSWORD) -> "object":
    return client.post("/api/auth/token", json={"username": username, "password": password})


def test_passwords_are_stored_as_argon2id_hashes(
    username: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.username == username)
        ).one()
        assert account.password_hash is not None
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash


def test_a_login_gives_a_short_lived_token_stored_only_as_its_hash(
    client: TestClient, username: str, session_factory: sessionmaker[Session]
) -> None:
    response = login(client, username)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == int(BEARER_TTL.total_seconds())
    me = client.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert me == {
        "username": username,
        "display_name": "王丽",
        "role": "station_staff",
        "station_code": ROOM,
        "station_name": "龙凤社区老杨群工室",  # 龙凤社区居民委员会 in the registry
        "home_station_code": ROOM,
        "station_count": 1,
    }
    with session_factory() as session:
        stored = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == token_digest(body["access_token"]))
        ).one()
        assert body["access_token"] not in (stored.token_hash, stored.label or "")


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    client: TestClient, username: str
) -> None:
    wrong = login(client, username, "not the password")
    unknown = login(client, unique("nobody"), "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "用户名或密码不正确"}


def test_logins_are_throttled_after_repeated_failures(
    client: TestClient, username: str, clock: Clock
) -> None:
    clock.now = NOW + timedelta(hours=1)  # a window of its own
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert login(client, username, "guess").status_code == 401
    throttled = login(client, username)  # even the right password waits
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= LOGIN_WINDOW.total_seconds() + 1
    assert f"{retry_after} 秒后再试" in throttled.json()["detail"]
    clock.now += timedelta(seconds=retry_after)
    assert login(client, username).status_code == 200
    clock.now = NOW


def test_a_token_stops_working_when_it_expires(
    client: TestClient, username: str, clock: Clock
) -> None:
    token = login(client, username).json()["access_token"]
    clock.now = NOW + BEARER_TTL - timedelta(seconds=1)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    clock.now = NOW + BEARER_TTL
    expired = client.get("/api/auth/me", headers=bearer(token))
    clock.now = NOW
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == "Bearer"


def test_logout_revokes_the_token(client: TestClient, username: str) -> None:
    token = login(client, username).json()["access_token"]
    other = login(client, username).json()["access_token"]
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 401
    # Only that token: the same person's other session goes on.
    assert client.get("/api/auth/me", headers=bearer(other)).status_code == 200


def test_an_inactive_account_can_neither_log_in_nor_use_its_tokens(
    client: TestClient, username: str, session_factory: sessionmaker[Session]
) -> None:
    token = login(client, username).json()["access_token"]
    with session_factory() as session:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.username == username)
        ).one()
        account.active = False
        session.commit()
    assert login(client, username).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_a_service_account_cannot_log_in_with_a_password(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    name = unique("grid-platform")
    with session_factory() as session:
        create_account(
            session,
            username=name,
            display_name="区网格平台",
            role=Role.SERVICE,
            station_code=None,
            password=None,
        )
        session.commit()
    assert login(client, name, "").status_code == 422
    assert login(client, name, "anything-at-all").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "x" * 5000],
)
def test_malformed_authorization_headers_are_401(client: TestClient, header: str) -> None:
    response = client.get("/api/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_openapi_document_declares_the_bearer_scheme_on_staff_routes(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(scheme.get("scheme", "").lower() == "bearer" for scheme in schemes.values())
    for path, operations in spec["paths"].items():
        if path.startswith("/api/staff/tickets") or path.startswith("/api/staff/stations"):
            for operation in operations.values():
                assert operation.get("security"), path


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "wang\x00li", "password": "x"}, 422),
        ({"username": "", "password": "x"}, 422),
        ({"username": "x" * 65, "password": "x"}, 422),
        ({"username": "wang.li"}, 422),
        ({"username": "wang.li", "password": "x", "remember": True}, 422),
        (["wang.li", "x"], 422),
        ({"username": "wang.li", "password": "a\x00b"}, 401),  # only ever hashed
    ],
)
def test_bad_login_bodies_are_refused_not_500(
    client: TestClient, body: object, status: int
) -> None:
    response = client.post("/api/auth/token", json=body)
    assert response.status_code == status, response.text
    assert "wang" not in response.text
