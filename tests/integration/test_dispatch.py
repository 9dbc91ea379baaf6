"""Which 老杨 station takes a ticket: community, nearest, town, then district."""

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_CODES
from api.dispatch.service import (
    DispatchReason,
    DispatchRequest,
    choose_station,
    nearest_station,
)
from api.main import create_app
from api.settings import Settings
from api.stations.models import LEVEL_RANK, Station
from tests import registry_by_hand
from tests.registry_by_hand import distance_km

DISTRICT = "500107"
YANGJIAPING = "500107001"
TIANBAOLU = "500107001011"  # a community without coordinates
TONGGUANYI = "500107111"
XINHECUN = "500107111205"  # a village with coordinates
# A spot far from every registry station, for synthetic stations (codes start with 9).
NOWHERE = (45.0, 90.0)


@pytest.fixture
def scratch(session: Session) -> Iterator[Session]:
    """The registry session; whatever the test adds or changes is rolled back."""
    yield session
    session.rollback()


def add_station(
    session: Session,
    code: str,
    level: str,
    lat: float | None,
    lon: float | None,
    *,
    active: bool = True,
    service_codes: list[str] | None = None,
) -> Station:
    station = Station(
        code=code,
        name=f"测试{code}",
        short_name=f"测试{code}",
        level=level,
        parent_code=None,
        lat=lat,
        lon=lon,
        service_codes=list(SERVICE_CODES) if service_codes is None else service_codes,
        active=active,
    )
    session.add(station)
    session.flush()
    return station


def decide(session: Session, **request: object):
    return choose_station(session, DispatchRequest(**request), DISTRICT)  # type: ignore[arg-type]


def reference_nearest(
    stations: list[Station], lat: float, lon: float, code: str
) -> tuple[Station, float] | None:
    """Brute force over every station: smallest distance, then lower level, then code."""
    ranked = [
        (distance_km(lat, lon, s.lat, s.lon), LEVEL_RANK[s.level], s.code, s)
        for s in stations
        if s.active and code in s.service_codes and s.lat is not None and s.lon is not None
    ]
    if not ranked:
        return None
    distance, _, _, station = min(ranked, key=lambda row: row[:3])
    return station, distance


# --- rule 1: the resident's own community -------------------------------------------


def test_known_community_takes_the_ticket(session: Session) -> None:
    decision = decide(session, service_code="water_leak", community_code=TIANBAOLU)
    assert decision.station.code == TIANBAOLU
    assert decision.reason is DispatchReason.COMMUNITY
    assert decision.distance_km is None
    assert "居民所在村社已知" in decision.explanation


def test_known_community_wins_over_a_shared_location(session: Session) -> None:
    # The resident is in 铜罐驿 right now but reports for home in 天宝路.
    decision = decide(
        session, service_code="dispute", community_code=TIANBAOLU, lat=29.335, lon=106.362
    )
    assert decision.station.code == TIANBAOLU
    assert decision.reason is DispatchReason.COMMUNITY


def test_community_that_does_not_handle_the_code_falls_to_nearest(scratch: Session) -> None:
    community = scratch.get(Station, TIANBAOLU)
    assert community is not None
    community.service_codes = ["dispute"]
    scratch.flush()
    decision = decide(
        scratch, service_code="water_leak", community_code=TIANBAOLU, lat=29.3350, lon=106.3622
    )
    assert decision.reason is DispatchReason.NEAREST
    assert decision.station.code == XINHECUN
    assert "就近派单" in decision.explanation


def test_inactive_community_falls_to_its_town(scratch: Session) -> None:
    community = scratch.get(Station, TIANBAOLU)
    assert community is not None
    community.active = False
    scratch.flush()
    decision = decide(scratch, service_code="water_leak", community_code=TIANBAOLU)
    assert decision.station.code == YANGJIAPING
    assert decision.reason is DispatchReason.TOWN


# --- rule 2: the nearest station to a shared location --------------------------------


def test_nearest_matches_a_brute_force_search_around_chongqing(session: Session) -> None:
    stations = list(session.scalars(select(Station)))
    rng = random.Random(20261123)
    points = [(rng.uniform(29.2, 29.75), rng.uniform(106.2, 106.7)) for _ in range(150)]
    # Farther away too, so the wider search steps and the unbounded search are used.
    points += [(rng.uniform(25.0, 34.0), rng.uniform(101.0, 112.0)) for _ in range(30)]
    points += [(39.9042, 116.4074), (-33.8688, 151.2093), (0.0, -179.5)]
    for lat, lon in points:
        code = rng.choice(SERVICE_CODES)
        expected = reference_nearest(stations, lat, lon, code)
        assert expected is not None
        decision = decide(session, service_code=code, lat=lat, lon=lon)
        assert decision.reason is DispatchReason.NEAREST
        assert decision.station.code == expected[0].code, (lat, lon)
        assert decision.distance_km == pytest.approx(expected[1], abs=1e-9)


def test_nearest_to_a_station_is_that_station(session: Session) -> None:
    station = session.get(Station, XINHECUN)
    assert station is not None and station.lat is not None and station.lon is not None
    found = nearest_station(session, station.lat, station.lon, "welfare")
    assert found is not None
    assert found[0].code == XINHECUN
    assert found[1] == pytest.approx(0.0, abs=1e-9)


def test_equal_distance_goes_to_the_lower_level_then_the_lower_code(scratch: Session) -> None:
    lat, lon = NOWHERE
    add_station(scratch, "9000000001", "town", lat, lon)
    add_station(scratch, "9000000003", "village", lat, lon)
    add_station(scratch, "9000000004", "village", lat, lon)
    add_station(scratch, "9000000002", "district", lat, lon)
    decision = decide(scratch, service_code="gas", lat=lat + 0.01, lon=lon)
    assert decision.reason is DispatchReason.NEAREST
    assert decision.station.code == "9000000003"

    add_station(scratch, "9000000000", "grid", lat, lon)
    decision = decide(scratch, service_code="gas", lat=lat + 0.01, lon=lon)
    assert decision.station.code == "9000000000"


