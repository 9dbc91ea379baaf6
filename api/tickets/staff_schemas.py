"""What the staff API takes and returns, with Chinese reasons for bad input.

Query parameters parse through the small `Before` validators below so that a
wrong value is refused with a reason staff can read (and without repeating it).
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from api.catalogue import SERVICE_NAMES
from api.tickets.lifecycle import RETURN_REASON_NAMES, ReturnReason
from api.tickets.models import STATUS_NAMES, EventKind

MAX_PAGE_SIZE = 100
FIRST_YEAR, LAST_YEAR = 2000, 2099
DEFAULT_PAGE_SIZE = 20

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


def _refuse(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "是"}:
        return True
    if text in {"false", "0", "no", "否"}:
        return False
    raise _refuse("bool_parsing", "只能填 true 或 false")


def _parse_date(value: Any) -> date:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise _refuse("date_parsing", "日期格式应为 YYYY-MM-DD，例如 2026-11-23") from None
    # Far dates would overflow when turned into instants in the district's zone.
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _refuse("date_range", f"日期应在 {FIRST_YEAR} 到 {LAST_YEAR} 年之间")
    return day


def _parse_page_size(value: Any) -> int:
    try:
        size = int(str(value).strip())
    except ValueError:
        raise _refuse("int_parsing", "每页条数应为整数") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise _refuse("page_size", f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    return size


def _parse_state(value: Any) -> str:
    if value not in STATUS_NAMES:
        raise _refuse("state", "未知的工单状态，可选：" + "、".join(STATUS_NAMES))
    return str(value)


def _parse_service_code(value: Any) -> str:
    # Checked for str first: a JSON list or object in a body is unhashable.
    code = value.strip() if isinstance(value, str) else None
    if code not in SERVICE_NAMES:
        raise _refuse("service_code", "未知的诉求类别，可选：" + "、".join(SERVICE_NAMES))
    return code


def _parse_station_code(value: Any) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 6 <= len(text) <= 15):
        raise _refuse("station_code", "站点编码应为 6 到 15 位数字（区划代码）")
    return text


def _parse_export_format(value: Any) -> str:
    if value != "csv":
        raise _refuse("export_format", "目前只能导出 csv")
    return "csv"


Flag = Annotated[bool, BeforeValidator(_parse_bool)]
ExportFormat = Annotated[str, BeforeValidator(_parse_export_format)]
Day = Annotated[date, BeforeValidator(_parse_date)]
PageSize = Annotated[int, BeforeValidator(_parse_page_size)]
State = Annotated[str, BeforeValidator(_parse_state)]
ServiceCode = Annotated[str, BeforeValidator(_parse_service_code)]
StationCode = Annotated[str, BeforeValidator(_parse_station_code)]


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


# ---- request bodies --------------------------------------------------------


def _printable(text: str) -> str:
    # PostgreSQL text cannot hold NUL, and other control characters are never meant.
    if any(ord(char) < 32 and char not in "\n\r\t" for char in text):
        raise _refuse("control_characters", "含有不可见的控制字符")
    return text


_Note = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_printable)]


FIELD_NAMES: dict[str, str] = {
    "note": "备注（note）",
    "resolution": "办结说明（resolution）",
    "reason": "退单理由（reason）",
    "to_station_code": "目标站点编码（to_station_code）",
    "service_code": "诉求类别（service_code）",
}


def _body_reason(error: ErrorDetails) -> str:
    """One field's problem in words staff can act on (the value itself is never repeated)."""
    field = ".".join(str(part) for part in error["loc"])
    name = FIELD_NAMES.get(field, field or "请求体")
    context = error.get("ctx") or {}
    reasons = {
        "missing": f"缺少{name}",
        "string_too_short": f"{name}不能为空",
        "string_too_long": f"{name}最多 {context.get('max_length')} 个字",
        "string_type": f"{name}应为文字",
        "extra_forbidden": f"不认识的字段 {field}",
        "enum": f"{name}只能是："
        + "、".join(f"{k}（{v}）" for k, v in RETURN_REASON_NAMES.items()),
        "string_pattern_mismatch": f"{name}格式不对，应为 6 到 15 位数字",
        "service_code": f"{name}只能是："
        + "、".join(f"{k}（{v}）" for k, v in SERVICE_NAMES.items()),
        "model_type": "请求体应为 JSON 对象",
        "control_characters": f"{name}含有不可见的控制字符",
        "model_attributes_type": "请求体应为 JSON 对象",
    }
    return reasons.get(error["type"], f"{name}无效")


class _Body(BaseModel):
    """Action bodies: unknown fields refused, text trimmed, every reason in Chinese."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _in_chinese(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            reason = "；".join(_body_reason(error) for error in exc.errors())
            raise PydanticCustomError("invalid_body", reason) from None


class OptionalNoteBody(_Body):
    """Sign or start, optionally with a note."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "已电话联系居民，下午上门查看"}, {}]}
    )

    note: _Note | None = None


class NoteBody(_Body):
    """A note on the ticket's timeline (办理过程记录)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "已联系物业，明早派人维修"}]}
    )

    note: _Note


class ResolveBody(_Body):
    """What was done (办结说明)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"resolution": "物业已更换破损水管，居民确认不再漏水"}]}
    )

    resolution: _Note


class ReturnBody(_Body):
    """Return a ticket (退单) with a reason code; it is re-dispatched at once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "wrong_area", "note": "地址在黄桷坪街道，不属本社区"}],
            "description": "退单理由："
            + "；".join(f"{k}={v}" for k, v in RETURN_REASON_NAMES.items()),
        }
    )

    reason: ReturnReason
    note: _Note | None = None


class TransferBody(_Body):
    """Hand a ticket to another station (转派), saying why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"to_station_code": "500107002001", "note": "事发地在黄正街社区"}]
        }
    )

    to_station_code: Annotated[str, Field(pattern=r"^\d{6,15}$")]
    note: _Note


class RecategoriseBody(_Body):
    """Correct the category the bot chose (改类), saying why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"service_code": "water_supply", "note": "居民反映的是停水，不是漏水"}]
        }
    )

    service_code: Annotated[
        ServiceCode,
        Field(
            description="正确的诉求类别："
            + "；".join(f"{k}={v}" for k, v in SERVICE_NAMES.items()),
            json_schema_extra={"enum": list(SERVICE_NAMES)},
        ),
    ]
    note: Annotated[_Note, Field(description="改类原因（必填），写入处理记录")]
