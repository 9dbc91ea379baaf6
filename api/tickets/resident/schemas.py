"""What a resident's own ticket views show and what the widget may send about a ticket."""

from datetime import datetime
from typing import Annotated

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field

from api.senders import SENDER_ID_PATTERN

# The sender id (api/senders.py) is the resident's key.
SenderIdHeader = Annotated[
    str, Header(alias="X-Sender-Id", pattern=SENDER_ID_PATTERN, description="the widget's id")
]
# The same key where a request may also come from staff or nobody in particular.
OptionalSenderIdHeader = Annotated[
    str | None,
    Header(alias="X-Sender-Id", pattern=SENDER_ID_PATTERN, description="the widget's id"),
]
MAX_COMMENT_LENGTH = 500


class ResidentEvent(BaseModel):
    """One entry of a ticket's timeline as its resident sees it."""

    id: int
    kind: str
    status: str | None
    status_name: str | None
    note: str | None
    at: datetime
    by_resident: bool = False


class ResidentTicket(BaseModel):
    """A resident's own ticket: progress, where it is, and whether it awaits their rating."""

    number: str
    category: str
    emergency: bool
    status: str
    status_name: str
    station_name: str
    created_at: datetime
    contact_due_at: datetime
    description: str
    location_text: str | None
    timeline: list[ResidentEvent]
    rating: int | None = Field(description="the stars given since the last resolution")
    awaiting_rating: bool
    reopen_requested: bool


class ResidentTickets(BaseModel):
    """A resident's latest tickets, newest first."""

    tickets: list[ResidentTicket]


class RatingRequest(BaseModel):
    """1–5 stars and an optional comment for a resolved ticket."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


class ReopenRequest(BaseModel):
    """没解决: the resident asks for the ticket to be handled again."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    comment: str | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)
