"""Kill the app with SIGKILL in the middle of 1,000 Open311 filings: nothing lost, nothing twice.

An integration files 1,000 reports (8 at a time), each with its own
Idempotency-Key, and retries every request that gets no answer (connection
refused or cut, 5xx) until it gets one, as the Open311 contract asks of it.
After a third of them the app process is killed with SIGKILL and a new one is
started on the same database, as the supervisor would. At the end:

- every report is in the database exactly once (0 lost, 0 duplicated);
- every answer names the ticket that is in the database for that report;
- every request sent again afterwards (a late retry) gets its first ticket back.

    .venv/bin/python -m faults.app_kill [--filings 1000] [--clients 8] [--out results/faults]
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from faults.common import (
    RESULTS,
    lone_app,
    prepare_database,
    report,
    tickets_by,
)
from faults.open311 import Filing, file_open311

NAME = "app_kill"


async def _run(
    url: str,
    api_key: str,
    filings: list[Filing],
    clients: int,
    kill_after: int,
    kill: Callable[[], None],
) -> None:
    """Every filing answered, by `clients` workers; `kill` runs once after `kill_after`."""
    queue: asyncio.Queue[Filing] = asyncio.Queue()
    for filing in filings:
        queue.put_nowait(filing)
    answered = 0
    killed = False

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal answered, killed
        while not queue.empty():
            filing = queue.get_nowait()
            filing.answer = await file_open311(http, api_key, filing)
            answered += 1
            if answered >= kill_after and not killed:
                killed = True
                await asyncio.to_thread(kill)

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(clients)))


def _verify(url: str, api_key: str, database_url: str, filings: list[Filing]) -> dict[str, int]:
    """Count what the database holds against what the integration was told."""
    by_text = tickets_by(database_url, "description", "故障演练")
    lost = sum(1 for f in filings if f.description not in by_text)
    duplicated = sum(len(numbers) - 1 for numbers in by_text.values())
    wrong_answer = sum(
        1
        for f in filings
        if f.answer is None or [f.answer.get("service_request_id")] != by_text.get(f.description)
    )
    late = asyncio.run(_late_retries(url, api_key, filings))
    return {
        "filings": len(filings),
        "tickets": sum(len(numbers) for numbers in by_text.values()),
        "lost": lost,
        "duplicated": duplicated,
        "answers_not_matching_the_database": wrong_answer,
        "late_retries_answered_with_another_ticket": late,
        "requests_retried": sum(1 for f in filings if f.failures),
        "attempts": sum(f.attempts for f in filings),
    }


async def _late_retries(url: str, api_key: str, filings: list[Filing]) -> int:
    """Send every request once more; count answers that differ from the first one."""
    differ = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for filing in filings:
            again = Filing(filing.key, filing.description)
            answer = await file_open311(http, api_key, again)
            differ += answer.get("service_request_id") != (filing.answer or {}).get(
                "service_request_id"
            )
    return differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        api_key = prepare_database(database_url)
        app = lone_app(database_url, folder)
        url = app.url
        run_id = uuid.uuid4().hex[:8]
        filings = [
            Filing(f"fault-{run_id}-{i}", f"故障演练{run_id}第{i}号：楼道灯坏了")
            for i in range(args.filings)
        ]
        app.start()
        began = time.monotonic()
        try:
            asyncio.run(
                _run(url, api_key, filings, args.clients, args.filings // 3, app.kill_and_restart)
            )
            elapsed = time.monotonic() - began
            counts = _verify(url, api_key, database_url, filings)
        finally:
            app.stop()
    figures: dict[str, float] = dict(counts)
    figures |= {"app_down_seconds": round(app.downtime, 2), "seconds": round(elapsed, 1)}
    report(NAME, dict(figures), args.out)
    bad = figures["lost"] + figures["duplicated"] + figures["answers_not_matching_the_database"]
    return 1 if bad + figures["late_retries_answered_with_another_ticket"] else 0


if __name__ == "__main__":
    sys.exit(main())
