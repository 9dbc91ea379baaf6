"""One ticket's status, for the resident who filed it and for staff whose scope covers it.

Ticket numbers are sequential, so walking them must tell a stranger nothing:
anyone else gets the same 404 as for a number that does not exist. What the
public may know of a ticket is Open311's view (`/open311/v2/requests/{id}.json`).
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy.orm import Session

from api.auth.dependencies import OptionalStaffDep
from api.auth.scope import StaffPrincipal
from api.dependencies import SessionDep
from api.tickets.models import Ticket
from api.tickets.numbers import TICKET_NUMBER_PATTERN
from api.tickets.queries import find_visible
from api.tickets.resident.schemas import OptionalSenderIdHeader
from api.tickets.resident.service import resident_ticket
from api.tickets.schemas import TicketStatusView
from api.tickets.service import TicketNotFoundError, status_view

router = APIRouter(prefix="/api/tickets", tags=["居民 · 工单查询"])


@router.get(
    "/{number}",
    summary="按工单号查询进度（只给本人看详情）",
    response_model=TicketStatusView,
    response_model_exclude_none=True,
    responses={404: {"description": "没有这张工单，或您无权查看（两者回答相同）"}},
)
def ticket_status(
    number: Annotated[str, Path(pattern=TICKET_NUMBER_PATTERN)],
    session: SessionDep,
    principal: OptionalStaffDep,
    sender_id: OptionalSenderIdHeader = None,
) -> TicketStatusView:
    """Code, status, station, deadline and timeline; the filer also sees their own text."""
    ticket = _ticket_for(session, number, sender_id, principal)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到工单 {number.upper()}")
    return status_view(session, ticket, sender_id)


def _ticket_for(
    session: Session, number: str, sender_id: str | None, principal: StaffPrincipal | None
) -> Ticket | None:
    """The ticket if the caller filed it or is staff who may see it; None otherwise."""
    if principal is not None:
        ticket = find_visible(session, principal, number)
        if ticket is not None:
            return ticket
    if sender_id is None:
        return None
    try:
        return resident_ticket(session, sender_id, number)
    except TicketNotFoundError:
        return None
