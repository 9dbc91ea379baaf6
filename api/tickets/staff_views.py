"""The staff API: station staff, district operators and integrations working tickets.

Every handler looks a ticket up through the caller's scope first, so a ticket
of another station answers 404 exactly like one that does not exist; only then
does it ask whether the caller may act on it (403). Who may do what is decided
in `api.auth.scope`; the state machine in `api.tickets.lifecycle`.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.auth.clock import NowDep
from api.auth.dependencies import StaffDep, StaffMemberDep, visible_station
from api.auth.scope import StaffPrincipal
from api.catalogue import SERVICE_NAMES
from api.csv_files import csv_response
from api.dependencies import SessionDep
from api.stations.hierarchy import station_subtree
from api.stations.models import Station
from api.tickets import lifecycle
from api.tickets.contact import mask_phone, mask_phones_in
from api.tickets.lifecycle import IllegalTransitionError, is_overdue
from api.tickets.models import STATUS_NAMES, Ticket, TicketEvent
from api.tickets.numbers import TICKET_NUMBER_PATTERN
from api.tickets.queries import (
    Cursor,
    InvalidCursorError,
    TicketFilter,
    TicketRow,
    find_visible,
    iter_rows,
    list_page,
    visible_links,
)
from api.tickets.staff_schemas import (
    DEFAULT_PAGE_SIZE,
    EVENT_NAMES,
    Day,
    EventOut,
    ExportFormat,
    Flag,
    NoteBody,
    OptionalNoteBody,
    PageSize,
    Permissions,
    RecategoriseBody,
    ResolveBody,
    ReturnBody,
    ServiceCode,
    State,
    StationCode,
    TicketDetail,
    TicketPageOut,
    TicketSummary,
    TransferBody,
)

router = APIRouter(prefix="/api/staff")
TICKETS_TAG = "工作人员 · 工单"

EXPORT_MAX_ROWS = 50_000
MAX_CURSOR_LENGTH = 200

Responses = dict[int | str, dict[str, Any]]
NOT_LOGGED_IN: Responses = {401: {"description": "未登录，或令牌无效、过期、已注销"}}
NOT_FOUND: Responses = {404: {"description": "没有这张工单，或不在您的可见范围内"}}
MAY_NOT_ACT: Responses = {403: {"description": "可以查看，但只有承办站点人员或区级人员可以办理"}}
ILLEGAL: Responses = {409: {"description": "工单当前状态不允许这项操作（原因见 detail）"}}

Number = Annotated[
    str, Path(pattern=TICKET_NUMBER_PATTERN, description="工单号", examples=["LY-20261123-0007"])
]


def _ticket_not_found(number: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到工单 {number.upper()}")


def _unprocessable(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)


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
        raise _unprocessable("受理日期起不能晚于受理日期止")
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


def _cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    if len(text) > MAX_CURSOR_LENGTH:
        raise _unprocessable("分页游标无效，请从第一页重新开始")
    try:
        return Cursor.decode(text)
    except InvalidCursorError:
        raise _unprocessable("分页游标无效，请从第一页重新开始") from None


# ---- rendering -------------------------------------------------------------

Text = Callable[[str | None], str | None]


def _keep(text: str | None) -> str | None:
    return text


def _mask_numbers(text: str | None) -> str | None:
    """Mobile numbers inside free text (a resident's description, a staff note) masked."""
    return mask_phones_in(text) if text else text


def _text_for(principal: StaffPrincipal, station_code: str) -> Text:
    """How free text is shown: whole for the holding station, numbers masked for others."""
    return _keep if principal.sees_full_phone(station_code) else _mask_numbers


def _data_for(value: Any, text: Text) -> Any:
    """An event's data with every string passed through `text`."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {key: _data_for(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_data_for(item, text) for item in value]
    return value


def _summary_fields(principal: StaffPrincipal, row: TicketRow, now: datetime) -> dict[str, Any]:
    ticket, zone = row.ticket, now.tzinfo
    full_phone = principal.sees_full_phone(ticket.station_code)
    text = _text_for(principal, ticket.station_code)
    phone = ticket.contact_phone if full_phone else mask_phone(ticket.contact_phone)
    return {
        "number": ticket.number,
        "service_code": ticket.service_code,
        "service_name": SERVICE_NAMES.get(ticket.service_code, ticket.service_code),
        "emergency": ticket.emergency,
        "status": ticket.status,
        "status_name": STATUS_NAMES.get(ticket.status, ticket.status),
        "station_code": row.station.code,
        "station_name": row.station.display_name,
        "created_at": ticket.created_at.astimezone(zone),
        "contact_due_at": ticket.contact_due_at.astimezone(zone),
        "resolve_due_at": ticket.resolve_due_at.astimezone(zone),
        "overdue": is_overdue(ticket, now),
        "escalation_level": ticket.escalation_level or 0,
        "return_count": ticket.return_count or 0,
        "location_text": text(ticket.location_text),
        "description": text(ticket.description),
        "contact_phone": phone,
        "contact_phone_masked": bool(ticket.contact_phone) and not full_phone,
    }


def _summary(principal: StaffPrincipal, row: TicketRow, now: datetime) -> TicketSummary:
    return TicketSummary(**_summary_fields(principal, row, now))


def _event_out(event: TicketEvent, now: datetime, text: Text) -> EventOut:
    return EventOut(
        id=event.id,
        kind=event.kind,
        kind_name=EVENT_NAMES.get(event.kind, event.kind),
        status=event.status,
        actor=event.actor,
        note=text(event.note),
        data=_data_for(event.data or {}, text),
        at=event.created_at.astimezone(now.tzinfo),
    )


def _detail(
    session: Session, principal: StaffPrincipal, ticket: Ticket, now: datetime
) -> TicketDetail:
    station = session.get(Station, ticket.station_code)
    assert station is not None  # the foreign key guarantees it
    original, copies = visible_links(session, principal, ticket)
    text = _text_for(principal, ticket.station_code)
    return TicketDetail(
        **_summary_fields(principal, TicketRow(ticket, station), now),
        dispatch_reason=ticket.dispatch_reason,
        dispatch_note=ticket.dispatch_note,
        dispatch_distance_km=ticket.dispatch_distance_km,
        lat=ticket.lat,
        lon=ticket.lon,
        resolution=text(ticket.resolution),
        duplicate_of=original,
        duplicates=copies,
        permissions=Permissions(
            act=principal.can_act(ticket.station_code),
            transfer=principal.can_transfer(ticket.station_code),
            recategorise=principal.can_act(ticket.station_code),
        ),
        events=[_event_out(event, now, text) for event in ticket.events],
    )


def _page_out(
    principal: StaffPrincipal,
    session: Session,
    filters: TicketFilter,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> TicketPageOut:
    page = list_page(session, principal, filters, now=now, limit=limit, after=_cursor(cursor))
    return TicketPageOut(
        items=[_summary(principal, row, now) for row in page.rows],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        limit=limit,
    )


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
    return _page_out(principal, session, filters, now, limit, cursor)


CSV_COLUMNS = (
    "工单号",
    "诉求类别",
    "紧急",
    "状态",
    "承办站点编码",
    "承办站点",
    "受理时间",
    "联系时限",
    "办结时限",
    "是否超期",
    "督办级别",
    "退单次数",
    "地点",
    "诉求内容",
    "联系电话",
)


def _csv_row(summary: TicketSummary) -> list[object]:
    def when(moment: datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M}"

    values: list[object] = [
        summary.number,
        summary.service_name,
        "是" if summary.emergency else "否",
        summary.status_name,
        summary.station_code,
        summary.station_name,
        when(summary.created_at),
        when(summary.contact_due_at),
        when(summary.resolve_due_at),
        "是" if summary.overdue else "否",
        summary.escalation_level,
        summary.return_count,
        summary.location_text,
        summary.description,
        summary.contact_phone,
    ]
    return values


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
                raise _unprocessable(
                    f"导出结果超过 {EXPORT_MAX_ROWS} 行，请缩小日期范围或加筛选条件"
                )
            yield _csv_row(_summary(principal, row, now))

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
        raise _ticket_not_found(number)
    return _detail(session, principal, ticket, now)


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
        raise _ticket_not_found(number)
    text = _text_for(principal, ticket.station_code)
    return [_event_out(event, now, text) for event in ticket.events]


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
    return _page_out(principal, session, filters, now, limit, cursor)


# ---- acting ----------------------------------------------------------------

Change = Callable[[Ticket], TicketEvent]


def _act(
    session: Session,
    principal: StaffPrincipal,
    number: str,
    now: datetime,
    change: Change,
    allowed: Callable[[str], bool],
) -> TicketDetail:
    """Find (404), check the caller may (403), change (409 if illegal), commit once."""
    ticket = find_visible(session, principal, number, for_update=True)
    if ticket is None:
        raise _ticket_not_found(number)
    if not allowed(ticket.station_code):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "只有承办站点的工作人员或区级人员可以办理这张工单"
        )
    try:
        change(ticket)
    except IllegalTransitionError as exc:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, exc.reason) from exc
    session.commit()
    return _detail(session, principal, ticket, now)


ACTION_RESPONSES: Responses = {
    **NOT_LOGGED_IN,
    **MAY_NOT_ACT,
    **NOT_FOUND,
    **ILLEGAL,
}


@router.post(
    "/tickets/{number}/sign",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="签收",
    description="承办站点签收工单，之后应尽快联系居民。只有承办站点人员或区级人员可以操作。",
    responses=ACTION_RESPONSES,
)
def sign_ticket(
    number: Number,
    principal: StaffMemberDep,
    session: SessionDep,
    now: NowDep,
    body: OptionalNoteBody | None = None,
) -> TicketDetail:
    """The holding station takes the ticket on (and should call the resident)."""
    note = body.note if body else None
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.sign(session, t, actor=principal.actor, now=now, note=note),
        principal.can_act,
    )


@router.post(
    "/tickets/{number}/start",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="开始办理",
    description="工单已签收后开始办理（如已派人上门）。",
    responses=ACTION_RESPONSES,
)
def start_ticket(
    number: Number,
    principal: StaffMemberDep,
    session: SessionDep,
    now: NowDep,
    body: OptionalNoteBody | None = None,
) -> TicketDetail:
    """Work has begun, e.g. someone is on the way."""
    note = body.note if body else None
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.start(session, t, actor=principal.actor, now=now, note=note),
        principal.can_act,
    )


@router.post(
    "/tickets/{number}/notes",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="添加办理备注",
    description="记录办理过程；办结后回访也可添加，归档后不能再加。",
    responses=ACTION_RESPONSES,
)
def add_note(
    number: Number, body: NoteBody, principal: StaffMemberDep, session: SessionDep, now: NowDep
) -> TicketDetail:
    """A progress note on the timeline (also after 办结, for the 回访 call)."""
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.add_note(session, t, actor=principal.actor, now=now, note=body.note),
        principal.can_act,
    )


@router.post(
    "/tickets/{number}/resolve",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="办结",
    description="写明办理结果后办结，居民随后会被邀请评价。",
    responses=ACTION_RESPONSES,
)
def resolve_ticket(
    number: Number, body: ResolveBody, principal: StaffMemberDep, session: SessionDep, now: NowDep
) -> TicketDetail:
    """Done, saying what was done; the resident is then asked to rate it."""
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.resolve(
            session, t, actor=principal.actor, now=now, resolution=body.resolution
        ),
        principal.can_act,
    )


@router.post(
    "/tickets/{number}/return",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="退单（自动改派）",
    description=(
        "说明理由退回工单（属地不符、非本单位职责、重复工单、信息不全），系统立即改派。退"
        "单两次后由上级站点裁定；区中心不能退单。"
    ),
    responses=ACTION_RESPONSES,
)
def return_ticket(
    number: Number, body: ReturnBody, principal: StaffMemberDep, session: SessionDep, now: NowDep
) -> TicketDetail:
    """Hand the ticket back with a reason; it is re-dispatched in the same transaction.

    The answer is the ticket as it now is, usually held by another station
    (then without the resident's full phone number).
    """
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.return_ticket(
            session, t, actor=principal.actor, now=now, reason=body.reason, note=body.note
        ),
        principal.can_act,
    )


@router.post(
    "/tickets/{number}/transfer",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="转派到其他站点",
    description=(
        "把工单转给受理该类诉求的另一站点，须说明原因。承办站点、其上级站点和区级人员可以转派。"
    ),
    responses=ACTION_RESPONSES,
)
def transfer_ticket(
    number: Number,
    body: TransferBody,
    principal: StaffMemberDep,
    session: SessionDep,
    now: NowDep,
) -> TicketDetail:
    """The holding station, any station above it (督办), or an operator sends it elsewhere.

    The target must exist and handle the ticket's kind of problem (else 409).
    After the transfer the caller may no longer see the ticket; the answer is
    then still the ticket as it now is, shown this once.
    """
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.transfer(
            session,
            t,
            actor=principal.actor,
            now=now,
            to_station_code=body.to_station_code,
            note=body.note,
        ),
        principal.can_transfer,
    )


@router.post(
    "/tickets/{number}/recategorise",
    response_model=TicketDetail,
    tags=[TICKETS_TAG],
    summary="改类（更正诉求类别）",
    description=(
        "智能客服把诉求归错类别时，更正为正确的类别，须说明原因。联系和办结时限按新类别重"
        "新计算，如同当初就归入此类（如改为漏水、停水等水电气问题，自受理起 24 小时内办结）；"
        "紧急工单仍按紧急时限办理。承办站点不受理新类别的，系统立即改派给最近的受理站点。只"
        "有承办站点人员或区级人员可以操作，已办结、已归档的工单不能改类。"
    ),
    responses=ACTION_RESPONSES,
)
def recategorise_ticket(
    number: Number,
    body: RecategoriseBody,
    principal: StaffMemberDep,
    session: SessionDep,
    now: NowDep,
) -> TicketDetail:
    """Correct the category the bot chose; the deadlines, and if need be the station, follow.

    When the holder does not handle the new category the ticket is
    re-dispatched in the same transaction; as after a transfer, the answer is
    then the ticket as it now is, shown this once.
    """
    return _act(
        session,
        principal,
        number,
        now,
        lambda t: lifecycle.recategorise(
            session,
            t,
            actor=principal.actor,
            now=now,
            service_code=body.service_code,
            note=body.note,
        ),
        principal.can_act,
    )
