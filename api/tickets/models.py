"""Tickets, their append-only event log, and the daily number counter."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.database import Base, UTCDateTime

# Who an event names when no staff member acted.
RESIDENT_ACTOR = "resident"
SYSTEM_ACTOR = "system"


class TicketStatus(StrEnum):
    """Where a ticket is in its life; `api/tickets/lifecycle.py` moves it between states."""

    DISPATCHED = "dispatched"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


# Statuses in which a station still owes the resident something.
OPEN_STATUSES: Final = frozenset(
    {
        TicketStatus.DISPATCHED,
        TicketStatus.SIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.REOPENED,
    }
)
# Statuses waiting for the holding station to sign (签收).
UNSIGNED_STATUSES: Final = frozenset({TicketStatus.DISPATCHED, TicketStatus.REOPENED})

STATUS_NAMES: dict[str, str] = {
    TicketStatus.DISPATCHED: "已派单，等待工作站签收",
    TicketStatus.SIGNED: "工作站已签收",
    TicketStatus.IN_PROGRESS: "正在办理",
    TicketStatus.RESOLVED: "已办结",
    TicketStatus.CLOSED: "已评价归档",
    TicketStatus.REOPENED: "重新办理中",
}


class EventKind(StrEnum):
    """Kinds of entries in a ticket's event log."""

    CREATED = "created"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    STARTED = "started"
    NOTE = "note"
    RESOLVED = "resolved"
    RATED = "rated"
    CLOSED = "closed"
    REOPENED = "reopened"
    RETURNED = "returned"
    TRANSFERRED = "transferred"
    RECATEGORISED = "recategorised"
    ESCALATED = "escalated"
    DUPLICATE_LINKED = "duplicate_linked"


class Ticket(Base):
    """One resident's report, with where it went and when contact is due."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The duplicate check: open tickets of a code at one spot, or filed in a window.
        Index("ix_tickets_code_place_created", "service_code", "place_key", "created_at"),
        Index("ix_tickets_code_created", "service_code", "created_at"),
        Index("ix_tickets_code_lat_lon", "service_code", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    service_code: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_kind: Mapped[str | None] = mapped_column(String(32))
    location_text: Mapped[str | None] = mapped_column(Text)
    # location_text normalised for the duplicate check, when it names a spot finer than
    # a division (see tickets/duplicates.py); None otherwise.
    place_key: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), index=True)
    dispatch_reason: Mapped[str] = mapped_column(String(16))
    dispatch_note: Mapped[str] = mapped_column(Text)
    dispatch_distance_km: Mapped[float | None] = mapped_column(Float)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    sender_id: Mapped[str | None] = mapped_column(String(128), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The promise to solve it (emergencies 2 h, utilities 24 h, otherwise 7 days).
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    # How far up the hierarchy 督办 has gone (0 = not escalated).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Times a station returned it (退单); after two the parent station rules.
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the retention sweep last removed the resident's personal data (api/retention).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", lazy="selectin"
    )


class TicketEvent(Base):
    """An append-only record of something that happened to a ticket."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketCounter(Base):
    """The last ticket number handed out on a given day (LY-YYYYMMDD-NNNN)."""

    __tablename__ = "ticket_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
