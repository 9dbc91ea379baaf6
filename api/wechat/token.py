"""The account's one access token, shared by every process through the database.

Fetching a token revokes the one before, so processes must not each fetch their own:
the token lives in `wechat_access_tokens`, and a refresh happens inside a transaction
holding the write lock (SQLite's BEGIN IMMEDIATE; a transaction-scoped advisory lock on
PostgreSQL), so a process that waited finds the token its neighbour just fetched instead
of fetching a second one. Tokens are refreshed `REFRESH_MARGIN` before they expire, and
at once when WeChat says the one we hold is no longer valid (40001 and kin).
"""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.wechat.models import WechatAccessToken

REFRESH_MARGIN = timedelta(minutes=5)
FETCH_TIMEOUT_SECONDS = 10.0
_ADVISORY_LOCK = 0x7778_7470  # "wxtp"


class TokenError(RuntimeError):
    """WeChat did not give us a token (wrong AppID/secret, IP not whitelisted, network)."""


class TokenHolder:
    """Hands out a valid access token; refreshes it for every process at once."""

    def __init__(
        self, factory: sessionmaker[Session], *, api_base: str, app_id: str, app_secret: str
    ) -> None:
        self._factory = factory
        self._api_base = api_base.rstrip("/")
        self._app_id = app_id
        self._secret = app_secret

    async def get(self) -> str:
        """A token with at least REFRESH_MARGIN left."""
        return await run_in_threadpool(self._valid, None)

    async def replace(self, rejected: str) -> str:
        """A new token after WeChat rejected `rejected` (unless another process replaced it)."""
        return await run_in_threadpool(self._valid, rejected)

    def _read(self) -> WechatAccessToken | None:
        with self._factory() as session:
            return session.get(WechatAccessToken, self._app_id)

    def _usable(self, row: WechatAccessToken | None, rejected: str | None) -> bool:
        return (
            row is not None
            and row.token != rejected
            and row.expires_at - REFRESH_MARGIN > datetime.now(UTC)
        )

    def _valid(self, rejected: str | None) -> str:
        row = self._read()
        if row is not None and self._usable(row, rejected):
            return row.token
        with transaction(self._factory) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            row = session.get(WechatAccessToken, self._app_id, populate_existing=True)
            if row is not None and self._usable(row, rejected):
                return row.token  # a neighbour refreshed it while we waited
            token, lifetime = self._fetch()
            now = datetime.now(UTC)
            if row is None:
                row = WechatAccessToken(app_id=self._app_id, token=token, fetched_at=now)
                session.add(row)
            row.token, row.fetched_at = token, now
            row.expires_at = now + timedelta(seconds=lifetime)
            return token

    def _fetch(self) -> tuple[str, int]:
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        try:
            answer = httpx.get(
                f"{self._api_base}/cgi-bin/token", params=params, timeout=FETCH_TIMEOUT_SECONDS
            ).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenError(f"token request failed: {type(exc).__name__}") from exc
        token, lifetime = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise TokenError(f"no token: errcode {answer.get('errcode')} {answer.get('errmsg')}")
        return token, lifetime
