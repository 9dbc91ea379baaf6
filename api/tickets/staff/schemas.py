"""What the staff API returns: tickets, pages, events, what the caller may do."""

from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from api.tickets.models import EventKind

EVENT_NAMES: dict[str, str] = {
    EventKind.CREATED: "居民提交",
    EventKind.DISPATCHED: "派单",
    EventKind.SIGNED: "签收",
    EventKind.STARTED: "开始办理",
    EventKind.NOTE: "办理备注",
    EventKind.RESOLVED: "办结",
    EventKind.RATED: "居民评价",
    EventKind.CLOSED: "归档",
    EventKind.REOPENED: "重新办理",
    EventKind.RETURNED: "退单",
    EventKind.TRANSFERRED: "转派",
    EventKind.RECATEGORISED: "改类",
    EventKind.ESCALATED: "督办升级",
    EventKind.DUPLICATE_LINKED: "关联重复工单",
}


# ---- responses -------------------------------------------------------------

_SUMMARY_EXAMPLE: dict[str, Any] = {
    "number": "LY-20261123-0007",
    "service_code": "water_leak",
    "service_name": "漏水渗水",
    "emergency": False,
    "status": "signed",
    "status_name": "工作站已签收",
    "station_code": "500107001011",
    "station_name": "天宝路社区老杨群工室",
    "created_at": "2026-11-23T09:00:00+08:00",
    "contact_due_at": "2026-11-24T09:00:00+08:00",
    "resolve_due_at": "2026-11-24T09:00:00+08:00",
    "overdue": False,
    "escalation_level": 0,
    "return_count": 0,
    "location_text": "天宝路社区 3 栋",
    "description": "楼上卫生间漏水，天花板在滴水",
    "contact_phone": "13812345678",
    "contact_phone_masked": False,
}


class TicketSummary(BaseModel):
    """A ticket in a list: what it is, who holds it, and whether it is late."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY_EXAMPLE]})

    number: str
    service_code: str
    service_name: str
    emergency: bool
    status: str
    status_name: str
    station_code: str
    station_name: str
    created_at: datetime
    contact_due_at: datetime
    resolve_due_at: datetime
    overdue: bool = Field(description="已超过联系或办结时限且尚未办结")
    escalation_level: int = Field(description="督办级别，0 表示未督办")
    return_count: int
    location_text: str | None
    description: str
    contact_phone: str | None = Field(description="承办站点人员看到完整号码，其他人看到打码号码")
    contact_phone_masked: bool


class TicketPageOut(BaseModel):
    """One page of tickets, newest first; pass `next_cursor` as `cursor` for the next."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [_SUMMARY_EXAMPLE],
                    "next_cursor": "MjAyNi0xMS0yM1QwMTowMDowMHw3",
                    "limit": 20,
                }
            ]
        }
    )

    items: list[TicketSummary]
    next_cursor: str | None = Field(description="下一页的游标；null 表示已是最后一页")
    limit: int


class EventOut(BaseModel):
    """One entry of a ticket's timeline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "kind": "signed",
                    "kind_name": "签收",
                    "status": "signed",
                    "actor": "staff:wang.li",
                    "note": "已电话联系居民，下午上门",
                    "data": {},
                    "at": "2026-11-23T09:40:00+08:00",
                }
            ]
        }
    )

    id: int
    kind: str
    kind_name: str
    status: str | None
    actor: str
    note: str | None
    data: dict[str, Any]
    at: datetime


class Permissions(BaseModel):
    """What the caller may do with this ticket (the state machine still decides when)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"act": True, "transfer": True, "recategorise": True}]}
    )

    act: bool = Field(description="可签收、办理、备注、办结、退单")
    transfer: bool = Field(description="可转派")
    recategorise: bool = Field(description="可改类（更正诉求类别）")


class TicketDetail(TicketSummary):
    """A ticket with why it went where it is, its links and its full timeline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SUMMARY_EXAMPLE,
                    "dispatch_reason": "community",
                    "dispatch_note": "居民所在社区：天宝路社区",
                    "dispatch_distance_km": None,
                    "lat": None,
                    "lon": None,
                    "resolution": None,
                    "duplicate_of": None,
                    "duplicates": [],
                    "permissions": {"act": True, "transfer": True, "recategorise": True},
                    "events": [],
                }
            ]
        }
    )

    dispatch_reason: str
    dispatch_note: str
    dispatch_distance_km: float | None
    lat: float | None
    lon: float | None
    resolution: str | None
    duplicate_of: str | None = Field(description="本工单重复的原工单号（仅限可见范围）")
    duplicates: list[str] = Field(description="与本工单重复的工单号（仅限可见范围）")
    permissions: Permissions
    events: list[EventOut]
