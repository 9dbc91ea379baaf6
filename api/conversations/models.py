"""Requests from residents to talk to a person (转人工)."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, UTCDateTime


class HandoffRequest(Base):
    """A resident asked for a person; staff pick these up and call or reply."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    last_message: Mapped[str] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
