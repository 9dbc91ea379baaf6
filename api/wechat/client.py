"""The two WeChat calls the channel makes: a customer-service text and a template message.

Both take the shared token (api/wechat/token.py). A token WeChat calls invalid or expired
(40001, 40014, 42001) is replaced once and the call made again; every other error is
raised as WechatApiError with WeChat's code (0 when no token could be had or the network
failed), for the notifier to decide.
"""

from typing import Any

import httpx

from api.wechat.token import TokenError, TokenHolder

TOKEN_INVALID = frozenset({40001, 40014, 42001})
OUT_OF_WINDOW = 45015  # the 48-hour customer-service window is closed
QUOTA = 45009  # the daily quota of the interface is used up
# The follower unfollowed (43004) or the openid is not of this account (40003).
UNREACHABLE = frozenset({43004, 40003})
TIMEOUT_SECONDS = 10.0


class WechatApiError(RuntimeError):
    """WeChat refused a call; `code` is its errcode (0 for a transport failure)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class WechatApi:
    """An async client for the message APIs; one per app, closed on shutdown."""

    def __init__(self, holder: TokenHolder, api_base: str) -> None:
        self._holder = holder
        self._http = httpx.AsyncClient(base_url=api_base.rstrip("/"), timeout=TIMEOUT_SECONDS)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> None:
        try:
            token = await self._holder.get()
        except TokenError as exc:
            raise WechatApiError(0, str(exc)) from exc
        for attempt in range(2):
            try:
                response = await self._http.post(path, params={"access_token": token}, json=body)
                answer = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise WechatApiError(0, f"{type(exc).__name__}: {exc}") from exc
            code = int(answer.get("errcode") or 0)
            if code == 0:
                return
            if code in TOKEN_INVALID and attempt == 0:
                try:
                    token = await self._holder.replace(token)
                except TokenError as exc:
                    raise WechatApiError(0, str(exc)) from exc
                continue
            raise WechatApiError(code, str(answer.get("errmsg") or ""))

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message (客服消息) to a follower."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        await self._post("/cgi-bin/message/custom/send", body)

    async def send_template(self, openid: str, template_id: str, data: dict[str, str]) -> None:
        """A template message; `data` maps the template's keys to their values."""
        body = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        await self._post("/cgi-bin/message/template/send", body)
