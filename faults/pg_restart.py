"""Restart PostgreSQL, and stop it for a while, under chat and Open311 load.

A private PostgreSQL server (faults/pg.py, never the machine's shared one) holds the
app's database and Rasa's conversations (DATABASE_URL and the tracker store point
at it). Rasa and the app run as `laoyang run` runs them. Residents play full report
conversations and an integration files Open311 reports, both retrying what gets
no answer (same message id, same Idempotency-Key); a resident told 稍后再说一次 says
it again a little later. Mid-run the server is restarted (fast shutdown: every
session cut), and later stopped for some seconds and started again. At the end:

- every conversation and every filing has exactly its one ticket (0 lost, 0 duplicated);
- the app and Rasa recovered by themselves (no process was restarted);
- /health said "unavailable" while the server was stopped and "ok" afterwards.

    .venv/bin/python -m faults.pg_restart [--conversations 24] [--at-once 6] [--down 8]
"""

import argparse
import asyncio
import sys
import time
import uuid

from eval.dialogue_stack import OPEN311_UNLIMITED
from faults.common import (
    Outage,
    health,
    prepare_database,
    report,
    supervised_stack,
    wait_health,
    wait_spool_empty,
)
from faults.open311 import verify_filings
from faults.pg import PrivatePostgres
from faults.residents import (
    chat_failures,
    conversation,
    failures_seen,
    load,
    resend_all,
    verify_chat,
)

NAME = "pg_restart"


def restart(pg: PrivatePostgres, url: str) -> Outage:
    """Restart the server; seconds until /health is ok again."""
    began = time.monotonic()
    outage = Outage()
    pg.restart()
    wait_health(url, "ok", 60)
    outage.seconds = time.monotonic() - began
    return outage


def stop_for(pg: PrivatePostgres, url: str, seconds: float) -> Outage:
    """Stop the server for `seconds` (watching /health), start it, wait for ok."""
    began = time.monotonic()
    outage = Outage()
    pg.stop()
    while time.monotonic() - began < seconds:
        said = health(url)
        if said == "unavailable" and "unavailable" not in outage.health_seen:
            outage.noticed_after = time.monotonic() - began
        outage.health_seen.add(said)
        time.sleep(0.25)
    pg.start()
    wait_health(url, "ok", 60)
    outage.health_seen.add("ok")
    outage.seconds = time.monotonic() - began
    return outage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=24)
    parser.add_argument("--at-once", type=int, default=6)
    parser.add_argument("--down", type=float, default=8.0, help="seconds the server is stopped")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    prefix = f"fault-pg-{run}"
    talks = [conversation(prefix, i) for i in range(args.conversations)]
    turns = sum(len(t.turns) for t in talks)
    with PrivatePostgres() as pg:
        api_key = prepare_database(pg.url)
        overrides = {
            "spool_replay_seconds": 1.0,
            "database_timeout_seconds": 5.0,
        } | OPEN311_UNLIMITED
        with supervised_stack(pg.url, pg.folder / "var", **overrides) as stack:
            pids = [process.pid for process in stack.processes]
            faults = [
                (turns // 4, lambda: restart(pg, stack.app_url)),
                (turns // 2, lambda: stop_for(pg, stack.app_url, args.down)),
            ]
            began = time.monotonic()
            outages, filings = asyncio.run(
                load(stack.app_url, api_key, run, talks, args.at_once, faults)
            )
            elapsed = time.monotonic() - began
            spool_seconds = wait_spool_empty(stack.settings.spool_dir)
            late = asyncio.run(resend_all(stack.app_url, talks))
            restarted = sum(a != p.pid for a, p in zip(pids, stack.processes, strict=True))
            counts = verify_chat(pg.url, stack.settings.tracker_url, prefix, talks)
            counts |= verify_filings(pg.url, stack.app_url, run, filings)
    for talk in talks:
        for line in talk.wrong:
            print(f"  {talk.sender} {line}")
    figures: dict[str, object] = dict(counts)
    figures |= {
        "late_retries_answered_differently": late,
        "processes_restarted": restarted,
        "restart_to_health_ok_seconds": round(outages[0].seconds, 2),
        "stopped_seconds": args.down,
        "stop_to_health_ok_seconds": round(outages[1].seconds, 2),
        "health_seen_while_stopped": sorted(outages[1].health_seen),
        "health_unavailable_after_seconds": round(outages[1].noticed_after, 2),
        "seconds_to_empty_the_spool_afterwards": round(spool_seconds, 1),
        "failed_chat_attempts": failures_seen(talks),
        "seconds": round(elapsed, 1),
    }
    report(NAME, figures)
    lost = counts["open311_lost"] + counts["open311_duplicated"]
    lost += counts["open311_answers_naming_another_ticket"]
    health_right = "unavailable" in outages[1].health_seen
    return 1 if chat_failures(counts) + lost + late + restarted or not health_right else 0


if __name__ == "__main__":
    sys.exit(main())
