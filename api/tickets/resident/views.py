"""A resident's own tickets, keyed by the widget's sender id: list, rate, 没解决.

The widget polls the list; an unchanged list answers 304 to `If-None-Match`,
so polling costs one small query and no body.
"""

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from api.clock import NowDep
from api.dependencies import SessionDep
from api.tickets.models import Ticket
from api.tickets.numbers import TICKET_NUMBER_PATTERN
from api.tickets.resident.schemas import (
    RatingRequest,
    ReopenRequest,
    ResidentTicket,
    ResidentTickets,
    SenderIdHeader,
)
from api.tickets.resident.service import (
    TicketStateError,
    rate_resolved,
    reopen_resolved,
    resident_ticket,
    resident_tickets,
    resident_view,
)
from api.tickets.service import TicketNotFoundError

router = APIRouter(prefix="/api/my/tickets", tags=["居民 · 我的工单"])
NumberPath = Annotated[str, Path(pattern=TICKET_NUMBER_PATTERN)]
NOT_YOURS = "没有找到这张工单"
NOT_AWAITING = "这张工单现在不能评价：还没办结，或者您已经回复过了"


@router.get(
    "",
    summary="居民自己的工单列表",
    response_model=ResidentTickets,
    responses={304: {"description": "unchanged"}},
)
def my_tickets(
    session: SessionDep,
    response: Response,
    sender_id: SenderIdHeader,
    if_none_match: Annotated[str | None, Header(max_length=100)] = None,
) -> ResidentTickets | Response:
    """The resident's latest tickets with their timelines, newest first."""
    body = ResidentTickets(tickets=resident_tickets(session, sender_id))
    etag = '"' + hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)
    return body


@router.post(
    "/{number}/rating", summary="为已办结的工单评价（1–5 星）", response_model=ResidentTicket
)
def rate(
    number: NumberPath,
    request: RatingRequest,
    session: SessionDep,
    now: NowDep,
    sender_id: SenderIdHeader,
) -> ResidentTicket:
    """1–5 stars and an optional comment for the resident's resolved ticket."""
    ticket = _own_ticket(session, sender_id, number)
    return _answered(
        session, ticket, lambda: rate_resolved(session, ticket, request.stars, request.comment, now)
    )


@router.post("/{number}/reopen", summary="问题没解决：申请重办", response_model=ResidentTicket)
def reopen(
    number: NumberPath,
    request: ReopenRequest,
    session: SessionDep,
    now: NowDep,
    sender_id: SenderIdHeader,
) -> ResidentTicket:
    """没解决: the resident's resolved ticket goes back to the station."""
    ticket = _own_ticket(session, sender_id, number)
    return _answered(
        session, ticket, lambda: reopen_resolved(session, ticket, request.comment, now)
    )


def _answered(session: Session, ticket: Ticket, answer: Callable[[], None]) -> ResidentTicket:
    """The resident's answer to a resolved ticket, committed; 409 when it awaits none."""
    try:
        answer()
        session.commit()
    except TicketStateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_AWAITING) from exc
    return resident_view(session, ticket)


def _own_ticket(session: Session, sender_id: str, number: str) -> Ticket:
    try:
        return resident_ticket(session, sender_id, number)
    except TicketNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_YOURS) from exc
