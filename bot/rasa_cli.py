"""The Rasa command line, with nothing sent off this machine.

Rasa 3.6 reports crashes to its vendor's error tracker and sends usage
telemetry by default. Both are switched off here, before Rasa starts. The check
of the action server's replies gets a validator built once
(`bot/action_validation.py`), and an SQLite tracker store runs in WAL mode
(`bot/tracker_sqlite.py`). Every Rasa command of the project (`make`, the
launcher, the tests) goes through this file:
`.venv-rasa/bin/python bot/rasa_cli.py <rasa arguments>`.
"""

import os
import sys
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
# The project root, so that `bot.*` imports whatever the working directory is.
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import rasa.telemetry

rasa.telemetry.initialize_error_reporting = lambda: None  # type: ignore[assignment]

from rasa.__main__ import main  # noqa: E402

from bot import action_validation, tracker_sqlite  # noqa: E402

action_validation.install()
tracker_sqlite.install()

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    sys.exit(main())
