"""Each resident message reaches Rasa once, however often the widget retries it.

The widget gives every message an id and sends a retry with the same id. The
first request starts the Rasa call as a task of its own (so a dropped
connection does not cancel it); a retry arriving meanwhile waits for that same
task, and one arriving later gets the stored replies. Only successful replies
are kept; a failed call may be tried again. Kept in this process's memory for a
while; a retry that reaches a process started since is answered from Rasa's
tracker store, where Rasa keeps the message id with the turn (answered.py).
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

Replies = list[dict[str, Any]]
DEFAULT_TTL_SECONDS = 30 * 60.0
DEFAULT_MAX_ENTRIES = 20_000


class ReplyOnce:
    """Runs one call per (sender, message id) and hands its result to every retry."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[float, asyncio.Task[Replies]]] = (
            OrderedDict()
        )

    async def run(
        self, sender: str, message_id: str, call: Callable[[], Awaitable[Replies]]
    ) -> Replies:
        """The replies to this message: from the first call, started only once."""
        self._expire()
        key = (sender, message_id)
        entry = self._entries.get(key)
        if entry is None:
            task = asyncio.ensure_future(call())
            task.add_done_callback(lambda done: self._forget_failure(key, done))
            self._entries[key] = (self._clock(), task)
        else:
            task = entry[1]
        return await asyncio.shield(task)

    def _forget_failure(self, key: tuple[str, str], task: asyncio.Task[Replies]) -> None:
        if task.cancelled() or task.exception() is not None:
            entry = self._entries.get(key)
            if entry is not None and entry[1] is task:
                del self._entries[key]

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._entries:
            key, (started, task) = next(iter(self._entries.items()))
            if (started >= cutoff or not task.done()) and len(self._entries) < self._max:
                break
            del self._entries[key]
