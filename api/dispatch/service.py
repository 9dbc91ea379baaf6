"""Dispatch: which 老杨 station takes a ticket, and why.

The order is fixed by the network's practice: the resident's own community
room when the community is known; else the nearest active station with
coordinates that handles the code (great-circle distance, lower level first on
equal distance, then code); else the town station; else the district centre.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.dispatch.geo import bounding_box, haversine_km
from api.stations.models import LEVEL_RANK, Station, StationLevel

# Search radii for the nearest station; the last step searches everything.
SEARCH_RADII_KM = (2.0, 8.0, 32.0, 128.0, 512.0)


class DispatchReason(StrEnum):
    """Why a station was chosen."""

    COMMUNITY = "community"
    NEAREST = "nearest"
    TOWN = "town"
    DISTRICT = "district"
    # Re-dispatch by the staff lifecycle (api/tickets/lifecycle.py, duplicates.py).
    DUPLICATE = "duplicate"
    PARENT = "parent"
    RULING = "ruling"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class DispatchRequest:
    """What dispatch knows about where the resident is."""

    service_code: str
    community_code: str | None = None
    town_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class DispatchDecision:
    """The chosen station with the reason staff will see."""

    station: Station
    reason: DispatchReason
    distance_km: float | None = None

    @property
    def explanation(self) -> str:
        """The decision in words, for staff."""
        name = self.station.display_name
        if self.reason is DispatchReason.COMMUNITY:
            return f"居民所在村社已知，由{name}办理"
        if self.reason is DispatchReason.NEAREST:
            return f"按居民位置就近派单，{name}距离约 {self.distance_km:.2f} 公里"
        if self.reason is DispatchReason.TOWN:
            return f"只确定到镇街，由{name}办理"
        if self.reason is DispatchReason.DUPLICATE:
            return f"附近已有同类问题的工单在办，派给同一站点{name}"
        if self.reason is DispatchReason.PARENT:
            return f"没有其他可接单的站点，由上级{name}兜底办理"
        if self.reason is DispatchReason.RULING:
            return f"两次退单，提交上级{name}裁定"
        if self.reason is DispatchReason.TRANSFER:
            return f"转派给{name}办理"
        return f"未能确定到镇街，由{name}兜底办理"


class NoStationError(LookupError):
    """The registry has no active station that could take the ticket."""


def choose_station(
    session: Session, request: DispatchRequest, default_district_code: str
) -> DispatchDecision:
    """Pick the station for a ticket; the single place where dispatch is decided."""
    code = request.service_code
    community = _station(session, request.community_code)
    if community is not None and community.handles(code):
        return DispatchDecision(community, DispatchReason.COMMUNITY)
    if request.lat is not None and request.lon is not None:
        nearest = nearest_station(session, request.lat, request.lon, code)
        if nearest is not None:
            return DispatchDecision(nearest[0], DispatchReason.NEAREST, nearest[1])
    town = _town_for(session, request.town_code, community)
    if town is not None and town.handles(code):
        return DispatchDecision(town, DispatchReason.TOWN)
    district = _district_for(session, town, default_district_code)
    if district is None:
        raise NoStationError("no active district station in the registry")
    return DispatchDecision(district, DispatchReason.DISTRICT)


def nearest_station(
    session: Session,
    lat: float,
    lon: float,
    service_code: str,
    excluded: Collection[str] = (),
) -> tuple[Station, float] | None:
    """The nearest active station with coordinates handling the code, with its distance.

    Searches growing boxes; a station found within radius r is the global
    nearest because every station outside the box is farther than r. Stations
    in `excluded` (e.g. those that returned a ticket) are never chosen.
    """
    for radius in SEARCH_RADII_KM:
        box = bounding_box(lat, lon, radius)
        if box is None:
            break  # the box would wrap a pole or the antimeridian: search everything
        found = _nearest_in(session, lat, lon, service_code, box, radius, excluded)
        if found is not None:
            return found
    return _nearest_in(session, lat, lon, service_code, None, None, excluded)


def supervisors(session: Session, station: Station) -> list[Station]:
    """The active stations above one, nearest first (室 → 站 → 中心)."""
    chain: list[Station] = []
    seen = {station.code}
    current = _station(session, station.parent_code)
    while current is not None and current.code not in seen:
        seen.add(current.code)
        if current.active:
            chain.append(current)
        current = _station(session, current.parent_code)
    return chain


def district_centre(session: Session, default_district_code: str) -> Station:
    """The district centre that takes what no one else can (兜底)."""
    centre = _district_for(session, None, default_district_code)
    if centre is None:
        raise NoStationError("no active district station in the registry")
    return centre


def _nearest_in(
    session: Session,
    lat: float,
    lon: float,
    service_code: str,
    box: tuple[float, float, float, float] | None,
    radius: float | None,
    excluded: Collection[str] = (),
) -> tuple[Station, float] | None:
    """The nearest capable station inside a box (and radius), or in the whole registry."""
    query = select(Station).where(
        Station.active.is_(True), Station.lat.is_not(None), Station.lon.is_not(None)
    )
    if box is not None:
        lat_min, lat_max, lon_min, lon_max = box
        query = query.where(
            Station.lat.between(lat_min, lat_max), Station.lon.between(lon_min, lon_max)
        )
    ranked = [
        (haversine_km(lat, lon, s.lat, s.lon), LEVEL_RANK[s.level], s.code, s)
        for s in session.scalars(query)
        if s.handles(service_code)
        and s.code not in excluded
        and s.lat is not None
        and s.lon is not None
    ]
    within = [row for row in ranked if radius is None or row[0] <= radius]
    if not within:
        return None
    distance, _, _, station = min(within, key=lambda row: row[:3])
    return station, distance


def _station(session: Session, code: str | None) -> Station | None:
    return session.get(Station, code) if code else None


def _town_for(session: Session, town_code: str | None, community: Station | None) -> Station | None:
    if town_code:
        return _station(session, town_code)
    current = community
    while current is not None and current.level != StationLevel.TOWN:
        current = _station(session, current.parent_code)
    return current


def _district_for(
    session: Session, town: Station | None, default_district_code: str
) -> Station | None:
    candidates = []
    if town is not None and town.parent_code:
        candidates.append(_station(session, town.parent_code))
    candidates.append(_station(session, default_district_code))
    for candidate in candidates:
        if candidate is not None and candidate.active and candidate.level == StationLevel.DISTRICT:
            return candidate
    return session.scalars(
        select(Station)
        .where(Station.level == StationLevel.DISTRICT, Station.active.is_(True))
        .order_by(Station.code)
        .limit(1)
    ).first()
