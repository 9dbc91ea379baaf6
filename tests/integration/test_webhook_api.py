"""The staff endpoints for webhook subscriptions: scope, roles, the secret shown once."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.database import transaction
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.webhooks.models import WebhookSubscription
from api.webhooks.service import deactivate_subscription

ROOM = "500107001011"  # 天宝路社区, under 杨家坪街道
TOWN = "500107001"  # 杨家坪街道
OTHER_ROOM = "500107002001"  # 黄正街社区, under 黄桷坪街道
BASE = "/api/staff/webhooks"
RECEIVER = "https://8.8.8.8/hooks/laoyang"  # public: accepted without DNS, never called


def app_client(database_url: str, **settings: object) -> TestClient:
    app = create_app(
        Settings(
            database_url=database_url,
            rasa_port=free_port(),
            app_port=free_port(),
            webhook_worker=False,
            **settings,  # type: ignore[arg-type]
        )
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    with app_client(database_url) as http:
        yield http


@pytest.fixture(scope="module")
def tokens(session_factory: sessionmaker[Session], registry: Path) -> dict[str, str]:
    """A bearer token for each kind of caller."""
    people = {
        "room": (Role.STATION_STAFF, ROOM),
        "town": (Role.STATION_STAFF, TOWN),
        "other": (Role.STATION_STAFF, OTHER_ROOM),
        "operator": (Role.DISTRICT_OPERATOR, None),
        "service": (Role.SERVICE, None),
    }
    issued: dict[str, str] = {}
    with transaction(session_factory) as session:
        for name, (role, station) in people.items():
            account = create_account(
                session,
                username=f"wh-{name}-{uuid.uuid4().hex[:8]}",
                display_name=f"测试{name}",
                role=role,
                station_code=station,
                password=None if role is Role.SERVICE else "correct-horse-battery",
            )
            kind = TokenKind.API_KEY if role is Role.SERVICE else TokenKind.BEARER
            issued[name] = issue_token(session, account, kind=kind, now=datetime.now(UTC)).token
    return issued


@pytest.fixture(autouse=True)
def no_live_subscriptions(session_factory: sessionmaker[Session]) -> Iterator[None]:
    yield
    with transaction(session_factory) as session:
        for subscription in session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        ):
            deactivate_subscription(session, subscription)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: TestClient, token: str, **body: object) -> dict[str, object]:
    response = client.post(BASE, json={"url": RECEIVER, **body}, headers=auth(token))
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_station_staff_register_for_their_station_and_see_the_secret_once(
    client: TestClient, tokens: dict[str, str]
) -> None:
    created = register(client, tokens["room"])
    assert created["station_code"] == ROOM
    assert created["url"] == RECEIVER
    assert created["active"] is True
    assert str(created["secret"]).startswith("whsec_") and len(str(created["secret"])) > 40
    assert "只显示这一次" in str(created["notice"])
    assert created["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0}

    listed = client.get(BASE, headers=auth(tokens["room"])).json()
    assert [s["id"] for s in listed] == [created["id"]]
    shown = client.get(f"{BASE}/{created['id']}", headers=auth(tokens["room"]))
    assert shown.status_code == 200
    for body in (*listed, shown.json()):
        assert "secret" not in body
        assert created["secret"] not in str(body)


def test_other_stations_get_404_for_everything(client: TestClient, tokens: dict[str, str]) -> None:
    created = register(client, tokens["room"])
    other = auth(tokens["other"])
    sid = created["id"]
    assert client.get(BASE, headers=other).json() == []
    for method, path in [
        ("GET", f"{BASE}/{sid}"),
        ("DELETE", f"{BASE}/{sid}"),
        ("GET", f"{BASE}/{sid}/deliveries"),
        ("POST", f"{BASE}/{sid}/deliveries/1/redeliver"),
        ("GET", f"{BASE}/999999999"),
    ]:
        response = client.request(method, path, headers=other)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["detail"] == "没有这个回调订阅"
    # Registering for a station outside the scope looks like an unknown station.
    response = client.post(BASE, json={"url": RECEIVER, "station_code": ROOM}, headers=other)
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.json()["detail"]
    # And it is still there for its own station.
    assert client.get(f"{BASE}/{sid}", headers=auth(tokens["room"])).status_code == 200


def test_a_parent_station_sees_its_rooms_subscriptions_but_does_not_change_them(
    client: TestClient, tokens: dict[str, str]
) -> None:
    created = register(client, tokens["room"])
    town = auth(tokens["town"])
    assert created["id"] in [s["id"] for s in client.get(BASE, headers=town).json()]
    assert client.get(f"{BASE}/{created['id']}/deliveries", headers=town).status_code == 200
    response = client.delete(f"{BASE}/{created['id']}", headers=town)
    assert response.status_code == 403
    assert "本站人员" in response.json()["detail"]
    refused = client.post(BASE, json={"url": RECEIVER, "station_code": ROOM}, headers=town)
    assert refused.status_code == 403


def test_operators_manage_any_station_but_must_name_it(
    client: TestClient, tokens: dict[str, str]
) -> None:
    operator = auth(tokens["operator"])
    response = client.post(BASE, json={"url": RECEIVER}, headers=operator)
    assert response.status_code == 422
    assert "station_code" in response.json()["detail"]
    created = register(client, tokens["operator"], station_code=OTHER_ROOM)
    assert created["station_code"] == OTHER_ROOM
    assert created["created_by"].startswith("staff:wh-operator-")  # type: ignore[union-attr]
    mine = register(client, tokens["room"])
    listed = client.get(BASE, headers=operator).json()
    assert {created["id"], mine["id"]} <= {s["id"] for s in listed}
    only = client.get(BASE, params={"station_code": ROOM}, headers=operator).json()
    assert {s["station_code"] for s in only} == {ROOM}
    assert client.delete(f"{BASE}/{mine['id']}", headers=operator).status_code == 204
    unknown = client.post(BASE, json={"url": RECEIVER, "station_code": "999"}, headers=operator)
    assert unknown.status_code == 404


def test_integrations_do_not_register_webhooks(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get(BASE, headers=auth(tokens["service"])).status_code == 403
    response = client.post(
        BASE, json={"url": RECEIVER, "station_code": ROOM}, headers=auth(tokens["service"])
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", BASE),
        ("POST", BASE),
        ("GET", f"{BASE}/1"),
        ("DELETE", f"{BASE}/1"),
        ("GET", f"{BASE}/1/deliveries"),
        ("POST", f"{BASE}/1/deliveries/1/redeliver"),
    ],
)
def test_no_token_is_401(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"url": RECEIVER})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    bad = client.request(method, path, json={"url": RECEIVER}, headers=auth("not-a-token"))
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/hook", "本机回环地址"),
        ("http://169.254.169.254/latest/meta-data/", "链路本地地址"),
        ("http://192.168.10.20/hook", "内网地址"),
        ("http://[fd12:3456::1]/hook", "内网地址"),
        ("http://[::1]/hook", "本机回环地址"),
        ("ftp://8.8.8.8/hook", "只支持 http:// 或 https://"),
    ],
)
def test_unsafe_urls_are_refused_with_a_chinese_reason(
    client: TestClient, tokens: dict[str, str], url: str, reason: str
) -> None:
    response = client.post(BASE, json={"url": url}, headers=auth(tokens["room"]))
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_private_urls_are_accepted_when_the_setting_allows(
    database_url: str, tokens: dict[str, str]
) -> None:
    with app_client(database_url, webhook_allow_private=True) as permissive:
        response = permissive.post(
            BASE, json={"url": "http://127.0.0.1:8000/hook"}, headers=auth(tokens["room"])
        )
    assert response.status_code == 201, response.text
    with app_client(database_url, webhook_allowed_networks="10.20.0.0/16") as listed:
        ok = listed.post(BASE, json={"url": "http://10.20.3.4/hook"}, headers=auth(tokens["room"]))
        refused = listed.post(
            BASE, json={"url": "http://10.30.3.4/hook"}, headers=auth(tokens["room"])
        )
    assert ok.status_code == 201
    assert refused.status_code == 422


def test_duplicates_and_too_many_subscriptions_conflict(
    client: TestClient, tokens: dict[str, str]
) -> None:
    register(client, tokens["room"])
    again = client.post(BASE, json={"url": RECEIVER}, headers=auth(tokens["room"]))
    assert again.status_code == 409
    for n in range(4):
        register(client, tokens["room"], url=f"{RECEIVER}/{n}")
    full = client.post(BASE, json={"url": f"{RECEIVER}/x"}, headers=auth(tokens["room"]))
    assert full.status_code == 409
    assert "最多 5 个" in full.json()["detail"]


def test_deactivated_subscriptions_are_kept_but_hidden(
    client: TestClient, tokens: dict[str, str]
) -> None:
    created = register(client, tokens["room"])
    room = auth(tokens["room"])
    assert client.delete(f"{BASE}/{created['id']}", headers=room).status_code == 204
    assert client.delete(f"{BASE}/{created['id']}", headers=room).status_code == 204
    assert client.get(BASE, headers=room).json() == []
    everything = client.get(BASE, params={"include_inactive": True}, headers=room).json()
    assert (created["id"], False) in [(s["id"], s["active"]) for s in everything]
    assert all(s["station_code"] == ROOM for s in everything)
    # The URL may be registered again once the old subscription is stopped.
    register(client, tokens["room"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": 42},
        {"url": ""},
        {"url": "https://8.8.8.8/" + "a" * 600},
        {"url": RECEIVER, "secret": "mine"},
    ],
)
def test_bad_bodies_are_422(client: TestClient, tokens: dict[str, str], body: object) -> None:
    response = client.post(BASE, json=body, headers=auth(tokens["room"]))
    assert response.status_code == 422
