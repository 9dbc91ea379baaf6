"""转人工 requests past the retention period: the resident's words and phone go.

A request has no closing of its own, so it is due once it is older than the
retention period. Its time, status and sender id stay. Only flushes.
"""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.conversations.models import HandoffRequest
from api.retention import REMOVED_TEXT


def due_handoffs(
    session: Session, cutoff: datetime, *, after_id: int, limit: int
) -> list[HandoffRequest]:
    """Up to `limit` requests older than `cutoff` that still hold personal data, by id."""
    query = (
        select(HandoffRequest)
        .where(
            HandoffRequest.id > after_id,
            HandoffRequest.created_at <= cutoff,
            or_(
                HandoffRequest.contact_phone.is_not(None),
                HandoffRequest.problem.is_not(None),
                HandoffRequest.last_message != REMOVED_TEXT,
            ),
        )
        .order_by(HandoffRequest.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def remove_handoff_text(session: Session, requests: list[HandoffRequest]) -> None:
    """What the resident said and their phone, gone."""
    for request in requests:
        request.last_message = REMOVED_TEXT
        request.problem = None
        request.contact_phone = None
    session.flush()
