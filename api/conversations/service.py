"""Conversation-side records that are not tickets."""

from sqlalchemy.orm import Session

from api.conversations.models import HandoffRequest


def record_handoff(
    session: Session,
    *,
    sender_id: str,
    last_message: str,
    problem: str | None,
    contact_phone: str | None,
) -> HandoffRequest:
    """Store a resident's request for a person, with what is known so far (flushed)."""
    request = HandoffRequest(
        sender_id=sender_id,
        last_message=last_message,
        problem=problem,
        contact_phone=contact_phone,
        status="open",
    )
    session.add(request)
    session.flush()
    return request
