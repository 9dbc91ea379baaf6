"""Great-circle distance and the search boxes dispatch uses to find the nearest station."""

import math
import random

import pytest

from api.dispatch.geo import EARTH_RADIUS_KM, bounding_box, haversine_km

# Two registry points: the 杨家坪 and 黄桷坪 街道 seats (WGS84, from the division list).
YANGJIAPING = (29.516292, 106.510617)
HUANGJUEPING = (29.481768, 106.545601)


def destination(
    lat: float, lon: float, bearing_deg: float, distance_km: float
) -> tuple[float, float]:
    """The point reached from (lat, lon) along a great circle (standard direct formula)."""
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    theta, delta = math.radians(bearing_deg), distance_km / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lmb2) + 540) % 360 - 180


def spherical_cosines_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An independent formula for the same distance, fine away from tiny separations."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    cos_c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cos_c)))


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(29, 106, 30, 106) == pytest.approx(111.195, abs=0.01)


def test_one_degree_of_longitude_shrinks_with_latitude() -> None:
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)
    # At 60° a degree of longitude is about half as long.
    assert haversine_km(60, 10, 60, 11) == pytest.approx(55.6, abs=0.1)


def test_yangjiaping_to_huangjueping_is_about_five_km() -> None:
    distance = haversine_km(*YANGJIAPING, *HUANGJUEPING)
    assert 4.5 < distance < 5.5
    assert distance == pytest.approx(spherical_cosines_km(*YANGJIAPING, *HUANGJUEPING), rel=1e-6)


def test_antipodes_are_half_the_circumference_apart() -> None:
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM, rel=1e-9)
    assert haversine_km(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM, rel=1e-9)


def test_distance_is_symmetric_zero_on_itself_and_agrees_with_another_formula() -> None:
    rng = random.Random(20261123)
    for _ in range(500):
        a = (rng.uniform(-89, 89), rng.uniform(-180, 180))
        b = (rng.uniform(-89, 89), rng.uniform(-180, 180))
        assert haversine_km(*a, *b) == pytest.approx(haversine_km(*b, *a), abs=1e-9)
        assert haversine_km(*a, *a) == 0.0
        assert haversine_km(*a, *b) == pytest.approx(spherical_cosines_km(*a, *b), abs=1e-3)


def test_distance_across_the_antimeridian_is_short() -> None:
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, abs=0.01)


def _assert_box_holds_random_points(
    lat_range: tuple[float, float], radii: tuple[float, ...], seed: int
) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        lat = rng.uniform(*lat_range)
        lon = rng.uniform(-170, 170)
        radius = rng.choice(radii)
        box = bounding_box(lat, lon, radius)
        if box is None:
            continue
        lat_min, lat_max, lon_min, lon_max = box
        for _ in range(25):
            # Bias towards the rim, where a box that is too small shows first.
            distance = radius * (1 - rng.random() ** 3) * 0.9999
            point = destination(lat, lon, rng.uniform(0, 360), distance)
            assert haversine_km(lat, lon, *point) <= radius
            inside = lat_min <= point[0] <= lat_max and lon_min <= point[1] <= lon_max
            assert inside, (
                f"({point[0]:.5f}, {point[1]:.5f}) is {distance:.3f} km from ({lat:.4f}, {lon:.4f})"
                f" but outside the {radius} km box {box}"
            )
            checked += 1
    assert checked > 5000


def test_bounding_box_holds_every_point_within_radius_around_chongqing() -> None:
    # The radii that reach every station of the district and its neighbours.
    _assert_box_holds_random_points((28.0, 31.0), (2.0, 8.0, 32.0, 128.0), seed=7)


def test_bounding_box_holds_every_point_within_radius_anywhere() -> None:
    # The nearest-station search trusts the box: a station inside the radius but
    # outside the box is skipped in favour of a farther one. The box must hold the
    # whole circle at every latitude and radius it does not give up on.
    _assert_box_holds_random_points((-80.0, 80.0), (2.0, 32.0, 512.0, 1000.0), seed=11)


def test_bounding_box_is_centred_and_grows_with_radius() -> None:
    small = bounding_box(*YANGJIAPING, 2.0)
    large = bounding_box(*YANGJIAPING, 32.0)
    assert small is not None and large is not None
    assert small[0] < YANGJIAPING[0] < small[1] and small[2] < YANGJIAPING[1] < small[3]
    assert large[0] < small[0] and large[1] > small[1]
    assert large[2] < small[2] and large[3] > small[3]


@pytest.mark.parametrize(
    ("lat", "lon", "radius_km"),
    [
        (0.0, 179.99, 10.0),  # wraps past +180
        (0.0, -179.99, 10.0),  # wraps past -180
        (-16.5, 179.5, 100.0),  # Fiji straddles the antimeridian
        (89.99, 0.0, 10.0),  # contains the North Pole
        (-89.99, 45.0, 10.0),  # contains the South Pole
        (85.0, 10.0, 1000.0),  # reaches over the pole
        (90.0, 0.0, 1.0),  # at the pole itself
    ],
)
def test_bounding_box_gives_up_across_the_antimeridian_and_poles(
    lat: float, lon: float, radius_km: float
) -> None:
    assert bounding_box(lat, lon, radius_km) is None


def test_bounding_box_near_but_not_across_the_antimeridian() -> None:
    box = bounding_box(0.0, 179.0, 10.0)
    assert box is not None
    assert box[3] < 180
