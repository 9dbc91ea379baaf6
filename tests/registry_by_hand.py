"""Expected stations worked out from the registry file itself, never by asking the app.

Every row of the division list becomes an active station taking every code, so the
nearest station to a point is the row with coordinates at the smallest great-circle
distance: found here by brute force with a haversine of our own.
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

EARTH_RADIUS_KM = 6371.0088
# The NBS suffixes of village-level names (西郊二村社区居民委员会 → 西郊二村社区).
NAME_SUFFIXES = ("居民委员会", "村民委员会")


@dataclass(frozen=True)
class Row:
    """One division with a location, as the file gives it."""

    code: str
    short_name: str
    distance_km: float


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    half_dlat, half_dlon = (p2 - p1) / 2, math.radians(lon2 - lon1) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _short(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def by_distance(registry: Path, lat: float, lon: float) -> list[Row]:
    """Every located division of the file, nearest first."""
    with registry.open(encoding="utf-8", newline="") as handle:
        located = [row for row in csv.DictReader(handle) if row["lat"] and row["lon"]]
    rows = [
        Row(
            row["code"],
            _short(row["name"]),
            distance_km(lat, lon, float(row["lat"]), float(row["lon"])),
        )
        for row in located
    ]
    return sorted(rows, key=lambda row: row.distance_km)


def nearest(registry: Path, lat: float, lon: float) -> Row:
    """The nearest division, checked to be clearly nearer than the next one.

    A clear margin keeps the expectation free of tie-breaking rules.
    """
    first, second = by_distance(registry, lat, lon)[:2]
    assert second.distance_km - first.distance_km > 0.1, (first, second)
    return first
