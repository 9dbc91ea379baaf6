"""Staff accounts, their tokens, and login attempts (for rate limiting)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.database import Base, UTCDateTime


class Role(StrEnum):
    """What an account may do.

    Station staff see their station and every station below it; district
    operators see everything; service accounts are integrations (Open311
    clients, the district's own systems) and authenticate with an API key.
    """

    STATION_STAFF = "station_staff"
    DISTRICT_OPERATOR = "district_operator"
    SERVICE = "service"


class TokenKind(StrEnum):
    """Short-lived bearer tokens from a login, or long-lived API keys for integrations."""

    BEARER = "bearer"
    API_KEY = "api_key"


class StaffAccount(Base):
    """A person at a 老杨 station, a district operator, or an integration."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    # Argon2id; empty for service accounts, which only have API keys.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24))
    # The station an account belongs to; district operators may have none.
    station_code: Mapped[str | None] = mapped_column(ForeignKey("stations.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    tokens: Mapped[list["AccessToken"]] = relationship(back_populates="account")


class AccessToken(Base):
    """A credential; only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[StaffAccount] = relationship(back_populates="tokens", lazy="joined")


class LoginAttempt(Base):
    """One password login, kept for the login rate limit and for audit."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
