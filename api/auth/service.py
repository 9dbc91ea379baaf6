"""Accounts, logins and tokens: the only place credentials are checked.

Tokens are random strings shown once; the database keeps their SHA-256 only.
Bearer tokens from a password login are short-lived; API keys for integrations
live until revoked. Failed logins are counted per username and per client, and
too many in the window are refused before the password is even checked.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.models import AccessToken, LoginAttempt, Role, StaffAccount, TokenKind
from api.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from api.stations.models import Station

BEARER_TTL = timedelta(minutes=60)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_CLIENT = 20


class AccountError(ValueError):
    """An account cannot be created as asked (reason in Chinese)."""


class InvalidCredentialsError(Exception):
    """Wrong username or password (never says which)."""


class LoginThrottledError(Exception):
    """Too many failed logins; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its owner: the secret is only ever visible here."""

    token: str
    kind: TokenKind
    expires_at: datetime | None


def create_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    station_code: str | None,
    password: str | None,
) -> StaffAccount:
    """A new active account; station staff must belong to an existing station."""
    if not USERNAME.fullmatch(username):
        raise AccountError("用户名只能用字母、数字、点、下划线和连字符，2 到 64 位")
    if session.scalars(select(StaffAccount).where(StaffAccount.username == username)).first():
        raise AccountError(f"用户名 {username} 已存在")
    if role is Role.STATION_STAFF and station_code is None:
        raise AccountError("工作站人员必须指定所属站点")
    if station_code is not None and session.get(Station, station_code) is None:
        raise AccountError(f"没有编码为 {station_code} 的站点")
    if role is not Role.SERVICE and password is None:
        raise AccountError("人员账号必须设置密码")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    account = StaffAccount(
        username=username,
        display_name=display_name,
        role=role.value,
        station_code=station_code,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, username: str) -> StaffAccount | None:
    """An account by username."""
    return session.scalars(select(StaffAccount).where(StaffAccount.username == username)).first()


def issue_token(
    session: Session,
    account: StaffAccount,
    *,
    kind: TokenKind,
    now: datetime,
    ttl: timedelta | None = None,
    label: str | None = None,
) -> IssuedToken:
    """A new token for the account; bearer tokens default to BEARER_TTL."""
    if kind is TokenKind.BEARER and ttl is None:
        ttl = BEARER_TTL
    secret = secrets.token_urlsafe(32)
    expires_at = now + ttl if ttl is not None else None
    session.add(
        AccessToken(
            account_id=account.id,
            token_hash=token_digest(secret),
            kind=kind.value,
            label=label,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedToken(secret, kind, expires_at)


def token_digest(token: str) -> str:
    """What the database stores for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate_token(
    session: Session, token: str, now: datetime, kind: TokenKind | None = None
) -> StaffAccount | None:
    """The active account behind a live token (of the given kind), else None."""
    found = session.scalars(
        select(AccessToken).where(AccessToken.token_hash == token_digest(token))
    ).first()
    if found is None or found.revoked_at is not None:
        return None
    if kind is not None and found.kind != kind.value:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    return found.account if found.account.active else None


def revoke_token(session: Session, token: str, now: datetime) -> bool:
    """Revoke one token; False when it was unknown or already revoked."""
    found = session.scalars(
        select(AccessToken).where(AccessToken.token_hash == token_digest(token))
    ).first()
    if found is None or found.revoked_at is not None:
        return False
    found.revoked_at = now
    session.flush()
    return True


def revoke_all_tokens(session: Session, account: StaffAccount, now: datetime) -> int:
    """Revoke every live token of an account (lost phone, staff leaving); returns how many."""
    live = [token for token in account.tokens if token.revoked_at is None]
    for token in live:
        token.revoked_at = now
    session.flush()
    return len(live)


def login(
    session: Session, *, username: str, password: str, client: str, now: datetime
) -> IssuedToken:
    """A bearer token for a correct password, unless this username or client is throttled."""
    retry_after = _throttle_seconds(session, username, client, now)
    if retry_after:
        raise LoginThrottledError(retry_after)
    account = find_account(session, username)
    ok = verify_password(account.password_hash if account else None, password)
    ok = ok and account is not None and account.active and account.role != Role.SERVICE
    session.add(
        LoginAttempt(username=username[:64], client=client[:64], succeeded=bool(ok), created_at=now)
    )
    session.flush()
    if not ok or account is None:
        raise InvalidCredentialsError(username)
    return issue_token(session, account, kind=TokenKind.BEARER, now=now)


def _throttle_seconds(session: Session, username: str, client: str, now: datetime) -> int:
    """Seconds until the oldest failure in the window expires, if over a limit."""
    since = now - LOGIN_WINDOW
    for column, value, limit in (
        (LoginAttempt.username, username, MAX_FAILURES_PER_USERNAME),
        (LoginAttempt.client, client, MAX_FAILURES_PER_CLIENT),
    ):
        failures = select(LoginAttempt.created_at).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
        count = session.scalar(select(func.count()).select_from(failures.subquery())) or 0
        if count >= limit:
            oldest = session.scalar(select(func.min(failures.subquery().c.created_at)))
            if oldest is not None:
                return max(1, int((oldest + LOGIN_WINDOW - now).total_seconds()) + 1)
    return 0
