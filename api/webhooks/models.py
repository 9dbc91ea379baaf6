"""Stations' webhook subscriptions and the durable outbox of deliveries."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.database import Base, UTCDateTime
from api.tickets.models import Ticket, TicketEvent


class DeliveryStatus(StrEnum):
    """Where a delivery is: waiting (incl. retries), delivered, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookSubscription(Base):
    """A station's endpoint that receives every dispatch and state change of its tickets."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The HMAC-SHA256 key; shown once when the subscription is created.
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class WebhookDelivery(Base):
    """One event for one subscription, written in the same transaction as the event."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # Relationships (no columns): the outbox listener links a delivery to a ticket
    # and an event that may only get their ids in the same flush.
    subscription: Mapped[WebhookSubscription] = relationship()
    ticket: Mapped[Ticket] = relationship()
    event: Mapped[TicketEvent | None] = relationship()
