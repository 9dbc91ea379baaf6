"""The station directory staff pick a 转派 target from: names, levels, who handles what."""

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.stations.models import Station
from tests.integration.staff_support import ROOM, TZ, Clock, bearer, make_token, staff_client

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
# 华岩新村社区 (中梁山街道), used by no other test: made to take disputes only here.
NARROW = "500107006007"


@pytest.fixture(scope="module")
def client(database_url: str, registry: object) -> Iterator[TestClient]:
    with staff_client(database_url, Clock(NOW)) as http:
        yield http


@pytest.fixture
def room(session_factory: sessionmaker[Session], registry: object) -> dict[str, str]:
    return bearer(make_token(session_factory, Role.STATION_STAFF, ROOM, NOW))


@pytest.fixture
def disputes_only(session_factory: sessionmaker[Session], registry: object) -> Iterator[None]:
    with session_factory() as session:
        station = session.get(Station, NARROW)
        assert station is not None
        before = list(station.service_codes)
        station.service_codes = ["dispute"]
        session.commit()
    yield
    with session_factory() as session:
        station = session.get(Station, NARROW)
        assert station is not None
        station.service_codes = before
        session.commit()


def test_staff_find_every_station_by_name_and_place_in_the_network(
    client: TestClient, room: dict[str, str]
) -> None:
    answer = client.get("/api/staff/stations", headers=room)
    assert answer.status_code == 200
    by_code = {entry["code"]: entry for entry in answer.json()}
    assert len(by_code) >= 290  # the district's registry (other tests add stations)
    assert by_code["500107006"]["name"] == "中梁山街道老杨群工站"
    assert by_code["500107006"]["level"] == "town"
    assert by_code[NARROW]["name"] == "华岩新村社区老杨群工室"
    assert by_code[NARROW]["parent_code"] == "500107006"


def test_only_stations_that_handle_the_problem_are_offered(
    client: TestClient, room: dict[str, str], disputes_only: None
) -> None:
    gas = {
        e["code"] for e in client.get("/api/staff/stations?service_code=gas", headers=room).json()
    }
    dispute = client.get("/api/staff/stations?service_code=dispute", headers=room).json()
    assert NARROW not in gas and NARROW in {entry["code"] for entry in dispute}
    assert "500107006" in gas


def test_the_directory_needs_a_login_and_a_real_category(
    client: TestClient, room: dict[str, str]
) -> None:
    assert client.get("/api/staff/stations").status_code == 401
    wrong = client.get("/api/staff/stations?service_code=噪音", headers=room)
    assert wrong.status_code == 422
    assert "类别" in wrong.json()["detail"][0]["msg"]
