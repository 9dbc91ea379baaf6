"""Who gets what, on every staff endpoint: one readable table, one case per cell.

A ticket of 龙凤社区 (a room under 金凤镇) is asked for by: staff of 龙凤社区
itself, staff of 金凤镇 (the parent), staff of 冬笋坝社区 (another town's room),
a district operator, an unbound service account, and requests with no,
expired, revoked or malformed tokens. Outside one's scope a ticket does not
exist (404, never 403); inside it, a caller who may read but not act gets 403.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.auth.service import authenticate_token, revoke_token
from api.figures.views import router as figures_router
from api.stations.directory import router as directory_router
from api.tickets import lifecycle
from api.tickets.models import Ticket
from api.tickets.staff import ROUTERS as STAFF_ROUTERS
from tests.integration.staff_support import (
    MASKED,
    OTHER_ROOM,
    PHONE,
    ROOM,
    SIBLING_ROOM,
    TOWN,
    TZ,
    Clock,
    bearer,
    file_ticket,
    make_token,
    staff_client,
)

NOW = datetime(2026, 8, 10, 10, 0, tzinfo=TZ)  # a Monday
CALLERS = ("own", "parent", "other", "operator", "service", "none", "expired", "revoked", "bad")
OK, NO_TOKEN = 200, 401

# endpoint       →   own  parent other operator service none expired revoked bad
MATRIX: dict[str, tuple[int, ...]] = {
    "read":          (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "events":        (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "list":          (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "export":        (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "figures":       (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "trends":        (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "trends csv":    (200, 200, 404, 200, 200, 401, 401, 401, 401),
    "stations":      (200, 200, 200, 200, 200, 401, 401, 401, 401),
    "overdue":       (200, 200, 200, 200, 200, 401, 401, 401, 401),
    "sign":          (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "sign twice":    (409, 403, 404, 409, 403, 401, 401, 401, 401),
    "start":         (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "start unsigned":(409, 403, 404, 409, 403, 401, 401, 401, 401),
    "notes":         (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "resolve":       (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "return":        (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "transfer":      (200, 200, 404, 200, 403, 401, 401, 401, 401),
    "recategorise":  (200, 403, 404, 200, 403, 401, 401, 401, 401),
    "recategorise resolved": (409, 403, 404, 409, 403, 401, 401, 401, 401),
}  # fmt: skip


@dataclass(frozen=True)
class Call:
    """An HTTP request against the ticket, and what must hold before it."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    prepare: tuple[str, ...] = ()  # lifecycle steps done by the holding station first


CALLS: dict[str, Call] = {
    "read": Call("GET", "/api/staff/tickets/{n}"),
    "events": Call("GET", "/api/staff/tickets/{n}/events"),
    "list": Call("GET", "/api/staff/tickets?station_code={room}"),
    "export": Call("GET", "/api/staff/tickets/export?format=csv&station_code={room}"),
    "figures": Call("GET", "/api/staff/stations/{room}/figures"),
    "trends": Call("GET", "/api/staff/stations/{room}/trends"),
    "trends csv": Call("GET", "/api/staff/stations/{room}/trends.csv"),
    "stations": Call("GET", "/api/staff/stations?service_code=gas"),
    "overdue": Call("GET", "/api/staff/overdue"),
    "sign": Call("POST", "/api/staff/tickets/{n}/sign", {"note": "已电话联系居民"}),
    "sign twice": Call("POST", "/api/staff/tickets/{n}/sign", {}, ("sign",)),
    "start": Call("POST", "/api/staff/tickets/{n}/start", {}, ("sign",)),
    "start unsigned": Call("POST", "/api/staff/tickets/{n}/start", {}),
    "notes": Call("POST", "/api/staff/tickets/{n}/notes", {"note": "已联系物业"}),
    "resolve": Call(
        "POST", "/api/staff/tickets/{n}/resolve", {"resolution": "已协调解决"}, ("sign",)
    ),
    "return": Call("POST", "/api/staff/tickets/{n}/return", {"reason": "wrong_area"}),
    "transfer": Call(
        "POST",
        "/api/staff/tickets/{n}/transfer",
        {"to_station_code": SIBLING_ROOM, "note": "事发地在金凤佳园社区"},
    ),
    "recategorise": Call(
        "POST",
        "/api/staff/tickets/{n}/recategorise",
        {"service_code": "environment", "note": "楼道堆的是垃圾，不是纠纷"},
    ),
    "recategorise resolved": Call(
        "POST",
        "/api/staff/tickets/{n}/recategorise",
        {"service_code": "environment", "note": "楼道堆的是垃圾，不是纠纷"},
        ("sign", "resolve"),
    ),
}


