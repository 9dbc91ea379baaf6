"""Great-circle geometry; dispatch never compares planar degrees."""

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(
    lat: float, lon: float, radius_km: float
) -> tuple[float, float, float, float] | None:
    """A lat/lon box that contains every point within radius_km, or None if it wraps.

    The longitude half-width is asin(sin(d) / cos(lat)), the widest the circle gets.
    """
    delta = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(delta)
    cos_lat = math.cos(math.radians(lat))
    if lat + dlat >= 90 or lat - dlat <= -90 or cos_lat <= 0:
        return None
    ratio = math.sin(delta) / cos_lat
    if ratio >= 1:
        return None
    dlon = math.degrees(math.asin(ratio))
    if lon - dlon < -180 or lon + dlon > 180:
        return None
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
