"""The public status view of one ticket."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, status

from api.dependencies import SessionDep
from api.tickets.schemas import TicketStatusView
from api.tickets.service import TicketNotFoundError, get_ticket, status_view

router = APIRouter(prefix="/api/tickets", tags=["tickets"])


@router.get("/{number}", response_model=TicketStatusView, response_model_exclude_none=True)
def ticket_status(
    number: Annotated[str, Path(pattern=r"^[Ll][Yy]-\d{8}-\d{4,6}$")],
    session: SessionDep,
    x_sender_id: Annotated[str | None, Header(max_length=128)] = None,
) -> TicketStatusView:
    """Code, status, station, deadline and timeline; the filer also sees their own text."""
    try:
        ticket = get_ticket(session, number)
    except TicketNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到工单 {number.upper()}") from exc
    return status_view(session, ticket, x_sender_id)
