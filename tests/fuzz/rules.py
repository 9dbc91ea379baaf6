"""What the fuzz run sends, what it accepts back, and the tally it keeps.

A 5xx is a failure, with one documented exception, Rasa unreachable (the fuzz run does
not start Rasa): the three endpoints that proxy to Rasa answer 503 with the chat
widget's message, and the monitors' GET /health answers 503 naming Rasa and the action
server (in process the app has no socket for its own action server) while the database
is up. Any other 5xx, and a 503 for any other reason, fails.
"""

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from api.conversations.views import BOT_UNAVAILABLE

# Cases per operation: small in CI, 1,000 for the full run (FUZZ_CASES=1000).
CASES: Final = int(os.environ.get("FUZZ_CASES", "25"))

# The only legitimate 5xx: Rasa unreachable, on the endpoints that proxy to it.
RASA_PROXIES: Final = frozenset({"POST /api/chat", "POST /api/chat/restart", "POST /api/nlu/parse"})
RASA_UNREACHABLE_STATUS: Final = 503
HEALTH: Final = "GET /health"

# Sent with a staff token, never fuzzed with one: starting a retraining costs minutes of
# CPU per case (the retrain tests cover it). It is fuzzed without a token all the same.
NOT_WITH_TOKEN: Final = frozenset({"POST /api/operator/jobs"})
# Spends the token it is sent: each case gets a fresh one.
SPENDS_TOKEN: Final = "POST /api/auth/logout"
# A token is optional here (residents send none): not part of the no-token check.
OPTIONAL_TOKEN: Final = frozenset({"GET /api/tickets/{number}"})
# Answers without a token, as the spec says: only filing needs the api_key in the form.
OPEN311_POST: Final = "POST /open311/v2/requests.{fmt}"


def label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def is_legitimate_5xx(operation: str, status: int, body: Any) -> bool:
    """Rasa unreachable, as a Rasa proxy or the health check says it; nothing else."""
    if status != RASA_UNREACHABLE_STATUS or not isinstance(body, dict):
        return False
    if operation in RASA_PROXIES:
        return body.get("detail") == BOT_UNAVAILABLE
    if operation == HEALTH:
        checks = body.get("checks")
        return isinstance(checks, dict) and checks.get("database") == "ok"
    return False


@dataclass
class OperationTally:
    """What one operation answered during the run."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    rasa_unreachable: int = 0
    seconds: float = 0.0


@dataclass
class Tally:
    """Per operation and per run (with or without a token)."""

    runs: dict[tuple[str, str], OperationTally] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def record(
        self, run: str, operation: str, status: int, *, legitimate: bool, seconds: float
    ) -> None:
        entry = self.runs.setdefault((run, operation), OperationTally())
        entry.cases += 1
        entry.statuses[status] += 1
        entry.seconds += seconds
        if status >= 500:
            if legitimate:
                entry.rasa_unreachable += 1
            else:
                entry.server_errors += 1

    def lines(self) -> list[str]:
        """A Markdown table of the run, one row per operation and run."""
        rows = [
            "| run | operation | cases | 5xx | 503 Rasa | statuses | seconds |",
            "| --- | --- | ---: | ---: | ---: | --- | ---: |",
        ]
        for (run, operation), entry in sorted(self.runs.items()):
            statuses = ", ".join(f"{s}×{n}" for s, n in sorted(entry.statuses.items()))
            rows.append(
                f"| {run} | `{operation}` | {entry.cases} | {entry.server_errors} | "
                f"{entry.rasa_unreachable} | {statuses} | {entry.seconds:.1f} |"
            )
        total = sum(entry.cases for entry in self.runs.values())
        errors = sum(entry.server_errors for entry in self.runs.values())
        elapsed = time.monotonic() - self.started
        rows.append(f"\n{total} cases, {errors} unexpected 5xx, {elapsed:.0f} s")
        rows.append(f"(FUZZ_CASES={CASES} per operation and run)")
        return rows


TALLY: Final = Tally()
