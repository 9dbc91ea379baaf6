"""The staff list's query parameters: parsed with reasons in Chinese, checked against scope."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import (
    BeforeValidator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from api.auth.dependencies import StaffDep, visible_station
from api.auth.scope import StaffPrincipal
from api.catalogue import SERVICE_NAMES
from api.clock import NowDep
from api.dependencies import SessionDep
from api.stations.hierarchy import station_subtree
from api.tickets.models import STATUS_NAMES
from api.tickets.queries import (
    Cursor,
    InvalidCursorError,
    TicketFilter,
)
from api.tickets.staff.responses import unprocessable

MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 200
FIRST_YEAR, LAST_YEAR = 2000, 2099
DEFAULT_PAGE_SIZE = 20


def refuse(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "是"}:
        return True
    if text in {"false", "0", "no", "否"}:
        return False
    raise refuse("bool_parsing", "只能填 true 或 false")


def _parse_date(value: Any) -> date:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise refuse("date_parsing", "日期格式应为 YYYY-MM-DD，例如 2026-11-23") from None
    # Far dates would overflow when turned into instants in the district's zone.
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise refuse("date_range", f"日期应在 {FIRST_YEAR} 到 {LAST_YEAR} 年之间")
    return day


def _parse_page_size(value: Any) -> int:
    try:
        size = int(str(value).strip())
    except ValueError:
        raise refuse("int_parsing", "每页条数应为整数") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise refuse("page_size", f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    return size


def _parse_state(value: Any) -> str:
    if value not in STATUS_NAMES:
        raise refuse("state", "未知的工单状态，可选：" + "、".join(STATUS_NAMES))
    return str(value)


def _parse_service_code(value: Any) -> str:
    # Checked for str first: a JSON list or object in a body is unhashable.
    code = value.strip() if isinstance(value, str) else None
    if code not in SERVICE_NAMES:
        raise refuse("service_code", "未知的诉求类别，可选：" + "、".join(SERVICE_NAMES))
    return code


def _parse_station_code(value: Any) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 6 <= len(text) <= 15):
        raise refuse("station_code", "站点编码应为 6 到 15 位数字（区划代码）")
    return text


def _parse_export_format(value: Any) -> str:
    if value != "csv":
        raise refuse("export_format", "目前只能导出 csv")
    return "csv"


Flag = Annotated[bool, BeforeValidator(_parse_bool)]
ExportFormat = Annotated[str, BeforeValidator(_parse_export_format)]
Day = Annotated[date, BeforeValidator(_parse_date)]
PageSize = Annotated[int, BeforeValidator(_parse_page_size)]
State = Annotated[str, BeforeValidator(_parse_state)]
ServiceCode = Annotated[str, BeforeValidator(_parse_service_code)]
StationCode = Annotated[str, BeforeValidator(_parse_station_code)]


# ---- filters ---------------------------------------------------------------


def _day_start(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time.min, now.tzinfo)


def _scoped_stations(session: Session, principal: StaffPrincipal, code: str) -> frozenset[str]:
    """A station and those below it, if the caller may see the station; else 404."""
    visible_station(session, principal, code)
    return frozenset(station_subtree(session, code))


def ticket_filter(
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    state: Annotated[
        list[State] | None, Query(description="工单状态，可重复：?state=dispatched&state=signed")
    ] = None,
    service_code: Annotated[ServiceCode | None, Query(description="诉求类别")] = None,
    overdue: Annotated[Flag | None, Query(description="只看超期（true）或未超期（false）")] = None,
    emergency: Annotated[Flag | None, Query(description="只看紧急工单")] = None,
    escalated: Annotated[Flag | None, Query(description="只看已督办（督办级别 > 0）")] = None,
    created_from: Annotated[
        Day | None, Query(description="受理日期起（含），YYYY-MM-DD，区时区")
    ] = None,
    created_to: Annotated[Day | None, Query(description="受理日期止（含），YYYY-MM-DD")] = None,
    station_code: Annotated[
        StationCode | None, Query(description="承办站点及其下级站点（须在您的范围内）")
    ] = None,
) -> TicketFilter:
    """The list filters from the query string, checked against the caller's scope."""
    if created_from and created_to and created_from > created_to:
        raise unprocessable("受理日期起不能晚于受理日期止")
    return TicketFilter(
        states=tuple(state or ()),
        service_code=service_code,
        overdue=overdue,
        emergency=emergency,
        escalated=escalated,
        created_from=_day_start(created_from, now) if created_from else None,
        created_before=_day_start(created_to + timedelta(days=1), now) if created_to else None,
        station_codes=_scoped_stations(session, principal, station_code) if station_code else None,
    )


FilterDep = Annotated[TicketFilter, Depends(ticket_filter)]
PageSizeQuery = Annotated[PageSize, Query(description="每页条数，默认 20，最多 100", examples=[20])]
CursorQuery = Annotated[str | None, Query(description="上一页返回的 next_cursor；不填为第一页")]


def parse_cursor(text: str | None) -> Cursor | None:
    """The page a cursor points at; 422 for one that is too long or forged."""
    if not text:
        return None
    if len(text) > MAX_CURSOR_LENGTH:
        raise unprocessable("分页游标无效，请从第一页重新开始")
    try:
        return Cursor.decode(text)
    except InvalidCursorError:
        raise unprocessable("分页游标无效，请从第一页重新开始") from None
