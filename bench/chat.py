"""Chat round trips and NLU parse latency against a running system.

Each simulated resident files one water-leak report in four turns; N residents
run at once. Prints per-turn p50/p95 and turns per second. Every reply is
checked: each turn must get an answer, and the last one a ticket card; a run
with a wrong reply says so and how many.
"""

import asyncio
import time
import uuid
from typing import Any

import httpx

from bench.stats import summary_ms

TURNS = ("我家天花板漏水了", "杨家坪街道天宝路社区", "13812345678", "/affirm")
PARSE_TEXTS = ("楼上漏水到我家了", "停电了好几个小时", "邻居天天吵", "路灯坏了", "你好")


async def _resident(http: httpx.AsyncClient, latencies: list[float]) -> bool:
    """One conversation; whether every reply was the one expected."""
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    replies: list[dict[str, Any]] = []
    for text in TURNS:
        started = time.perf_counter()
        response = await http.post("/api/chat", json={"sender": sender, "message": text})
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)
        replies = response.json()
        if not replies:
            return False
    return any((reply.get("custom") or {}).get("type") == "ticket" for reply in replies)


async def chat_benchmark(app_url: str, residents: int, rounds: int) -> None:
    """Run `rounds` waves of `residents` concurrent conversations."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=app_url, timeout=120) as http:
        await _resident(http, [])  # warm-up
        started = time.perf_counter()
        outcomes: list[bool] = []
        for _ in range(rounds):
            wave = (_resident(http, latencies) for _ in range(residents))
            outcomes += await asyncio.gather(*wave)
        elapsed = time.perf_counter() - started
    print(f"chat round trip, {residents} concurrent residents: {summary_ms(latencies)}")
    print(f"conversations filed with a ticket card: {sum(outcomes)} of {len(outcomes)}")
    print(f"chat throughput: {len(latencies) / elapsed:.1f} turns/s")


def parse_benchmark(app_url: str, calls: int) -> None:
    """Sequential /api/nlu/parse calls."""
    latencies: list[float] = []
    with httpx.Client(base_url=app_url, timeout=60) as http:
        http.post("/api/nlu/parse", json={"text": "预热"})
        for i in range(calls):
            started = time.perf_counter()
            http.post("/api/nlu/parse", json={"text": PARSE_TEXTS[i % len(PARSE_TEXTS)]})
            latencies.append(time.perf_counter() - started)
    print(f"/api/nlu/parse: {summary_ms(latencies)}")
