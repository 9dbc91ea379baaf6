"""Kill the app with SIGKILL while residents report through the chat: every report once.

Rasa and the app run as `laoyang run` runs them (api/launcher.py, its supervisor
in a thread). Residents play full report conversations (problem, place, mobile,
确认提交), several at a time, each message with its id, resending with the same id
whatever gets no answer. The app (which is also Rasa's action server) is killed
with SIGKILL a few times in the middle of it and the supervisor starts it again.
At the end:

- every conversation has exactly its one ticket (0 lost, 0 duplicated), and its
  ticket card names it;
- every turn got the answer it should (no turn lost or applied twice);
- every message sent once more afterwards with its id gets its first answer back.

    .venv/bin/python -m faults.chat_app_kill [--conversations 40] [--at-once 8] [--kills 3]
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from faults.common import (
    kill_and_wait_restart,
    prepare_database,
    processes_named,
    report,
    supervised_stack,
)
from faults.residents import chat_failures, conversation, play_all, resend_all, verify_chat

NAME = "chat_app_kill"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--at-once", type=int, default=8)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    prefix = f"fault-chat-{uuid.uuid4().hex[:6]}"
    talks = [conversation(prefix, i) for i in range(args.conversations)]
    turns = sum(len(t.turns) for t in talks)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        prepare_database(database_url)
        with supervised_stack(database_url, folder / "var") as stack:
            app = processes_named(stack, "app")
            points = [turns * (k + 1) // (args.kills + 1) for k in range(args.kills)]
            faults = [(point, lambda: kill_and_wait_restart(stack, app)) for point in points]
            began = time.monotonic()
            outages = asyncio.run(play_all(stack.app_url, talks, args.at_once, faults))
            elapsed = time.monotonic() - began
            late = asyncio.run(resend_all(stack.app_url, talks))
        counts = verify_chat(database_url, stack.settings.tracker_url, prefix, talks)
    for talk in talks:
        for line in talk.wrong:
            print(f"  {talk.sender} {line}")
    figures: dict[str, object] = dict(counts)
    figures |= {
        "late_retries_answered_differently": late,
        "app_kills": len(outages),
        "app_down_seconds": [round(o.seconds, 2) for o in outages],
        "seconds": round(elapsed, 1),
    }
    report(NAME, figures)
    return 1 if chat_failures(counts) + late else 0


if __name__ == "__main__":
    sys.exit(main())
