"""The load drivers: an open loop keeps its schedule whatever the server does; errors count."""

import asyncio
import time
from typing import Any

import pytest

from bench.conversations import ConversationMix, report_conversation
from bench.loops import (
    UNFINISHED,
    LoopResult,
    Send,
    TurnFailedError,
    closed_loop,
    conversation_starts,
    open_loop,
    play,
)


def test_conversations_start_evenly_at_the_offered_turn_rate() -> None:
    assert conversation_starts(20, 4, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    starts = conversation_starts(30, 4, 60)
    assert len(starts) == 450  # 30 turns/s for a minute, four turns each
    assert starts[1] - starts[0] == pytest.approx(4 / 30)
    assert conversation_starts(1, 4, 1.0) == [0.0]  # at least one conversation


@pytest.mark.parametrize(("rate", "turns", "seconds"), [(0, 4, 1), (10, 0, 1), (10, 4, 0)])
def test_a_schedule_needs_positive_figures(rate: float, turns: int, seconds: float) -> None:
    with pytest.raises(ValueError):
        conversation_starts(rate, turns, seconds)


def bot(delay: float, sent: list[tuple[float, str, str]] | None = None) -> Send:
    """A fake server answering every turn correctly after `delay` seconds."""

    async def send(sender: str, message: str) -> Any:
        if sent is not None:
            sent.append((time.monotonic(), sender, message))
        await asyncio.sleep(delay)
        if message == "/affirm":
            ticket = {"type": "ticket", "number": "LY-20261204-0001", "category": "漏水渗水"}
            return [
                {"text": "工单号 LY-20261204-0001"},
                {"custom": ticket | {"station": "天宝路社区老杨群工室"}},
            ]
        if message.startswith("1"):
            return [
                {"text": f"请核对一下：\n类别：漏水渗水\n电话：{message[:3]}****{message[-4:]}"}
            ]
        if "社区" in message or "村" in message:
            return [{"text": "留个手机号"}]
        return [{"text": "请问在哪里？"}]

    return send


class LeakMix(ConversationMix):
    """Only leak reports, so the fake server's category is right."""

    def next(self) -> Any:
        conversation = super().next()
        phone = conversation.turns[2].message
        return report_conversation("water_leak", "漏水了", "天宝路社区", phone, conversation.sender)


def test_an_open_loop_keeps_starting_conversations_on_a_slow_server() -> None:
    sent: list[tuple[float, str, str]] = []
    began = time.monotonic()
    # 20 turns/s offered for 1 s = 5 conversations, one every 0.2 s; each turn takes 0.5 s.
    result = asyncio.run(open_loop(bot(0.5, sent), LeakMix(), 20, 1.0, "fake", drain_seconds=5))
    firsts = [at - began for at, _, message in sent if message == "漏水了"]
    assert len(firsts) == 5
    for expected, actual in zip([0.0, 0.2, 0.4, 0.6, 0.8], firsts, strict=True):
        assert actual == pytest.approx(expected + 0.05, abs=0.08)  # not held back by the replies
    assert result.ok_turns == 20 and result.completed == 5 and result.wrong == result.failed == 0
    assert min(result.latencies) >= 0.5


def test_open_loop_latency_counts_from_the_scheduled_time() -> None:
    result = LoopResult("fake", "open", 1)
    due = time.monotonic() - 1.0  # the client was a second late sending it
    conversation = report_conversation("water_leak", "漏水了", "天宝路社区", "13812345678", "s")
    assert asyncio.run(play(conversation, bot(0.0), result, due))
    assert result.latencies[0] >= 1.0
    assert all(latency < 0.5 for latency in result.latencies[1:])


def test_turns_left_waiting_when_the_run_ends_are_errors() -> None:
    result = asyncio.run(
        open_loop(bot(60), LeakMix(), 8, 1.0, "fake", drain_seconds=0.3, settle_seconds=0)
    )
    assert result.conversations == 2
    assert result.failed == 2 and result.reasons[UNFINISHED] == 2 and result.ok_turns == 0


def test_a_wrong_reply_is_counted_and_ends_the_conversation() -> None:
    async def confused(sender: str, message: str) -> Any:
        return [{"text": "没太明白"}]

    result = LoopResult("fake", "closed", 1)
    conversation = report_conversation("water_leak", "漏水了", "天宝路社区", "13812345678", "s")
    assert not asyncio.run(play(conversation, confused, result))
    assert (result.wrong, result.ok_turns, result.turns) == (1, 0, 1)
    assert result.as_json()["errors"] == 1 and result.as_json()["wrong_replies"] == 1


def test_a_failed_turn_is_an_error_not_a_wrong_reply() -> None:
    async def down(sender: str, message: str) -> Any:
        raise TurnFailedError("HTTP 503")

    result = LoopResult("fake", "closed", 1)
    conversation = report_conversation("water_leak", "漏水了", "天宝路社区", "13812345678", "s")
    assert not asyncio.run(play(conversation, down, result))
    assert (result.failed, result.wrong) == (1, 0) and result.reasons["HTTP 503"] == 1


def test_a_closed_loop_keeps_each_resident_busy_until_the_time_is_up() -> None:
    result = asyncio.run(closed_loop(bot(0.01), LeakMix(), 3, 0.3, "fake"))
    assert result.completed >= 3 and result.wrong == result.failed == 0
    assert result.turns == 4 * result.conversations
    assert result.as_json()["turns_per_s"] > 0
