"""A private system for the benchmarks, and the few facts about it the benchmarks need.

Rasa and the app start through `api.launcher.start_stack`, as `make run` starts
them, on free loopback ports, with a fresh SQLite database and every file the
system writes (tracker, spool, token, logs, model store) in a temporary folder,
never the project's `var/`. The app alone (no Rasa) is enough for Open311 filing.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from api.database import make_engine, make_session_factory, transaction
from api.launcher import Stack, app_environment, start_stack, stop_stack
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT, Settings
from api.stations.registry import import_divisions, read_division_file
from eval.dialogue_stack import OPEN311_UNLIMITED, private_settings, registry_file

MODEL = PROJECT_ROOT / "models" / "zhihuiyang.tar.gz"


def rasa_urls(stack: Stack) -> list[str]:
    """The base URL of each Rasa process (shard) of a stack now, in shard order.

    The one place that knows: a promotion replaces the processes and their URLs.
    """
    return [url.rstrip("/") for url in stack.rasa_urls]


def prepare_database(url: str) -> None:
    """Migrate and load the station registry."""
    upgrade_database(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        import_divisions(session, read_division_file(registry_file()))
    engine.dispose()


def bench_settings(database_url: str, var_dir: Path) -> Settings:
    """A private system's settings, with Open311's limiter out of the way of the load."""
    return private_settings(database_url, var_dir, **OPEN311_UNLIMITED)


@contextmanager
def full_stack(model: Path = MODEL) -> Iterator[Stack]:
    """Rasa and the app on a fresh SQLite database; stopped and removed on exit."""
    if not model.is_file():
        raise FileNotFoundError(f"no trained model at {model}; run `make model` first")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        database_url = f"sqlite:///{work / 'bench.db'}"
        prepare_database(database_url)
        var_dir = work / "var"
        settings = bench_settings(database_url, var_dir)
        stack = start_stack(settings, var_dir=var_dir, model=model, app_log=var_dir / "app.log")
        try:
            yield stack
        finally:
            stop_stack(stack)


@contextmanager
def app_only(database_url: str, var_dir: Path) -> Iterator[str]:
    """The app by itself (Open311 and staff work need no Rasa); yields its base URL."""
    settings = bench_settings(database_url, var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", settings.app_host, "--port", str(settings.app_port), "--no-access-log",
    ]  # fmt: skip
    with (var_dir / "app.log").open("ab") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=app_environment(settings),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://{settings.app_host}:{settings.app_port}"
    try:
        _wait_for(url, process)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/open311/v2/services.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the app did not come up")
