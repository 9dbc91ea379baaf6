"""The system's speed and memory figures: `make bench` (full, about 20 minutes) or `--quick`.

Starts Rasa and the app on a throw-away SQLite database (free loopback ports,
temporary folders) and measures, in this order:

1. memory of every Rasa process and of the app after start;
2. chat: report conversations with every reply checked, closed loop at 8, 16
   and 32 residents and open loop at 10, 20 and 30 turns/s offered, through the
   app and straight to Rasa (bare), and the ratio app/bare;
3. memory after 10,000 chat turns (more closed-loop chat makes up the count);
4. /api/nlu/parse latency idle and with 16 callers at once (every call < 1 s);
5. promotions as operators make them (new Rasa processes replace the old), with
   the memory of the Rasa processes there are after each;

then, with the stack stopped: Open311 filing rate with 0 and 100,000 open
tickets (SQLite, and PostgreSQL with `--pg URL`), and dispatch over 100,000
stations, dense and sparse. Figures go to results/bench/ (bench.json and
README.md for a full run, quick.json and quick.md for a quick one). Exits 1
when a reply was wrong or a parse call took 1 s or more.
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat import ChatPlan, TurnCounter, chat_suite, parse_suite, top_up
from bench.dispatch import dispatch_benchmark
from bench.filing import filing_benchmark
from bench.memory import promotion_round, snapshot
from bench.report import machine, write
from bench.stack import MODEL, full_stack


@dataclass(frozen=True)
class Plan:
    """The size of a run."""

    chat: ChatPlan
    memory_turns: int
    parse_idle: int
    parse_callers: int
    parse_each: int
    promotions: int
    open_tickets: tuple[int, ...]
    filings: int
    stations: int
    queries: int


FULL = Plan(
    chat=ChatPlan((8, 16, 32), 30.0, (10.0, 20.0, 30.0), 30.0, 20.0),
    memory_turns=10_000, parse_idle=300, parse_callers=16, parse_each=20, promotions=10,
    open_tickets=(0, 100_000), filings=1000, stations=100_000, queries=100,
)  # fmt: skip
QUICK = Plan(
    chat=ChatPlan((8, 16, 32), 6.0, (5.0, 10.0), 6.0, 10.0),
    memory_turns=400, parse_idle=30, parse_callers=16, parse_each=3, promotions=2,
    open_tickets=(0, 10_000), filings=100, stations=10_000, queries=20,
)  # fmt: skip


@contextmanager
def phase(timings: dict[str, float], name: str) -> Iterator[None]:
    """Time one part of the run (kept in the figures, to watch the run's length)."""
    print(f"{name}:", flush=True)
    started = time.monotonic()
    try:
        yield
    finally:
        timings[name] = round(time.monotonic() - started, 1)


def stack_figures(plan: Plan, timings: dict[str, float]) -> dict[str, Any]:
    """Everything measured on the running system."""
    figures: dict[str, Any] = {}
    with ExitStack() as running:
        with phase(timings, "start"):
            stack = running.enter_context(full_stack(MODEL))
        memory: dict[str, Any] = {"snapshots": [snapshot(stack, "after start")]}
        counter = TurnCounter()
        with phase(timings, "chat"):
            figures["chat"] = asyncio.run(chat_suite(stack, plan.chat, counter))
        with phase(timings, "memory_turns"):
            asyncio.run(top_up(stack, counter, plan.memory_turns))
        memory["snapshots"].append(snapshot(stack, f"after {counter.turns:,} chat turns"))
        with phase(timings, "parse"):
            figures["parse"] = asyncio.run(
                parse_suite(stack.app_url, plan.parse_idle, plan.parse_callers, plan.parse_each)
            )
        print(f"  {figures['parse']}", flush=True)
        with phase(timings, "promotions"):
            promoted = promotion_round(stack, stack.settings.rasa_model_path, plan.promotions)
        memory["promotion_seconds"] = promoted["seconds"]
        memory["snapshots"] += promoted["snapshots"]
        for taken in memory["snapshots"]:
            print(f"  {taken['when']}: rasa {taken['rasa']}, app {taken['app']}", flush=True)
        figures["memory"] = memory
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run to check the tooling")
    parser.add_argument(
        "--pg", metavar="URL", help="also file on PostgreSQL (a database of its own)"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["stack", "filing", "dispatch"],
                        help="leave parts out (for checking one part)")  # fmt: skip
    parser.add_argument("--promotions", type=int, help="how many promotions (full: 10)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.promotions is not None:
        plan = replace(plan, promotions=args.promotions)
    figures: dict[str, Any] = {"label": "quick" if args.quick else "full", "machine": machine()}
    box = figures["machine"]
    print(f"machine: {box['cores']} cores, {box['ram_gib']} GiB, {box['cpu']}, "
          f"load {box['load_average_at_start']}", flush=True)  # fmt: skip
    timings: dict[str, float] = {}
    if "stack" not in args.skip:
        figures |= stack_figures(plan, timings)
    if "filing" not in args.skip:
        with phase(timings, "filing"):
            figures["filing"] = filing_benchmark(list(plan.open_tickets), plan.filings, 8, args.pg)
    if "dispatch" not in args.skip:
        with phase(timings, "dispatch"):
            figures["dispatch"] = [
                dispatch_benchmark(plan.stations, plan.queries, layout)
                for layout in ("dense", "sparse")
            ]
        for item in figures["dispatch"]:
            for code, run in item["codes"].items():
                print(f"  {item['layout']:6} {code:10} indexed {run['indexed_ms']}", flush=True)
    figures["phase_seconds"] = timings
    data, summary = write(figures, full=not args.quick)
    print(f"figures: {data}, {summary}")
    return verdict(figures)


def verdict(figures: dict[str, Any]) -> int:
    """1 (and why) when a chat reply was wrong or a parse call took a second or more."""
    wrong = sum(run["wrong_replies"] for run in figures.get("chat", {}).get("runs", []))
    slow = not figures.get("parse", {}).get("max_under_1s", True)
    if wrong:
        print(f"!!! {wrong} chat replies were not the expected ones")
    if slow:
        print("!!! a /api/nlu/parse call took 1 s or more")
    return 1 if wrong or slow else 0


if __name__ == "__main__":
    sys.exit(main())
