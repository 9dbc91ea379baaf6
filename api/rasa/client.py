"""Talking to the Rasa server over loopback: the REST channel and the token-protected API."""

import asyncio
from typing import Any

import httpx


class RasaUnavailableError(RuntimeError):
    """Rasa did not answer, or answered with an error."""


class RasaNotListeningError(RasaUnavailableError):
    """Nothing listens at Rasa's address: the request was not delivered at all."""


class RasaClient:
    """A thin async client; one per app, closed on shutdown."""

    def __init__(self, base_url: str, token: str, timeout_seconds: float) -> None:
        self._token = token
        self._deadline = timeout_seconds
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_seconds)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call, done within the timeout as a whole (httpx's own is per read)."""
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http.request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()
        except TimeoutError as exc:
            raise RasaUnavailableError(f"{method} {path}: no answer in {self._deadline} s") from exc
        except httpx.ConnectError as exc:
            raise RasaNotListeningError(f"{method} {path}: {exc}") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailableError(f"{method} {path}: {exc}") from exc

    async def send_message(
        self, sender: str, message: str, metadata: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """A resident's message through the REST channel; returns the bot's messages."""
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        result = await self._request("POST", "/webhooks/rest/webhook", json=body)
        return list(result) if isinstance(result, list) else []

    async def restart(self, sender: str) -> None:
        """Forget the conversation so far: the next message starts afresh."""
        await self._request(
            "POST",
            f"/conversations/{sender}/tracker/events",
            params={"token": self._token},
            json={"event": "restart"},
        )

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only: intent, confidence and entities for a text."""
        result = await self._request(
            "POST", "/model/parse", params={"token": self._token}, json={"text": text}
        )
        return dict(result)

    async def status(self) -> dict[str, Any]:
        """Which model is loaded."""
        return dict(await self._request("GET", "/status", params={"token": self._token}))
