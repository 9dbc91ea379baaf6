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

import sys

from faults import scenario
from faults.common import kill_and_wait_restart, processes_named

NAME = "chat_app_kill"


def main() -> int:
    parser = scenario.chat_options(__doc__, conversations=40, at_once=8)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    _, prefix = scenario.run_names("chat")
    talks, turns = scenario.conversations(prefix, args.conversations)
    with scenario.sqlite_system() as (stack, database_url):
        app = processes_named(stack, "app")
        points = [turns * (k + 1) // (args.kills + 1) for k in range(args.kills)]
        faults = [(point, lambda: kill_and_wait_restart(stack, app)) for point in points]
        run = scenario.run_chat(stack, database_url, prefix, talks, args.at_once, faults)
    figures: dict[str, object] = dict(run.counts)
    figures |= {
        "late_retries_answered_differently": run.late,
        "app_kills": len(run.outages),
        "app_down_seconds": [round(o.seconds, 2) for o in run.outages],
        "seconds": round(run.seconds, 1),
    }
    scenario.finish(NAME, run, figures)
    return 1 if scenario.failures(run) else 0


if __name__ == "__main__":
    sys.exit(main())
