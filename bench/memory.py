"""Resident memory of the system's processes, and what promotions do to it.

Rasa 3.0 was reported to keep the old model's memory after a reload (RasaHQ/rasa
#11284), so Rasa's RSS is taken after start, after many chat turns and after
each promotion. Processes are found afresh each time from the stack's processes
and their children (/proc), so whatever Rasa processes exist then are counted:
one today, one per shard, or new ones that replaced the old.
"""

import time
from pathlib import Path
from typing import Any

import httpx

from api.launcher import Stack
from api.training.service import rasa_api


def children(pid: int) -> list[int]:
    """The direct children of a process (every thread's), [] when it is gone."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []
    return found


def descendants(roots: list[int]) -> list[int]:
    """The roots and everything below them, each once, in the order met."""
    seen: list[int] = []
    pending = list(roots)
    while pending:
        pid = pending.pop(0)
        if pid in seen:
            continue
        seen.append(pid)
        pending += children(pid)
    return seen


def command_line(pid: int) -> list[str]:
    """A process's argv, [] when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def role_of(argv: list[str]) -> str | None:
    """What a process is: "rasa" (a Rasa server), "app" (uvicorn api.main) or None."""
    if any(Path(part).name == "rasa_cli.py" for part in argv) and "run" in argv:
        return "rasa"
    if "uvicorn" in argv and any(part.startswith("api.main") for part in argv):
        return "app"
    return None


def rss_bytes(pid: int) -> int | None:
    """VmRSS of one process, None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def snapshot(stack: Stack, label: str) -> dict[str, Any]:
    """RSS (MiB) of every Rasa process and of the app, as they are now."""
    taken: dict[str, Any] = {"when": label, "rasa": [], "app": []}
    for pid in descendants([process.pid for process in stack.processes]):
        role = role_of(command_line(pid))
        size = rss_bytes(pid) if role else None
        if role and size is not None:
            taken[role].append({"pid": pid, "rss_mib": round(size / 2**20, 1)})
    return taken


def promote(stack: Stack, model: Path) -> None:
    """Serve `model` the way the operators' promotion does (api/training/service.py).

    Under the launcher that replaces every Rasa process (api/rasa/fleet.py);
    the one place to change if promotion takes another path.
    """
    rasa_api(stack.settings).load(model)


def promotion_round(stack: Stack, model: Path, promotions: int) -> dict[str, Any]:
    """Promote `promotions` times, chatting once after each; times and a snapshot after each."""
    durations: list[float] = []
    snapshots: list[dict[str, Any]] = []
    body = {"sender": "bench-promotion-0001", "message": "你好", "metadata": {}}
    for index in range(promotions):
        started = time.perf_counter()
        promote(stack, model)
        durations.append(time.perf_counter() - started)
        httpx.post(f"{stack.app_url}/api/chat", json=body, timeout=60).raise_for_status()
        snapshots.append(snapshot(stack, f"after promotion {index + 1}"))
    return {"seconds": [round(d, 2) for d in durations], "snapshots": snapshots}


def total_mib(taken: dict[str, Any], role: str) -> float:
    """The sum of one role's RSS in a snapshot."""
    return round(float(sum(entry["rss_mib"] for entry in taken[role])), 1)
