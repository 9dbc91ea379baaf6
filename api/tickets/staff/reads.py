"""Reading tickets: the list, the export, one ticket, its timeline, the 督办 list."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth.dependencies import StaffDep
from api.clock import NowDep
from api.csv_files import csv_response
from api.dependencies import SessionDep
from api.tickets.queries import (
    TicketFilter,
    find_visible,
    iter_rows,
)
from api.tickets.staff.params import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    ExportFormat,
    FilterDep,
    PageSizeQuery,
)
from api.tickets.staff.rendering import (
    CSV_COLUMNS,
    csv_row,
    event_out,
    page_out,
    text_for,
    ticket_detail,
    ticket_summary,
)
from api.tickets.staff.responses import (
    NOT_FOUND,
    NOT_LOGGED_IN,
    TICKETS_TAG,
    Number,
    ticket_not_found,
    unprocessable,
)
from api.tickets.staff.schemas import EventOut, TicketDetail, TicketPageOut

router = APIRouter(prefix="/api/staff")
EXPORT_MAX_ROWS = 50_000

# ---- reading ---------------------------------------------------------------


@router.get(
    "/tickets",
    response_model=TicketPageOut,
    tags=[TICKETS_TAG],
    summary="我可见的工单（筛选、分页）",
    description=(
        "按受理时间倒序列出您可见的工单（本站及下级站点），可按状态、类别、超期、紧急、督"
        "办、受理日期和站点筛选。用返回的 next_cursor 翻页，翻页期间新来的工单不会造成重"
        "复或遗漏。每页最多 100 条。"
    ),
    responses={**NOT_LOGGED_IN, 404: {"description": "station_code 不在您的范围内"}},
)
def list_tickets(
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    filters: FilterDep,
    limit: PageSizeQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> TicketPageOut:
    """Newest first, keyset-paged on (created_at, id): pages never shift as tickets arrive."""
    return page_out(principal, session, filters, now, limit, cursor)


@router.get(
    "/tickets/export",
    tags=[TICKETS_TAG],
    summary="导出工单（CSV，Excel 可直接打开）",
    description=(
        "筛选条件与列表相同，导出全部结果（最多 50000 行）。UTF-8 带 BOM，Excel 可直接打"
        "开中文；非承办站点的联系电话为打码号码。"
    ),
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"example": "工单号,诉求类别,紧急,状态,...\r\n"}},
            "description": "UTF-8（带 BOM）CSV，筛选条件与列表相同",
        },
        **NOT_LOGGED_IN,
        422: {"description": "筛选条件有误，或结果超过 50000 行"},
    },
)
def export_tickets(
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    filters: FilterDep,
    format: Annotated[ExportFormat, Query(description="目前只有 csv")] = "csv",
) -> Response:
    """The list's filters, every page, as CSV with a BOM so Excel reads the Chinese."""

    def rows() -> Iterator[list[object]]:
        for count, row in enumerate(iter_rows(session, principal, filters, now=now), start=1):
            if count > EXPORT_MAX_ROWS:
                raise unprocessable(
                    f"导出结果超过 {EXPORT_MAX_ROWS} 行，请缩小日期范围或加筛选条件"
                )
            yield csv_row(ticket_summary(principal, row, now))

    return csv_response(CSV_COLUMNS, rows(), f"tickets-{now:%Y%m%d-%H%M}.csv")


@router.get(
    "/tickets/{number}",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="工单详情与完整处理记录",
    description=(
        "含联系与办结时限、是否超期、督办级别、派单理由、重复工单关联和完整处理记录。不在"
        "您范围内的工单一律返回 404。"
    ),
    responses={**NOT_LOGGED_IN, **NOT_FOUND},
)
def read_ticket(
    number: Number, principal: StaffDep, session: SessionDep, now: NowDep
) -> TicketDetail:
    """Deadlines, overdue flag, dispatch reason, duplicate links, escalation and timeline."""
    ticket = find_visible(session, principal, number)
    if ticket is None:
        raise ticket_not_found(number)
    return ticket_detail(session, principal, ticket, now)


@router.get(
    "/tickets/{number}/events",
    response_model=list[EventOut],
    tags=[TICKETS_TAG],
    summary="工单处理记录",
    description="按时间先后列出工单的全部处理记录：谁、何时、做了什么、备注。",
    responses={**NOT_LOGGED_IN, **NOT_FOUND},
)
def ticket_events(
    number: Number, principal: StaffDep, session: SessionDep, now: NowDep
) -> list[EventOut]:
    """The append-only event log, oldest first."""
    ticket = find_visible(session, principal, number)
    if ticket is None:
        raise ticket_not_found(number)
    text = text_for(principal, ticket.station_code)
    return [event_out(event, now, text) for event in ticket.events]


@router.get(
    "/overdue",
    response_model=TicketPageOut,
    tags=[TICKETS_TAG],
    summary="督办清单：下级站点超期或已督办的工单",
    description="列出您下级站点尚未办结、已超期或已督办的工单，供上级站点督办。区级账号看全区。",
    responses=NOT_LOGGED_IN,
)
def overdue_below(
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    limit: PageSizeQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> TicketPageOut:
    """Open tickets that are overdue or escalated, held by stations below the caller's.

    District operators and unbound integrations see the whole district.
    """
    below = principal.visible_stations
    if below is not None and principal.station_code is not None:
        below = below - {principal.station_code}
    filters = TicketFilter(station_codes=below, needs_attention=True)
    return page_out(principal, session, filters, now, limit, cursor)
