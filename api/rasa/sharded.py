"""The app's way to Rasa when Rasa runs as several processes (shards).

Contract:
- a resident's messages and restarts go to their own shard (routing.shard_of), one
  at a time: a second message from the same sender waits for the first's reply, so
  not even a promotion (which moves a shard to a new process) lets two processes
  work on one conversation;
- a call that could not connect (nothing was delivered) is tried once more if the
  route table changed meanwhile, as when a promotion has just moved the shard;
  otherwise it fails with RasaUnavailableError and the resident is asked to wait;
- parsing needs no conversation: any shard that answers will do.
"""

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from api.rasa.client import RasaClient, RasaNotListeningError, RasaUnavailableError
from api.rasa.routing import RouteSource, RouteTable

T = TypeVar("T")


class _SenderLocks:
    """One asyncio lock per sender, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def run(self, sender: str, call: Callable[[], Awaitable[T]]) -> T:
        lock, users = self._locks.get(sender, (asyncio.Lock(), 0))
        self._locks[sender] = (lock, users + 1)
        try:
            async with lock:
                return await call()
        finally:
            lock, users = self._locks[sender]
            if users == 1:
                del self._locks[sender]
            else:
                self._locks[sender] = (lock, users - 1)


def _close_soon(client: RasaClient) -> None:
    asyncio.get_running_loop().create_task(client.close())


class ShardedRasa:
    """Routes each call to the right Rasa process; one per app, closed on shutdown."""

    def __init__(self, routes: RouteSource, token: str, timeout_seconds: float) -> None:
        self._routes = routes
        self._token = token
        self._timeout = timeout_seconds
        self._clients: dict[str, RasaClient] = {}
        self._senders = _SenderLocks()
        self._turn = itertools.count()
        self._known_urls: tuple[str, ...] = ()

    @property
    def table(self) -> RouteTable:
        """The route table in force now (clients of replaced processes are let go)."""
        table = self._routes.current()
        if table.urls != self._known_urls:
            self._known_urls = table.urls
            self._let_go(set(self._clients) - set(table.urls))
        return table

    def _let_go(self, urls: set[str]) -> None:
        """Close these clients once every call that may still use them is over."""
        loop = asyncio.get_running_loop()
        for url in urls:
            client = self._clients.pop(url)
            loop.call_later(self._timeout + 1, _close_soon, client)

    def _client(self, url: str) -> RasaClient:
        client = self._clients.get(url)
        if client is None:
            client = self._clients[url] = RasaClient(url, self._token, self._timeout)
        return client

    async def _on_shard(self, sender: str, call: Callable[[RasaClient], Awaitable[T]]) -> T:
        url = self.table.url_for(sender)
        try:
            return await call(self._client(url))
        except RasaNotListeningError:
            moved = self.table.url_for(sender)
            if moved == url:
                raise
            return await call(self._client(moved))

    async def send_message(
        self, sender: str, message: str, metadata: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """A resident's message to their shard; returns the bot's messages."""

        async def send(client: RasaClient) -> list[dict[str, Any]]:
            return await client.send_message(sender, message, metadata)

        return await self._senders.run(sender, lambda: self._on_shard(sender, send))

    async def restart(self, sender: str) -> None:
        """Forget the resident's conversation so far (on their shard)."""
        await self._senders.run(sender, lambda: self._on_shard(sender, lambda c: c.restart(sender)))

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only, on the shards in turn; the next one is tried if one is not listening."""
        urls = self.table.urls
        first = next(self._turn)
        for attempt in range(len(urls)):
            try:
                return await self._client(urls[(first + attempt) % len(urls)]).parse(text)
            except RasaNotListeningError:
                if attempt == len(urls) - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def statuses(self) -> list[dict[str, Any] | RasaUnavailableError]:
        """Each shard's /status (which model it serves), or the error it gave, in shard order."""
        urls = self.table.urls
        results = await asyncio.gather(
            *(self._client(url).status() for url in urls), return_exceptions=True
        )
        out: list[dict[str, Any] | RasaUnavailableError] = []
        for result in results:
            if isinstance(result, RasaUnavailableError | dict):
                out.append(result)
            elif isinstance(result, BaseException):
                raise result
        return out

    async def close(self) -> None:
        """Release every connection pool."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
