"""Working a ticket: 签收, 开始办理, 进展备注, 办结, 退单, 转派, 改类.

Every handler looks the ticket up through the caller's scope first (404 outside it), then
asks whether the caller may act (403); the state machine answers 409 with its reason.
"""

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.orm import Session

from api.auth.dependencies import StaffMemberDep
from api.auth.scope import StaffPrincipal
from api.clock import NowDep
from api.dependencies import SessionDep
from api.tickets import handover, lifecycle
from api.tickets.models import Ticket, TicketEvent
from api.tickets.queries import (
    find_visible,
)
from api.tickets.staff.bodies import (
    NoteBody,
    OptionalNoteBody,
    RecategoriseBody,
    ResolveBody,
    ReturnBody,
    TransferBody,
)
from api.tickets.staff.rendering import ticket_detail
from api.tickets.staff.responses import (
    ILLEGAL,
    MAY_NOT_ACT,
    NOT_FOUND,
    NOT_LOGGED_IN,
    TICKETS_TAG,
    Number,
    Responses,
    ticket_not_found,
)
from api.tickets.staff.schemas import TicketDetail
from api.tickets.transitions import IllegalTransitionError

router = APIRouter(prefix="/api/staff")

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
        raise ticket_not_found(number)
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
    return ticket_detail(session, principal, ticket, now)


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
        lambda t: handover.return_ticket(
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
        lambda t: handover.transfer(
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
        lambda t: handover.recategorise(
            session,
            t,
            actor=principal.actor,
            now=now,
            service_code=body.service_code,
            note=body.note,
        ),
        principal.can_act,
    )
