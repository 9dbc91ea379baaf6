"""Kill Rasa with SIGKILL while residents report through the chat; the supervisor restarts it.

Rasa and the app run as `laoyang run` runs them (api/launcher.py, its supervisor
in a thread); every process whose spec name starts with "rasa" (one, or one per
shard) is killed at once in the middle of the conversations. Meanwhile residents
get the quick 503 智慧杨暂时联系不上，请稍后再试。 and resend with the same message
id; once Rasa is back they carry on where they were (the conversation is in Rasa's
SQL tracker store). At the end every conversation has exactly its one ticket, every
turn got the answer it should, Rasa took every message exactly once, and /health
said "degraded" (not "unavailable") while Rasa was down.

    .venv/bin/python -m faults.rasa_kill [--conversations 32] [--at-once 8] [--kills 1] [--shards 1]
"""

import sys

from api.conversations.views import BOT_UNAVAILABLE
from faults import scenario
from faults.common import kill_and_wait_restart, processes_named
from faults.residents import failures_seen

NAME = "rasa_kill"


def main() -> int:
    parser = scenario.chat_options(__doc__, conversations=32, at_once=8)
    parser.add_argument("--kills", type=int, default=1)
    parser.add_argument(
        "--shards", type=int, default=2, help="Rasa processes (make run: one a core)"
    )
    args = parser.parse_args()
    _, prefix = scenario.run_names("rasa")
    talks, turns = scenario.conversations(prefix, args.conversations)
    with scenario.sqlite_system(rasa_shards=args.shards) as (stack, database_url):
        rasa = processes_named(stack, "rasa")
        points = [turns * (k + 1) // (args.kills + 2) for k in range(args.kills)]
        faults = [(point, lambda: kill_and_wait_restart(stack, rasa)) for point in points]
        run = scenario.run_chat(stack, database_url, prefix, talks, args.at_once, faults)
    seen = failures_seen(talks)
    polite = seen.pop(f"503 {BOT_UNAVAILABLE}", 0)
    health_seen = sorted({status for o in run.outages for status in o.health_seen})
    figures: dict[str, object] = dict(run.counts)
    figures |= {
        "late_retries_answered_differently": run.late,
        "rasa_processes_killed": len(rasa) * len(run.outages),
        "rasa_down_seconds": [round(o.seconds, 2) for o in run.outages],
        "answers_503_say_later": polite,
        "other_failed_attempts": seen,
        "health_seen_meanwhile": health_seen,
        "seconds": round(run.seconds, 1),
    }
    scenario.finish(NAME, run, figures)
    bad = scenario.failures(run) + ("unavailable" in health_seen)
    return 1 if bad or not polite else 0


if __name__ == "__main__":
    sys.exit(main())
