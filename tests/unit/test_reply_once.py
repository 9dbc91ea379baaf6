"""A retried message reaches Rasa once; a failed call may be tried again."""

import asyncio

import pytest

from api.conversations.replay import Replies, ReplyOnce


def test_a_retry_gets_the_first_replies_without_a_second_call() -> None:
    calls: list[str] = []

    async def call() -> Replies:
        calls.append("x")
        await asyncio.sleep(0.01)
        return [{"text": f"回复{len(calls)}"}]

    async def scenario() -> tuple[Replies, Replies, Replies]:
        guard = ReplyOnce()
        first, during = await asyncio.gather(guard.run("s", "m1", call), guard.run("s", "m1", call))
        later = await guard.run("s", "m1", call)
        return first, during, later

    first, during, later = asyncio.run(scenario())
    assert calls == ["x"]
    assert first == during == later == [{"text": "回复1"}]


def test_other_messages_and_senders_are_separate() -> None:
    count = 0

    async def call() -> Replies:
        nonlocal count
        count += 1
        return []

    async def scenario() -> None:
        guard = ReplyOnce()
        await guard.run("a", "m1", call)
        await guard.run("a", "m2", call)
        await guard.run("b", "m1", call)

    asyncio.run(scenario())
    assert count == 3


def test_a_failed_call_is_tried_again() -> None:
    attempts = 0

    async def call() -> Replies:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("rasa down")
        return [{"text": "好了"}]

    async def scenario() -> Replies:
        guard = ReplyOnce()
        with pytest.raises(RuntimeError, match="rasa down"):
            await guard.run("s", "m", call)
        return await guard.run("s", "m", call)

    assert asyncio.run(scenario()) == [{"text": "好了"}]
    assert attempts == 2


def test_old_entries_expire() -> None:
    now = [0.0]
    count = 0

    async def call() -> Replies:
        nonlocal count
        count += 1
        return []

    async def scenario() -> None:
        guard = ReplyOnce(ttl_seconds=10, clock=lambda: now[0])
        await guard.run("s", "m", call)
        now[0] = 11.0
        await guard.run("s", "m", call)

    asyncio.run(scenario())
    assert count == 2
