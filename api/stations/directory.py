"""The station directory staff choose from when they hand a ticket on (转派)."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auth.dependencies import StaffDep
from api.dependencies import SessionDep
from api.stations.models import Station
from api.tickets.staff.params import ServiceCode

router = APIRouter(prefix="/api/staff")


class DirectoryEntry(BaseModel):
    """A station by its name and where it sits in the network."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "500107002004",
                    "name": "邮电支路社区老杨群工室",
                    "level": "village",
                    "parent_code": "500107002",
                    "service_codes": ["water_leak", "dispute", "environment"],
                }
            ]
        }
    )

    code: str
    name: str = Field(description="站点名称，如 天宝路社区老杨群工室")
    level: str = Field(description="district（区中心）、town（镇街站）、village（村社区室）、grid")
    parent_code: str | None
    service_codes: list[str] = Field(description="受理的诉求类别")


@router.get(
    "/stations",
    response_model=list[DirectoryEntry],
    tags=["工作人员 · 工单"],
    summary="站点名录：转派时按名称选择站点",
    description=(
        "全区在用的站点（任何登录账号都可查看：站点名称本就公开）。填 service_code 时只列"
        "受理该类诉求的站点，即可以转派过去的站点。按编码排序。"
    ),
    responses={401: {"description": "未登录，或令牌无效、过期、已注销"}},
)
def station_directory(
    principal: StaffDep,
    session: SessionDep,
    service_code: Annotated[ServiceCode | None, Query(description="只列受理该类诉求的站点")] = None,
) -> list[DirectoryEntry]:
    """Active stations, optionally those that handle one kind of problem."""
    stations = session.scalars(select(Station).where(Station.active).order_by(Station.code))
    return [
        DirectoryEntry(
            code=station.code,
            name=station.display_name,
            level=station.level,
            parent_code=station.parent_code,
            service_codes=list(station.service_codes),
        )
        for station in stations
        if service_code is None or station.handles(service_code)
    ]
