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

import sys
import time

from faults import scenario
from faults.common import Outage, health, wait_health
from faults.pg import PrivatePostgres

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
    parser = scenario.chat_options(__doc__, conversations=24, at_once=6)
    parser.add_argument("--down", type=float, default=8.0, help="seconds the server is stopped")
    args = parser.parse_args()
    run_id, prefix = scenario.run_names("pg")
    talks, turns = scenario.conversations(prefix, args.conversations)
    with scenario.postgres_system() as (pg, stack, api_key):
        pids = [process.pid for process in stack.processes]
        faults = [
            (turns // 4, lambda: restart(pg, stack.app_url)),
            (turns // 2, lambda: stop_for(pg, stack.app_url, args.down)),
        ]
        run = scenario.run_chat(
            stack, pg.url, prefix, talks, args.at_once, faults, api_key=api_key, run=run_id
        )
        restarted = sum(a != p.pid for a, p in zip(pids, stack.processes, strict=True))
    counts, outages = run.counts, run.outages
    figures: dict[str, object] = dict(counts)
    figures |= {
        "late_retries_answered_differently": run.late,
        "processes_restarted": restarted,
        "restart_to_health_ok_seconds": round(outages[0].seconds, 2),
        "stopped_seconds": args.down,
        "stop_to_health_ok_seconds": round(outages[1].seconds, 2),
        "health_seen_while_stopped": sorted(outages[1].health_seen),
        "health_unavailable_after_seconds": round(outages[1].noticed_after, 2),
    } | scenario.closing_figures(run)
    scenario.finish(NAME, run, figures)
    health_right = "unavailable" in outages[1].health_seen
    return 1 if scenario.failures(run) + restarted or not health_right else 0


if __name__ == "__main__":
    sys.exit(main())
