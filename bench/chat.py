"""Chat load through the app and straight to Rasa, and NLU parse latency.

Every run plays the scripted report conversations (bench/conversations.py)
with every reply checked; the same conversations go to the app
(`POST /api/chat`) and to bare Rasa (its REST channel, each sender on its
shard) on the same processes, so app/bare says what the app's layer costs.
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import httpx

from api.launcher import Stack
from bench.conversations import ConversationMix
from bench.loops import LoopResult, Send, closed_loop, open_loop, play
from bench.stack import rasa_urls
from bench.stats import latency_ms, ratio
from bench.targets import app_chat, bare_rasa

PARSE_TEXTS = (
    "楼上漏水到我家了", "停电了好几个小时", "邻居天天吵", "路灯坏了", "你好",
    "燃气灶打不着火", "小区垃圾好几天没人收", "电梯又坏了", "想申请低保", "单号是多少",
)  # fmt: skip


@dataclass(frozen=True)
class ChatPlan:
    """How much chat load to offer."""

    residents: tuple[int, ...]
    closed_seconds: float
    rates: tuple[float, ...]
    open_seconds: float
    drain_seconds: float


class TurnCounter:
    """Counts the turns sent through a stack, to know when memory is due."""

    def __init__(self) -> None:
        self.turns = 0

    def add(self, result: LoopResult) -> LoopResult:
        self.turns += result.turns
        return result


def targets(stack: Stack) -> dict[str, Callable[[], AbstractAsyncContextManager[Send]]]:
    """The two ways into the stack, by name."""
    return {
        "app": lambda: app_chat(stack.app_url),
        "bare_rasa": lambda: bare_rasa(rasa_urls(stack)),
    }


async def _warm_up(send: Send, mix: ConversationMix) -> None:
    warm = LoopResult("warm-up", "closed", 1)
    if not await play(mix.next(), send, warm):
        raise RuntimeError(f"the warm-up conversation failed: {dict(warm.reasons)}")


def _line(result: LoopResult) -> str:
    figures = result.as_json()
    rate = figures.get("turns_per_s", figures.get("achieved_turns_per_s"))
    lat = figures["latency_ms"]
    return (
        f"  {result.target:9} {result.mode:6} {result.level:>5g}: {rate} turns/s, "
        f"p50 {lat['p50']} p95 {lat['p95']} p99 {lat['p99']} ms, "
        f"{figures['failed']} failed, {figures['wrong_replies']} wrong"
    )


async def chat_suite(stack: Stack, plan: ChatPlan, counter: TurnCounter) -> dict[str, Any]:
    """Closed loops at each resident count and open loops at each rate, app and bare Rasa.

    The two targets take turns at each load, so neither gets all the runs on a
    fresher (or a fuller) tracker store.
    """
    runs: list[dict[str, Any]] = []
    named = targets(stack)
    mixes = {name: ConversationMix(prefix=f"bench-{name}") for name in named}
    async with named["app"]() as app, named["bare_rasa"]() as bare:
        sends = {"app": app, "bare_rasa": bare}
        for name, send in sends.items():
            await _warm_up(send, mixes[name])
        loads: list[tuple[str, float]] = [("closed", n) for n in plan.residents]
        loads += [("open", rate) for rate in plan.rates]
        for mode, level in loads:
            for name, send in sends.items():
                if mode == "closed":
                    run = closed_loop(send, mixes[name], int(level), plan.closed_seconds, name)
                else:
                    run = open_loop(
                        send, mixes[name], level, plan.open_seconds, name, plan.drain_seconds
                    )
                result = counter.add(await run)
                print(_line(result), flush=True)
                runs.append(result.as_json())
    return {"runs": runs, "app_over_bare": app_over_bare(runs)}


def app_over_bare(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each closed and open run, the app's figures divided by bare Rasa's."""
    key = {"closed": "residents", "open": "offered_turns_per_s"}
    rate = {"closed": "turns_per_s", "open": "achieved_turns_per_s"}
    bare = {(r["mode"], r[key[r["mode"]]]): r for r in runs if r["target"] == "bare_rasa"}
    ratios = []
    for run in runs:
        mode = run["mode"]
        other = bare.get((mode, run[key[mode]]))
        if run["target"] != "app" or other is None:
            continue
        ratios.append(
            {
                "mode": mode,
                key[mode]: run[key[mode]],
                "throughput": ratio(run[rate[mode]], other[rate[mode]]),
                "p50": ratio(run["latency_ms"]["p50"], other["latency_ms"]["p50"]),
                "p95": ratio(run["latency_ms"]["p95"], other["latency_ms"]["p95"]),
                "p99": ratio(run["latency_ms"]["p99"], other["latency_ms"]["p99"]),
            }
        )
    return ratios


async def top_up(stack: Stack, counter: TurnCounter, turns: int, residents: int = 16) -> None:
    """More closed-loop chat through the app until `turns` turns have gone through the stack."""
    mix = ConversationMix(prefix="bench-memory")
    async with app_chat(stack.app_url) as send:
        while counter.turns < turns:
            result = LoopResult("app", "closed", residents)

            async def resident(result: LoopResult = result) -> None:
                while counter.turns + result.turns < turns:
                    await play(mix.next(), send, result)

            await asyncio.gather(*(resident() for _ in range(residents)))
            counter.add(result)
            if result.failed + result.wrong:
                print(f"  memory top-up: {result.failed + result.wrong} turns went wrong")


async def _parse_calls(http: httpx.AsyncClient, calls: int, offset: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    for i in range(calls):
        text = PARSE_TEXTS[(offset + i) % len(PARSE_TEXTS)]
        started = time.perf_counter()
        try:
            response = await http.post("/api/nlu/parse", json={"text": text})
            ok = response.status_code == 200 and bool(response.json().get("intent", {}).get("name"))
        except (httpx.HTTPError, ValueError, AttributeError):
            ok = False
        latencies.append(time.perf_counter() - started)
        errors += not ok
    return latencies, errors


async def parse_suite(
    app_url: str, idle_calls: int, callers: int, calls_each: int
) -> dict[str, Any]:
    """`/api/nlu/parse` one call at a time, then `callers` callers at once."""
    async with httpx.AsyncClient(base_url=app_url, timeout=60) as http:
        await _parse_calls(http, 3, 0)  # warm-up
        idle, idle_errors = await _parse_calls(http, idle_calls, 0)
        both = await asyncio.gather(*(_parse_calls(http, calls_each, i) for i in range(callers)))
    busy = [value for latencies, _ in both for value in latencies]
    figures: dict[str, Any] = {
        "idle": {"latency_ms": latency_ms(idle), "errors": idle_errors},
        f"concurrent_{callers}": {
            "latency_ms": latency_ms(busy),
            "errors": sum(errors for _, errors in both),
        },
    }
    worst = max(idle + busy)
    figures["max_under_1s"] = worst < 1.0
    return figures
