"""The database turns read-only under chat and Open311 load: reports are spooled, then filed.

Production case chosen: PostgreSQL switching to read-only (`default_transaction_read_only`
on for the whole server). That is what a managed PostgreSQL does by itself when its
storage is nearly full, and what the app meets when a failover leaves DATABASE_URL on a
standby: every write fails with SQLSTATE 25006 while reads go on, for the app and for
Rasa's tracker store alike. (A read-only SQLite file cannot be staged here honestly: the
app runs as root, whom file modes do not stop; in production it would be a filesystem
remounted read-only or a full disk, both errors the app already treats as an outage.)

A private PostgreSQL server (faults/pg.py), Rasa and the app as `laoyang run` runs them.
Residents play report conversations and an integration files Open311 reports; mid-run
the server goes read-only for some seconds, then writable again. Counted: reports
filed at once, spooled (the spool folder is watched), replayed from the spool, and
lost and duplicated, which must be 0.

    .venv/bin/python -m faults.db_readonly [--conversations 24] [--at-once 6] [--seconds 10]
"""

import sys
import threading
import time
from pathlib import Path

from api.tickets.spool import spooled
from faults import scenario
from faults.common import Outage, health, tickets_by
from faults.pg import PrivatePostgres

NAME = "db_readonly"


class SpoolWatch:
    """Every report that passes through the spool folder (by file name)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.seen |= {path.name for path in spooled(self.folder)}
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def read_only_for(pg: PrivatePostgres, url: str, seconds: float) -> Outage:
    """The whole server read-only for `seconds` (watching /health), then writable again."""
    outage = Outage()
    began = time.monotonic()
    pg.sql("ALTER SYSTEM SET default_transaction_read_only = on")
    pg.sql("SELECT pg_reload_conf()")
    while time.monotonic() - began < seconds:
        outage.health_seen.add(health(url))
        time.sleep(0.25)
    pg.sql("ALTER SYSTEM RESET default_transaction_read_only")
    pg.sql("SELECT pg_reload_conf()")
    outage.seconds = time.monotonic() - began
    return outage


def main() -> int:
    parser = scenario.chat_options(__doc__, conversations=24, at_once=6)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long it is read-only")
    args = parser.parse_args()
    run_id, prefix = scenario.run_names("ro")
    talks, turns = scenario.conversations(prefix, args.conversations)
    with scenario.postgres_system() as (pg, stack, api_key):
        watch = SpoolWatch(stack.settings.spool_dir)
        faults = [(turns // 3, lambda: read_only_for(pg, stack.app_url, args.seconds))]
        run = scenario.run_chat(
            stack, pg.url, prefix, talks, args.at_once, faults, api_key=api_key, run=run_id
        )
        watch.stop()
        tickets = sum(len(n) for n in tickets_by(pg.url, "description", "").values())
    figures: dict[str, object] = dict(run.counts)
    figures |= {
        "tickets_in_the_database": tickets,
        "reports_spooled": len(watch.seen),
        "spooled_reports_filed_once_writable": len(watch.seen),  # the spool ends empty
        "reports_filed_at_once": tickets - len(watch.seen),
        "late_retries_answered_differently": run.late,
        "read_only_seconds": args.seconds,
        "health_seen_while_read_only": sorted(run.outages[0].health_seen),
    } | scenario.closing_figures(run)
    scenario.finish(NAME, run, figures)
    return 1 if scenario.failures(run) else 0


if __name__ == "__main__":
    sys.exit(main())
