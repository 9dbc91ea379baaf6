"""Where the load goes: the app's chat endpoint, or Rasa's REST channel directly (bare Rasa).

Both answer a list of bot messages ({text, buttons?, custom?}), so the same
scripted conversations and checks apply. Bare Rasa skips the app's chat layer
(message ids, the Rasa client, the 503 paths) but not its action server: the
report form's actions still run in the app, as they do in production.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.rasa.routing import RouteTable
from bench.loops import Send, TurnFailedError

REQUEST_TIMEOUT_SECONDS = 60.0
# Open loops can have hundreds of turns in flight; the client must not be the queue.
LIMITS = httpx.Limits(max_connections=2000, max_keepalive_connections=200)


def _answer(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise TurnFailedError(f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as error:
        raise TurnFailedError("answer is not JSON") from error


@asynccontextmanager
async def app_chat(app_url: str) -> AsyncIterator[Send]:
    """Turns through the app: `POST /api/chat`."""
    async with httpx.AsyncClient(
        base_url=app_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=LIMITS
    ) as http:

        async def send(sender: str, message: str) -> Any:
            # With a message id, as the chat page sends every message.
            body = {"sender": sender, "message": message, "message_id": uuid.uuid4().hex}
            try:
                response = await http.post("/api/chat", json=body)
            except httpx.HTTPError as error:
                raise TurnFailedError(type(error).__name__) from error
            return _answer(response)

        yield send


@asynccontextmanager
async def bare_rasa(rasa_urls: list[str]) -> AsyncIterator[Send]:
    """Turns straight to Rasa's REST channel, each sender on its shard's URL.

    Senders are spread by the app's own route table (api/rasa/routing.py), so
    each conversation lives on the shard the app would send it to.
    """
    routes = RouteTable(tuple(rasa_urls))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, limits=LIMITS) as http:

        async def send(sender: str, message: str) -> Any:
            base = routes.url_for(sender)
            body = {"sender": sender, "message": message}
            try:
                response = await http.post(f"{base}/webhooks/rest/webhook", json=body)
            except httpx.HTTPError as error:
                raise TurnFailedError(type(error).__name__) from error
            return _answer(response)

        yield send
