"""Where the figures go: JSON and a markdown summary in results/bench/, with the machine named."""

import json
import os
import platform
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "results" / "bench"


def cpu_model(cpuinfo: str) -> str:
    """The first "model name" of /proc/cpuinfo's text (or "unknown")."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name" and value.strip():
            return value.strip()
    return "unknown"


def ram_gib(meminfo: str) -> float | None:
    """MemTotal of /proc/meminfo's text, in GiB."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, load, date and the git commit the figures belong to."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "ram_gib": ram_gib(_read("/proc/meminfo")),
        "cpu": cpu_model(_read("/proc/cpuinfo")),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "kernel": platform.release(),
        "git_commit": commit,
        "uncommitted_changes": dirty,
    }


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:g}"


def _chat_rows(chat: dict[str, Any]) -> list[str]:
    rows = [
        "| target | loop | load | turns/s | p50 ms | p95 ms | p99 ms | turns | failed | wrong |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in chat.get("runs", []):
        closed = run["mode"] == "closed"
        load = (
            f"{run['residents']} residents"
            if closed
            else f"{run['offered_turns_per_s']:g}/s offered"
        )
        rate = run["turns_per_s"] if closed else run["achieved_turns_per_s"]
        lat = run["latency_ms"]
        rows.append(
            f"| {run['target']} | {run['mode']} | {load} | {rate:g} | {_ms(lat['p50'])} | "
            f"{_ms(lat['p95'])} | {_ms(lat['p99'])} | {run['turns']} | {run['failed']} | "
            f"{run['wrong_replies']} |"
        )
    rows += ["", "app ÷ bare Rasa:", "", "| loop | load | throughput | p50 | p95 | p99 |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for item in chat.get("app_over_bare", []):
        load = item.get("residents", item.get("offered_turns_per_s"))
        rows.append(
            f"| {item['mode']} | {load:g} | {_ms(item['throughput'])} | {_ms(item['p50'])} | "
            f"{_ms(item['p95'])} | {_ms(item['p99'])} |"
        )
    return rows


def _memory_rows(memory: dict[str, Any]) -> list[str]:
    rows = ["| when | Rasa processes (RSS MiB) | app (RSS MiB) |", "|---|---|---|"]
    for taken in memory.get("snapshots", []):
        rasa = ", ".join(f"{p['rss_mib']:g}" for p in taken["rasa"]) or "–"
        app = ", ".join(f"{p['rss_mib']:g}" for p in taken["app"]) or "–"
        rows.append(f"| {taken['when']} | {rasa} | {app} |")
    seconds = ", ".join(f"{value:g}" for value in memory.get("promotion_seconds", []))
    return [*rows, "", f"Seconds per promotion: {seconds or '–'}."]


def _parse_rows(parse: dict[str, Any]) -> list[str]:
    rows = []
    for name, item in parse.items():
        if isinstance(item, dict):
            lat = item["latency_ms"]
            rows.append(
                f"- {name}: p50 {_ms(lat['p50'])} ms, p95 {_ms(lat['p95'])} ms, "
                f"max {_ms(lat['max'])} ms, {item['errors']} errors"
            )
    return [*rows, f"- every call under 1 s: {'yes' if parse['max_under_1s'] else 'NO'}"]


def _filing_rows(filing: dict[str, Any]) -> list[str]:
    rows = [
        "| database | open tickets | filings/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, item in filing.items():
        for run in item["runs"]:
            lat = run["latency_ms"]
            rows.append(
                f"| {backend} | {run['open_tickets']:,} | {run['filings_per_s']:g} | "
                f"{_ms(lat['p50'])} | {_ms(lat['p95'])} | {_ms(lat['p99'])} | {run['errors']} |"
            )
        most = _ms(item["rate_ratio_most_to_fewest"])
        rows.append(f"| {backend} | rate ratio most/fewest | {most} | | | | |")
    return rows


def _dispatch_rows(dispatch: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| layout | code | capable stations | indexed p50 ms | p95 ms | brute-force p50 ms |",
        "|---|---|---|---|---|---|",
    ]
    for item in dispatch:
        for code, run in item["codes"].items():
            indexed, brute = run["indexed_ms"], run["brute_force_ms"]
            rows.append(
                f"| {item['layout']} ({item['stations']:,}) | {code} | "
                f"{run['capable_stations']:,} | {_ms(indexed['p50'])} | {_ms(indexed['p95'])} | "
                f"{_ms(brute['p50'])} |"
            )
    return rows


def markdown(figures: dict[str, Any]) -> str:
    """The human summary of one run."""
    box = figures["machine"]
    lines = [
        f"# Benchmark run: {figures['label']}",
        "",
        f"{box['date']}, commit `{box['git_commit'][:12]}`"
        + (" (with uncommitted changes)" if box["uncommitted_changes"] else "")
        + f"; {box['cores']} cores, {box['ram_gib']} GiB, {box['cpu']}; "
        f"load at start {box['load_average_at_start']}.",
        "",
    ]
    if figures.get("phase_seconds"):
        parts = ", ".join(f"{name} {value:g} s" for name, value in figures["phase_seconds"].items())
        lines += [f"Time per part: {parts}.", ""]
    sections: dict[str, tuple[str, Callable[[Any], list[str]]]] = {
        "chat": ("Chat (report conversations, every reply checked)", _chat_rows),
        "parse": ("/api/nlu/parse", _parse_rows),
        "memory": ("Memory", _memory_rows),
        "filing": ("Open311 filing (8 clients)", _filing_rows),
        "dispatch": ("Dispatch (nearest capable station)", _dispatch_rows),
    }
    for key, (title, rows) in sections.items():
        if key in figures:
            lines += [f"## {title}", "", *rows(figures[key]), ""]
    return "\n".join(lines)


MARKER = "<!-- figures of the last full run: written by `make bench`, everything below -->"


def write(figures: dict[str, Any], folder: Path = RESULTS, *, full: bool) -> tuple[Path, Path]:
    """The figures as JSON and markdown in `folder`; returns both paths.

    A full run writes bench.json and puts its summary into README.md below
    MARKER (what is above it, the format's description, stays); a quick run
    writes quick.json and quick.md and leaves the full run's figures alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / ("bench.json" if full else "quick.json")
    data.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not full:
        summary = folder / "quick.md"
        summary.write_text(markdown(figures) + "\n", encoding="utf-8")
        return data, summary
    summary = folder / "README.md"
    existing = summary.read_text(encoding="utf-8") if summary.is_file() else ""
    head = existing.split(MARKER, 1)[0].rstrip() if MARKER in existing else existing.rstrip()
    summary.write_text(f"{head}\n\n{MARKER}\n\n{markdown(figures)}\n", encoding="utf-8")
    return data, summary
