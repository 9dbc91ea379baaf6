"""The 老杨 workstation registry: one row per station, following official divisions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, UTCDateTime


class StationLevel(StrEnum):
    """Levels of the network, from the district centre down to grid points."""

    DISTRICT = "district"
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"


# Lower rank = closer to the resident; dispatch prefers it on equal distance.
LEVEL_RANK: dict[str, int] = {
    StationLevel.GRID: 0,
    StationLevel.VILLAGE: 1,
    StationLevel.TOWN: 2,
    StationLevel.DISTRICT: 3,
}

LEVEL_TITLES: dict[str, str] = {
    StationLevel.DISTRICT: "老杨群工服务中心",
    StationLevel.TOWN: "老杨群工站",
    StationLevel.VILLAGE: "老杨群工室",
    StationLevel.GRID: "老杨群工点",
}


class Station(Base):
    """A workstation tied to one official division (its code is the division code)."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(20), ForeignKey("stations.code"), index=True
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    service_codes: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (Index("ix_stations_lat_lon", "lat", "lon"),)

    @property
    def display_name(self) -> str:
        """What residents and staff read, e.g. 天宝路社区老杨群工室."""
        return f"{self.short_name}{LEVEL_TITLES.get(self.level, '')}"

    def handles(self, service_code: str) -> bool:
        """Whether this station takes tickets of the given code."""
        return self.active and service_code in self.service_codes


def level_of_code(code: str) -> StationLevel:
    """The level an official division code names: 6 digits district, 9 town, 12 village."""
    if len(code) <= 6:
        return StationLevel.DISTRICT
    if len(code) <= 9:
        return StationLevel.TOWN
    if len(code) <= 12:
        return StationLevel.VILLAGE
    return StationLevel.GRID
