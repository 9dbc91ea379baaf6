"""Loading the station registry from an official division list (CSV).

The file format is that of the district's gazetteer: code, name, level,
parent_code, parent_name, lat, lon, source. Loading is idempotent: a station
is keyed by its division code and only changed fields are written.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_CODES
from api.stations.models import LEVEL_RANK, Station, StationLevel

VILLAGE_SUFFIXES = ("社区居民委员会", "村民委员会", "居民委员会")


class DivisionRow(BaseModel):
    """One row of a division list, validated before it touches the database."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str = Field(pattern=r"^\d{6,15}$")
    name: str = Field(min_length=1, max_length=100)
    level: StationLevel
    parent_code: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @field_validator("parent_code", "lat", "lon", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


@dataclass(frozen=True)
class ImportSummary:
    """How many stations an import created, changed and left as they were."""

    created: int
    updated: int
    unchanged: int


def short_name(name: str) -> str:
    """The name residents use: 天宝路社区居民委员会 -> 天宝路社区, 新合村村民委员会 -> 新合村."""
    for suffix in VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name.removesuffix(suffix)
            if suffix == "村民委员会" or stem.endswith("社区"):
                return stem
            return f"{stem}社区"
    return name


def read_division_file(path: Path) -> list[DivisionRow]:
    """Parse and validate a division CSV; raises ValueError naming the bad line."""
    rows: list[DivisionRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_no, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                rows.append(DivisionRow.model_validate(raw))
            except ValueError as exc:
                raise ValueError(f"{path}:{line_no}: {exc}") from exc
    return rows


def import_divisions(session: Session, rows: Iterable[DivisionRow]) -> ImportSummary:
    """Create or update one station per division row, parents before children."""
    ordered = sorted(rows, key=lambda row: (-LEVEL_RANK[row.level], row.code))
    known = {station.code: station for station in session.scalars(select(Station))}
    created = updated = unchanged = 0
    for row in ordered:
        parent = row.parent_code if row.parent_code in known else None
        values = {
            "name": row.name,
            "short_name": short_name(row.name),
            "level": row.level.value,
            "parent_code": parent,
            "lat": row.lat,
            "lon": row.lon,
        }
        station = known.get(row.code)
        if station is None:
            station = Station(
                code=row.code, service_codes=list(SERVICE_CODES), active=True, **values
            )
            session.add(station)
            known[row.code] = station
            created += 1
        elif any(getattr(station, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(station, key, value)
            updated += 1
        else:
            unchanged += 1
        session.flush()
    return ImportSummary(created=created, updated=updated, unchanged=unchanged)
