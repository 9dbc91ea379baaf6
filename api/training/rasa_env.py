"""Running Rasa's own tools in the Rasa environment (Python 3.10) from the app.

The app never imports Rasa; training, validation and scoring are child
processes whose output goes to the job's log, line by line, so progress shows.
"""

import json
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from api.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
RASA_CLI = PROJECT_ROOT / "bot" / "rasa_cli.py"
CONFIG_FILE = PROJECT_ROOT / "config.yml"
DOMAIN_FILE = PROJECT_ROOT / "bot" / "domain.yml"
_EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
_COMPONENT = re.compile(r"Starting to train component '([^']+)'")
_RESTORED = re.compile(r"Restored component '([^']+)' from cache")
# The pipeline's NLU components plus the three policies of config.yml.
COMPONENTS = 12

Progress = Callable[[str, int], None]


class RasaStepError(RuntimeError):
    """A Rasa tool exited with an error; the job log has its output."""


def _environment() -> dict[str, str]:
    return dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONUNBUFFERED="1",
    )


def _lines(stream: IO[bytes]) -> Any:
    """Output split on newlines and on the carriage returns of progress bars."""
    pending = b""
    while chunk := stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096):
        pending += chunk
        *complete, pending = re.split(rb"[\r\n]", pending)
        yield from (line.decode("utf-8", "replace") for line in complete if line.strip())
    if pending.strip():
        yield pending.decode("utf-8", "replace")


def run_logged(
    command: Sequence[str], log: Path, on_line: Callable[[str], None] | None = None
) -> None:
    """Run a command from the project root, appending its output to the log."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        process = subprocess.Popen(
            list(command),
            cwd=PROJECT_ROOT,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert process.stdout is not None
        last = ""
        for line in _lines(process.stdout):
            if not line.startswith("Epochs:") or _EPOCHS.search(line) != _EPOCHS.search(last):
                out.write(line + "\n")
                out.flush()
            last = line
            if on_line:
                on_line(line)
        code = process.wait()
    if code != 0:
        raise RasaStepError(f"{' '.join(command[1:3])} 失败（退出码 {code}），详见任务日志")


def validate_data(data_dir: Path, log: Path) -> None:
    """`rasa data validate --fail-on-warnings` on the training data, generated file included."""
    run_logged(
        [
            str(RASA_PYTHON), str(RASA_CLI), "data", "validate",
            "--domain", str(DOMAIN_FILE), "--data", str(data_dir), "--config", str(CONFIG_FILE),
            "--fail-on-warnings",
        ],
        log,
    )  # fmt: skip


class TrainingProgress:
    """Turns Rasa's training output into a percentage: components started, epochs done."""

    def __init__(self, report: Progress, start: int, end: int) -> None:
        self._report, self._start, self._end = report, start, end
        self._components = 0
        self._component = ""

    def __call__(self, line: str) -> None:
        if match := _COMPONENT.search(line):
            self._components += 1
            self._component = match[1]
            self._emit(0)
        elif match := _RESTORED.search(line):
            self._components += 1
            self._component = f"{match[1]}（沿用缓存）"
            self._emit(100)
        elif match := _EPOCHS.search(line):
            self._emit(int(match[1]))

    def _emit(self, epoch_percent: int) -> None:
        # Each component trained or restored from Rasa's cache is one step, and the
        # epochs of DIET and TED are progress through theirs.
        done = min(self._components - 1 + epoch_percent / 100, COMPONENTS) / COMPONENTS
        percent = self._start + int((self._end - self._start) * max(done, 0.0))
        self._report(f"训练：{self._component}", percent)


def train(data_dir: Path, out_dir: Path, name: str, log: Path, progress: TrainingProgress) -> Path:
    """`rasa train` (NLU and dialogue) into an empty out_dir, reusing Rasa's cache.

    No `--force`: that would bypass the cache, and components whose inputs did
    not change (the dialogue policies, when only examples were added) would be
    trained again. out_dir must be new, or Rasa hands back an older model there.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    run_logged(
        [
            str(RASA_PYTHON), str(RASA_CLI), "train",
            "--domain", str(DOMAIN_FILE), "--data", str(data_dir), "--config", str(CONFIG_FILE),
            "--out", str(out_dir), "--fixed-model-name", name,
        ],
        log,
        progress,
    )  # fmt: skip
    model = out_dir / f"{name}.tar.gz"
    if not model.is_file():
        raise RasaStepError(f"训练结束但没有生成模型文件 {model.name}")
    return model


def compare(
    serving: Path, candidate: Path, reviewed: list[dict[str, str]], work_dir: Path, log: Path
) -> dict[str, Any]:
    """eval/compare.py: both models on the held-out test set and the reviewed messages."""
    work_dir.mkdir(parents=True, exist_ok=True)
    reviewed_file = work_dir / "reviewed.json"
    reviewed_file.write_text(json.dumps(reviewed, ensure_ascii=False), encoding="utf-8")
    out = work_dir / "comparison.json"
    run_logged(
        [
            str(RASA_PYTHON), "-m", "eval.compare", "--serving", str(serving),
            "--candidate", str(candidate), "--reviewed", str(reviewed_file), "--out", str(out),
        ],
        log,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result
