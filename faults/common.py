"""What the fault scenarios share: a database of their own, the app or the whole stack on
free loopback ports, residents and integrations that retry until answered, and the report.

Everything runs in a temporary folder (never the project's var/); the processes are the
real ones (`uvicorn api.main:create_app`, `rasa run` through api/launcher.py).
"""

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from api.database import make_engine, make_session_factory, transaction
from api.launcher import Stack, app_environment, start_stack, stop_stack
from api.rasa.fleet import free_port
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT, Settings
from api.stations.registry import import_divisions, read_division_file
from api.tickets.models import Ticket
from api.tickets.spool import spooled
from eval.dialogue_stack import OPEN311_UNLIMITED, integration_key, isolated_settings

REGISTRY = PROJECT_ROOT / "registry" / "demo_divisions.csv"
RESULTS = PROJECT_ROOT / "results" / "faults"
# The processes' logs of each run are copied here (they may quote the fake residents).
LOGS = Path(tempfile.gettempdir()) / "zhihuiyang-faults"
RETRY_PAUSE_SECONDS = 0.2
Replies = list[dict[str, Any]]


def prepare_database(url: str) -> str:
    """Migrate, load the registry, and hand out an integration's API key."""
    upgrade_database(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        import_divisions(session, read_division_file(REGISTRY))
    engine.dispose()
    return integration_key(url, "fault", "故障演练")


def wait_ready(url: str, timeout: float = 60) -> float:
    """Seconds until the app answers the Open311 service list."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(f"{url}/open311/v2/services.json", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("the app did not come up")


@dataclass
class App:
    """The app process alone (no Rasa), restartable."""

    settings: Settings
    log: Path
    process: subprocess.Popen[bytes] | None = None
    downtime: float = 0.0

    @property
    def url(self) -> str:
        return f"http://{self.settings.app_host}:{self.settings.app_port}"

    def start(self) -> float:
        command = [
            sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
            "--host", self.settings.app_host, "--port", str(self.settings.app_port),
            "--no-access-log",
        ]  # fmt: skip
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=app_environment(self.settings),
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return wait_ready(self.url)

    def kill_and_restart(self) -> None:
        assert self.process is not None
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.start()
        self.downtime += time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)


def lone_app(database_url: str, folder: Path, **extra: Any) -> App:
    """The app alone on a free port, spooling under `folder`, Open311's limiter open."""
    settings = Settings(
        database_url=database_url, app_port=free_port(), spool_dir=folder / "spool",
        **OPEN311_UNLIMITED, **extra,
    )  # fmt: skip
    return App(settings, folder / "app.log")


@contextmanager
def supervised_stack(database_url: str, var_dir: Path, **overrides: Any) -> Iterator[Stack]:
    """Rasa and the app as `laoyang run` starts and keeps them (its supervisor in a thread)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    settings = isolated_settings(database_url, var_dir).model_copy(update=overrides)
    stack = start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")
    supervisor = stack.supervisor  # the one `laoyang run` runs (it also keeps the fleet)
    thread = threading.Thread(target=supervisor.run, kwargs={"poll_seconds": 0.1}, daemon=True)
    thread.start()
    try:
        yield stack
    finally:
        supervisor.stop()
        thread.join(timeout=10)
        stop_stack(stack)
        kept = LOGS / var_dir.parent.name
        shutil.copytree(var_dir / "log", kept, dirs_exist_ok=True)
        shutil.copy(var_dir / "app.log", kept / "app.log")
        print(f"  (logs of this run: {kept})")


def processes_named(stack: Stack, prefix: str) -> list[int]:
    """Indexes in `stack.processes` of the processes whose spec name starts with `prefix`."""
    return [i for i, spec in enumerate(stack.specs) if spec.name.startswith(prefix)]


@dataclass
class Outage:
    """One fault: how long until /health said ok again, and what it said meanwhile."""

    seconds: float = 0.0
    health_seen: set[str] = field(default_factory=set)
    noticed_after: float = 0.0  # seconds until /health said so


def kill_and_wait_restart(stack: Stack, indexes: list[int], timeout: float = 150) -> Outage:
    """SIGKILL these processes of the stack at once; wait until the supervisor has started
    each again and /health says ok."""
    killed = {i: stack.processes[i].pid for i in indexes}
    outage = Outage()
    started = time.monotonic()
    for pid in killed.values():
        os.killpg(pid, signal.SIGKILL)
    while True:
        restarted = all(stack.processes[i].pid != pid for i, pid in killed.items())
        status = health(stack.app_url)
        outage.health_seen.add(status)
        if restarted and status == "ok":
            outage.seconds = time.monotonic() - started
            return outage
        if time.monotonic() - started > timeout:
            raise TimeoutError("the system was not ok again in time")
        time.sleep(0.2)


def health(url: str) -> str:
    """What /health says now ("ok", "degraded", "unavailable"), or "no answer"."""
    try:
        return str(httpx.get(f"{url}/health", timeout=10).json().get("status"))
    except (httpx.HTTPError, ValueError):
        return "no answer"


def wait_health(url: str, status: str, timeout: float = 60) -> float:
    """Seconds until /health says `status`."""
    started = time.monotonic()
    while health(url) != status:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"/health did not say {status} within {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def tickets_by(database_url: str, column: str, prefix: str) -> dict[str, list[str]]:
    """Ticket numbers grouped by `column` (sender_id, or the description's first block)."""
    engine = make_engine(database_url)
    attribute = getattr(Ticket, column)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(attribute, Ticket.number).where(attribute.like(f"{prefix}%")).order_by(Ticket.id)
        ).all()
    engine.dispose()
    grouped: dict[str, list[str]] = {}
    for value, number in rows:
        grouped.setdefault(str(value).split("\n\n", 1)[0], []).append(str(number))
    return grouped


def machine() -> dict[str, Any]:
    """Where a run ran."""
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def report(name: str, figures: dict[str, Any], out: Path = RESULTS) -> None:
    """Print the figures and write them with the machine and the date to `out/<name>.json`."""
    document: dict[str, Any] = {"scenario": name}
    document["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    document |= {"machine": machine(), **figures}
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    (out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"  {key:45} {value}")


def wait_spool_empty(spool_dir: Path, timeout: float = 90) -> float:
    """Seconds until the app has filed every spooled report."""
    started = time.monotonic()
    while spooled(spool_dir):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{len(spooled(spool_dir))} reports still spooled")
        time.sleep(0.2)
    return time.monotonic() - started
