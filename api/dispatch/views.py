"""Registry look-ups: which station dispatch would choose for a position."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from api.catalogue import SERVICE_CODES
from api.dependencies import SessionDep, SettingsDep
from api.dispatch.service import DispatchRequest, NoStationError, choose_station

router = APIRouter(prefix="/api/stations", tags=["站点查询"])

ServiceCode = Literal[SERVICE_CODES]  # type: ignore[valid-type]


class StationOut(BaseModel):
    """A station as the API shows it."""

    code: str
    name: str
    display_name: str
    level: str
    lat: float | None
    lon: float | None


class NearestOut(BaseModel):
    """Dispatch's choice for a position, with its reason."""

    station: StationOut
    reason: str
    explanation: str
    distance_km: float | None


@router.get("/nearest", summary="按位置查找最近的老杨工作站", response_model=NearestOut)
def nearest(
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    service_code: ServiceCode,
    session: SessionDep,
    settings: SettingsDep,
) -> NearestOut:
    """What dispatch would choose for a resident at (lat, lon), and why."""
    try:
        decision = choose_station(
            session,
            DispatchRequest(service_code=service_code, lat=lat, lon=lon),
            settings.default_district_code,
        )
    except NoStationError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "站点名录为空，请先导入站点。") from exc
    station = decision.station
    return NearestOut(
        station=StationOut(
            code=station.code,
            name=station.name,
            display_name=station.display_name,
            level=station.level,
            lat=station.lat,
            lon=station.lon,
        ),
        reason=decision.reason.value,
        explanation=decision.explanation,
        distance_km=decision.distance_km,
    )
