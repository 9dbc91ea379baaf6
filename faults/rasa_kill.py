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

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from api.conversations.views import BOT_UNAVAILABLE
from faults.common import (
    kill_and_wait_restart,
    prepare_database,
    processes_named,
    report,
    supervised_stack,
)
from faults.residents import (
    chat_failures,
    conversation,
    failures_seen,
    play_all,
    resend_all,
    verify_chat,
)

NAME = "rasa_kill"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=32)
    parser.add_argument("--at-once", type=int, default=8)
    parser.add_argument("--kills", type=int, default=1)
    parser.add_argument(
        "--shards", type=int, default=2, help="Rasa processes (make run: one a core)"
    )
    args = parser.parse_args()
    prefix = f"fault-rasa-{uuid.uuid4().hex[:6]}"
    talks = [conversation(prefix, i) for i in range(args.conversations)]
    turns = sum(len(t.turns) for t in talks)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        prepare_database(database_url)
        with supervised_stack(database_url, folder / "var", rasa_shards=args.shards) as stack:
            rasa = processes_named(stack, "rasa")
            points = [turns * (k + 1) // (args.kills + 2) for k in range(args.kills)]
            faults = [(point, lambda: kill_and_wait_restart(stack, rasa)) for point in points]
            began = time.monotonic()
            outages = asyncio.run(play_all(stack.app_url, talks, args.at_once, faults))
            elapsed = time.monotonic() - began
            late = asyncio.run(resend_all(stack.app_url, talks))
            counts = verify_chat(database_url, stack.settings.tracker_url, prefix, talks)
    seen = failures_seen(talks)
    polite = seen.pop(f"503 {BOT_UNAVAILABLE}", 0)
    for talk in talks:
        for line in talk.wrong:
            print(f"  {talk.sender} {line}")
    health_seen = sorted({status for o in outages for status in o.health_seen})
    figures: dict[str, object] = dict(counts)
    figures |= {
        "late_retries_answered_differently": late,
        "rasa_processes_killed": len(rasa) * len(outages),
        "rasa_down_seconds": [round(o.seconds, 2) for o in outages],
        "answers_503_say_later": polite,
        "other_failed_attempts": seen,
        "health_seen_meanwhile": health_seen,
        "seconds": round(elapsed, 1),
    }
    report(NAME, figures)
    bad = chat_failures(counts) + late + ("unavailable" in health_seen)
    return 1 if bad or not polite else 0


if __name__ == "__main__":
    sys.exit(main())
