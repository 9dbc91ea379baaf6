"""Promotion's cost: how long Rasa takes to hot-swap a model, and what it does to its memory.

Rasa 3.0 was reported to keep the old model's memory after a reload (RasaHQ/rasa
#11284); our target is Rasa's RSS after swaps ≤ 1.10 × its RSS after the first
load. Swaps the served model for itself through the same API promotion uses.
"""

import time
from pathlib import Path

import httpx

from api.launcher import Stack
from api.training.serving import RasaModelAPI
from bench.stats import summary_ms

PAGE = 4096


def _rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants (from /proc)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/statm").read_text().split()
            total += int(fields[1]) * PAGE
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(child) for child in children]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def model_swap_benchmark(stack: Stack, model: Path, swaps: int) -> None:
    """Swap the model `swaps` times, chatting once after each; print times and memory."""
    rasa = RasaModelAPI(stack.settings.rasa_url, stack.settings.rasa_token)
    rasa_pid = stack.processes[0].pid
    body = {"sender": "bench-swap", "message": "你好", "metadata": {}}
    httpx.post(f"{stack.app_url}/api/chat", json=body, timeout=60).raise_for_status()
    before = _rss_bytes(rasa_pid)
    durations = []
    for _ in range(swaps):
        start = time.perf_counter()
        rasa.load(model)
        durations.append(time.perf_counter() - start)
        httpx.post(f"{stack.app_url}/api/chat", json=body, timeout=60).raise_for_status()
    after = _rss_bytes(rasa_pid)
    print(f"model hot-swap ({swaps}×): {summary_ms(durations)}")
    print(
        f"Rasa RSS: {before / 2**20:.0f} MiB after load, {after / 2**20:.0f} MiB after "
        f"{swaps} swaps = {after / before:.2f}× (target ≤ 1.10×)"
    )
