"""Where blind-set results go, and how a blind run keeps items off the terminal.

The blind sets (`eval/blind/`, never committed) are scored by `eval/blind_messages.py`
and `eval/dialogues.py`. Contract shared by both:

- per-item results (texts, predictions, failed checks) go only into JSON files under
  `results/blind/`; the terminal gets aggregate figures and file names;
- whatever a library would print while items are processed goes into a log file
  beside the results (`quiet_into`), not to the terminal;
- an input error names a position and a field, never a value (`BlindInputError`);
- an unexpected error is written with its traceback to a log under `results/blind/`
  and named on the terminal by its type only (`report_failure`), because its message
  could quote an item.

Standard library only: both the Rasa environment (Python 3.10) and the app's use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import traceback
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BLIND_DIR = ROOT / "eval" / "blind"
RESULTS_DIR = ROOT / "results" / "blind"
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class BlindInputError(ValueError):
    """A blind file is unusable; the message names where and which field, not the content."""


def check_label(label: str) -> str:
    """The run's label, safe as part of a file name; ValueError otherwise."""
    if not LABEL.fullmatch(label):
        raise ValueError("a label is 1–64 letters, digits, '.', '_' or '-'")
    return label


def result_path(kind: str, label: str, suffix: str = ".json") -> Path:
    """results/blind/<kind>-<label><suffix>."""
    return RESULTS_DIR / f"{kind}-{check_label(label)}{suffix}"


def shown(path: Path) -> str:
    """A path as the terminal shows it: relative to the project when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write the payload as readable UTF-8 JSON, creating results/blind/ when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")


def file_digest(path: Path) -> str:
    """A short SHA-256 of a file, to tell versions of a set apart in the results."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:5.1f}%"


@contextlib.contextmanager
def quiet_into(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors 1 and 2) into `log`.

    Catches what Python, TensorFlow or any library writes while items are processed.
    Restored on exit, also after an exception; an empty log is removed.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    if log.stat().st_size == 0:
        log.unlink()  # nothing was written: leave no empty file behind


def report_failure(error: BaseException, log: Path) -> int:
    """Append the traceback to `log`, print only the error's type and the log's name: 1."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"--- {now_utc()}\n")
        traceback.print_exception(type(error), error, error.__traceback__, file=handle)
    print(
        f"failed with {type(error).__name__}; the traceback is in {shown(log)}",
        file=sys.stderr,
    )
    return 1
