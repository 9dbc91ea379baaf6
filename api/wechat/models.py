"""The channel's tables: messages seen, residents' state, the shared access token, the outbox."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, UTCDateTime


class InboundState(StrEnum):
    """How a message was answered: not yet, in the HTTP reply, or through the service API."""

    OPEN = "open"
    REPLIED = "replied"
    PUSHED = "pushed"


class WechatInbound(Base):
    """One message or event WeChat pushed, by its de-duplication key; retries find it here."""

    __tablename__ = "wechat_inbound"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    reply: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WechatResident(Base):
    """What the channel remembers of a follower: last message (48-hour window), open choices."""

    __tablename__ = "wechat_residents"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The bot's last buttons, offered as numbered choices: [{"title", "payload"}].
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A resolved ticket whose 1–5 rating the next number answers.
    rating_ticket: Mapped[str | None] = mapped_column(String(32))


class WechatAccessToken(Base):
    """The one access token of the account, shared by every process (fetching one revokes
    the one before)."""

    __tablename__ = "wechat_access_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboundStatus(StrEnum):
    """Where an outgoing message is."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class WechatOutbound(Base):
    """A message to a resident (a late reply or a ticket's progress), sent by the notifier.

    Written in the same commit as what caused it, so a restart loses none.
    """

    __tablename__ = "wechat_outbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reply" or "progress"
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    event_kind: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))  # "custom" or "template"
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