def test_a_closer_station_beats_a_lower_level(scratch: Session) -> None:
    lat, lon = NOWHERE
    add_station(scratch, "9000000011", "grid", lat + 0.02, lon)
    add_station(scratch, "9000000012", "district", lat + 0.01, lon)
    decision = decide(scratch, service_code="gas", lat=lat, lon=lon)
    assert decision.station.code == "9000000012"


def test_inactive_and_non_handling_stations_are_skipped(scratch: Session) -> None:
    lat, lon = NOWHERE
    add_station(scratch, "9000000021", "grid", lat, lon, active=False)
    add_station(scratch, "9000000022", "grid", lat, lon, service_codes=["dispute"])
    add_station(scratch, "9000000023", "village", lat + 0.009, lon)  # about 1 km north
    add_station(scratch, "9000000024", "grid", None, None)  # no coordinates

    decision = decide(scratch, service_code="water_leak", lat=lat, lon=lon)
    assert decision.station.code == "9000000023"
    assert decision.distance_km == pytest.approx(1.0, abs=0.01)

    decision = decide(scratch, service_code="dispute", lat=lat, lon=lon)
    assert decision.station.code == "9000000022"
    assert decision.distance_km == pytest.approx(0.0, abs=1e-9)


def test_nearest_agrees_with_brute_force_among_synthetic_stations(scratch: Session) -> None:
    rng = random.Random(42)
    lat0, lon0 = NOWHERE
    levels = ("grid", "village", "town", "district")
    for i in range(40):
        add_station(
            scratch,
            f"91{i:08d}",
            rng.choice(levels),
            round(lat0 + rng.uniform(-0.3, 0.3), 2),  # coarse grid: many exact ties
            round(lon0 + rng.uniform(-0.3, 0.3), 2),
            active=rng.random() > 0.2,
            service_codes=rng.sample(list(SERVICE_CODES), k=rng.randint(1, 4)),
        )
    stations = list(scratch.scalars(select(Station)))
    for _ in range(200):
        lat = round(lat0 + rng.uniform(-0.35, 0.35), 2)
        lon = round(lon0 + rng.uniform(-0.35, 0.35), 2)
        code = rng.choice(SERVICE_CODES)
        expected = reference_nearest(stations, lat, lon, code)
        found = nearest_station(scratch, lat, lon, code)
        assert expected is not None and found is not None
        assert found[0].code == expected[0].code, (lat, lon, code)


# --- rules 3 and 4: town, then district ----------------------------------------------


def test_town_known_only_goes_to_the_town(session: Session) -> None:
    decision = decide(session, service_code="dispute", town_code=TONGGUANYI)
    assert decision.station.code == TONGGUANYI
    assert decision.reason is DispatchReason.TOWN
    assert "只确定到镇街" in decision.explanation


def test_inactive_town_falls_to_the_district(scratch: Session) -> None:
    town = scratch.get(Station, TONGGUANYI)
    assert town is not None
    town.active = False
    scratch.flush()
    decision = decide(scratch, service_code="dispute", town_code=TONGGUANYI)
    assert decision.station.code == DISTRICT
    assert decision.reason is DispatchReason.DISTRICT


@pytest.mark.parametrize(
    "request_fields",
    [
        {},
        {"community_code": "999999999999"},
        {"town_code": "999999999"},
        {"lat": 29.5},  # half a location is no location
    ],
)
def test_nothing_known_goes_to_the_district_centre(
    session: Session, request_fields: dict[str, object]
) -> None:
    decision = decide(session, service_code="other", **request_fields)
    assert decision.station.code == DISTRICT
    assert decision.reason is DispatchReason.DISTRICT
    assert decision.station.display_name == "九龙坡区老杨群工服务中心"
    assert "兜底" in decision.explanation


# --- GET /api/stations/nearest --------------------------------------------------------


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url))) as http:
        yield http


def test_nearest_endpoint_names_the_station_and_distance(
    client: TestClient, registry: Path
) -> None:
    # About 1 km south of the 杨家坪街道 seat; 谢家湾街道 is the next, 2 km away.
    lat, lon = 29.507, 106.5106
    nearest = registry_by_hand.nearest(registry, lat, lon)
    assert nearest.code == YANGJIAPING
    response = client.get(
        "/api/stations/nearest", params={"lat": lat, "lon": lon, "service_code": "water_leak"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["reason"] == "nearest"
    assert body["station"]["code"] == YANGJIAPING
    assert body["station"]["display_name"] == "杨家坪街道老杨群工站"
    assert body["distance_km"] == pytest.approx(nearest.distance_km, abs=1e-6)
    assert "公里" in body["explanation"]


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 200, "lon": 106.5, "service_code": "water_leak"},
        {"lat": 29.5, "lon": 181, "service_code": "water_leak"},
        {"lat": "nan", "lon": 106.5, "service_code": "water_leak"},
        {"lat": 29.5, "lon": "inf", "service_code": "water_leak"},
        {"lat": "二十九", "lon": 106.5, "service_code": "water_leak"},
        {"lat": 29.5, "lon": 106.5},
        {"lat": 29.5, "lon": 106.5, "service_code": "flood"},
        {"lon": 106.5, "service_code": "water_leak"},
    ],
)
def test_nearest_endpoint_rejects_bad_queries(
    client: TestClient, params: dict[str, object]
) -> None:
    response = client.get("/api/stations/nearest", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]
