"""Closed- and open-loop drivers that play the scripted conversations and check every reply.

Closed loop: N residents, each starting its next conversation when the last one
ends; the server's speed sets the load, so it tells the most the system does
at N users. Open loop: conversations start on a fixed schedule whatever the
server does (a slow server cannot slow the offered load), each conversation's
next turn goes when its previous reply arrives, and latency counts from when
the turn was due: the first turn from its scheduled start, later turns from
the previous reply. What the scheduled start waited for in the client counts
too, so a client that falls behind shows up as latency instead of hiding it.

A turn is an error when it gets no answer, an HTTP error, or a reply the
script does not expect (a wrong reply); the conversation is then abandoned.
"""

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.conversations import Conversation, ConversationMix, check_reply
from bench.stats import latency_ms

# (sender, message) -> the JSON the server answered; raises TurnFailedError when it did not.
Send = Callable[[str, str], Awaitable[Any]]

UNFINISHED = "no reply before the run ended"


class TurnFailedError(Exception):
    """The server did not answer the turn properly (status, timeout, connection)."""


@dataclass
class LoopResult:
    """What one run measured; `as_json` is what goes into the results file."""

    target: str
    mode: str
    level: float  # residents (closed) or offered turns/s (open)
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ok_turns: int = 0
    failed: int = 0  # no answer or an HTTP error
    wrong: int = 0  # answered, but not what the script expects
    conversations: int = 0
    completed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def record(self, latency: float | None, error: str | None, *, wrong: bool = False) -> None:
        """One turn's outcome."""
        if latency is not None:
            self.latencies.append(latency)
        if error is None:
            self.ok_turns += 1
        elif wrong:
            self.wrong += 1
            self.reasons[error] += 1
        else:
            self.failed += 1
            self.reasons[error] += 1

    @property
    def turns(self) -> int:
        return self.ok_turns + self.failed + self.wrong

    def as_json(self) -> dict[str, Any]:
        rate = self.ok_turns / self.elapsed if self.elapsed else 0.0
        figures: dict[str, Any] = {
            "target": self.target,
            "mode": self.mode,
            "residents" if self.mode == "closed" else "offered_turns_per_s": self.level,
            "seconds": round(self.elapsed, 1),
            "turns": self.turns,
            "turns_per_s": round(rate, 2),
            "errors": self.failed + self.wrong,
            "failed": self.failed,
            "wrong_replies": self.wrong,
            "conversations": self.conversations,
            "completed_conversations": self.completed,
            "latency_ms": latency_ms(self.latencies),
            "error_reasons": dict(self.reasons.most_common(5)),
        }
        if self.mode == "open":
            figures["achieved_turns_per_s"] = figures.pop("turns_per_s")
        return figures


async def play(
    conversation: Conversation, send: Send, result: LoopResult, due: float | None = None
) -> bool:
    """Play one conversation turn by turn; whether every reply was right.

    `due` is when the first turn was meant to go (open loop); each later turn is
    due when the previous reply arrived.
    """
    result.conversations += 1
    due = time.monotonic() if due is None else due
    for turn in conversation.turns:
        try:
            replies = await send(conversation.sender, turn.message)
        except TurnFailedError as failure:
            result.record(time.monotonic() - due, str(failure))
            return False
        except asyncio.CancelledError:
            result.record(None, UNFINISHED)
            raise
        answered = time.monotonic()
        problem = check_reply(turn, replies)
        result.record(answered - due, problem, wrong=problem is not None)
        if problem is not None:
            return False
        due = answered
    result.completed += 1
    return True


async def closed_loop(
    send: Send, mix: ConversationMix, residents: int, seconds: float, target: str
) -> LoopResult:
    """`residents` at once, each playing conversations back to back for `seconds`."""
    result = LoopResult(target, "closed", residents)
    started = time.monotonic()
    deadline = started + seconds

    async def resident() -> None:
        while time.monotonic() < deadline:
            await play(mix.next(), send, result)

    await asyncio.gather(*(resident() for _ in range(residents)))
    result.elapsed = time.monotonic() - started
    return result


def conversation_starts(
    turns_per_second: float, turns_per_conversation: int, seconds: float
) -> list[float]:
    """Offsets (s) at which conversations start so that turns are offered at the given rate.

    Conversations start evenly spaced, `turns_per_conversation / turns_per_second`
    apart, for `seconds`: 20 turns/s of 4-turn conversations is one start every 0.2 s.
    """
    if turns_per_second <= 0 or turns_per_conversation <= 0 or seconds <= 0:
        raise ValueError("rate, turns and duration must be positive")
    interval = turns_per_conversation / turns_per_second
    count = max(1, math.floor(seconds / interval + 1e-9))
    return [i * interval for i in range(count)]


async def open_loop(
    send: Send,
    mix: ConversationMix,
    turns_per_second: float,
    seconds: float,
    target: str,
    drain_seconds: float = 30.0,
    settle_seconds: float = 5.0,
) -> LoopResult:
    """Start conversations on schedule for `seconds`; wait at most `drain_seconds` after.

    Turns still waiting for a reply when the drain ends are errors (UNFINISHED).
    The server goes on working on them, so the run then waits `settle_seconds`
    more before it returns, lest the next run measure this one's backlog.
    """
    result = LoopResult(target, "open", turns_per_second)
    sample = mix.next()
    offsets = conversation_starts(turns_per_second, len(sample.turns), seconds)
    begin = time.monotonic() + 0.05
    tasks: list[asyncio.Task[bool]] = []
    for index, offset in enumerate(offsets):
        due = begin + offset
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        conversation = sample if index == 0 else mix.next()
        tasks.append(asyncio.create_task(play(conversation, send, result, due)))
    _done, pending = await asyncio.wait(tasks, timeout=drain_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    result.elapsed = max(time.monotonic() - begin, seconds)
    if pending:
        await asyncio.sleep(settle_seconds)
    return result