def _resolve(session: Session, ticket: Ticket, *, actor: str, now: datetime) -> Any:
    return lifecycle.resolve(session, ticket, actor=actor, now=now, resolution="已协调解决")


STEPS: dict[str, Callable[..., Any]] = {"sign": lifecycle.sign, "resolve": _resolve}


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture(scope="module")
def client(database_url: str, registry: object, clock: Clock) -> Iterator[TestClient]:
    with staff_client(database_url, clock) as http:
        yield http


@pytest.fixture(scope="module")
def headers(session_factory: sessionmaker[Session], registry: object) -> dict[str, dict[str, str]]:
    """The Authorization header of each caller in the table."""
    tokens = {
        "own": make_token(session_factory, Role.STATION_STAFF, ROOM, NOW),
        "parent": make_token(session_factory, Role.STATION_STAFF, TOWN, NOW),
        "other": make_token(session_factory, Role.STATION_STAFF, OTHER_ROOM, NOW),
        "operator": make_token(session_factory, Role.DISTRICT_OPERATOR, None, NOW),
        "service": make_token(session_factory, Role.SERVICE, None, NOW),
        "expired": make_token(session_factory, Role.STATION_STAFF, ROOM, NOW - timedelta(hours=2)),
        "revoked": make_token(session_factory, Role.STATION_STAFF, ROOM, NOW),
    }
    with session_factory() as session:
        assert revoke_token(session, tokens["revoked"], NOW)
        session.commit()
    found = {name: bearer(token) for name, token in tokens.items()}
    found["none"] = {}
    found["bad"] = {"Authorization": "Bearer not-a-token-at-all"}
    return found


def _prepare(factory: sessionmaker[Session], number: str, steps: tuple[str, ...]) -> None:
    with factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        for step in steps:
            STEPS[step](session, ticket, actor="staff:prep", now=NOW - timedelta(minutes=30))
        session.commit()


CASES = [
    pytest.param(endpoint, caller, expected, id=f"{endpoint}-{caller}")
    for endpoint, row in MATRIX.items()
    for caller, expected in zip(CALLERS, row, strict=True)
]


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CASES)
def test_authorisation_matrix(
    client: TestClient,
    session_factory: sessionmaker[Session],
    headers: dict[str, dict[str, str]],
    endpoint: str,
    caller: str,
    expected: int,
) -> None:
    call = CALLS[endpoint]
    number = file_ticket(session_factory, ROOM, NOW - timedelta(hours=1))
    _prepare(session_factory, number, call.prepare)
    path = call.path.format(n=number, room=ROOM)
    response = client.request(call.method, path, json=call.body, headers=headers[caller])
    assert response.status_code == expected, response.text
    if expected == 404:
        # Nothing of the ticket leaks: not its resident's text, not the phone.
        assert "装修" not in response.text and PHONE not in response.text
        assert MASKED not in response.text
    if expected == NO_TOKEN:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if expected != OK:
        assert isinstance(response.json()["detail"], str)


def test_every_staff_route_is_in_the_matrix(client: TestClient) -> None:
    """A new staff ticket endpoint must be added to the table above before it can ship."""
    routers = (*STAFF_ROUTERS, figures_router, directory_router)
    mine = {r.path for router in routers for r in router.routes if isinstance(r, APIRoute)}
    paths = client.get("/openapi.json").json()["paths"]
    routes = {(method.upper(), path) for path in mine for method in paths[path]}
    covered = {
        (
            call.method,
            call.path.split("?")[0].replace("{n}", "{number}").replace("{room}", "{code}"),
        )
        for call in CALLS.values()
    }
    assert routes == covered


def test_an_account_deactivated_after_login_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    token = make_token(session_factory, Role.STATION_STAFF, ROOM, NOW)
    assert client.get("/api/staff/overdue", headers=bearer(token)).status_code == 200
    with session_factory() as session:
        account = authenticate_token(session, token, NOW)
        assert account is not None
        account.active = False
        session.commit()
    assert client.get("/api/staff/overdue", headers=bearer(token)).status_code == 401


def test_an_api_key_of_a_station_bound_integration_sees_only_its_subtree(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    key = make_token(session_factory, Role.SERVICE, TOWN, NOW)
    mine = file_ticket(session_factory, ROOM, NOW - timedelta(hours=1))
    theirs = file_ticket(session_factory, OTHER_ROOM, NOW - timedelta(hours=1))
    assert client.get(f"/api/staff/tickets/{mine}", headers=bearer(key)).status_code == 200
    assert client.get(f"/api/staff/tickets/{theirs}", headers=bearer(key)).status_code == 404
