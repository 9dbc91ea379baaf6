"""The supervisor on real processes (stand-ins that sleep or exit), not Rasa: restarts,
what the log says, and Ctrl-C or SIGTERM leaving no process behind."""

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.settings import PROJECT_ROOT
from api.supervisor import ProcessSpec, Supervisor


def sleeper(name: str, log: Path | None = None) -> ProcessSpec:
    return ProcessSpec(name, lambda: ["sleep", "300"], dict(os.environ), log)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def eventually(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture
def watched() -> Iterator[tuple[list[subprocess.Popen[bytes]], Supervisor]]:
    specs = [sleeper("rasa"), sleeper("app")]
    processes = [spec.spawn() for spec in specs]
    supervisor = Supervisor(processes, specs)
    thread = threading.Thread(target=supervisor.run, kwargs={"poll_seconds": 0.1}, daemon=True)
    thread.start()
    yield processes, supervisor
    supervisor.stop()
    thread.join(timeout=5)
    for process in processes:
        process.kill()
        process.wait()


def test_a_killed_process_is_started_again_and_the_other_keeps_running(
    watched: tuple[list[subprocess.Popen[bytes]], Supervisor], caplog: pytest.LogCaptureFixture
) -> None:
    processes, _ = watched
    rasa, app = processes[0].pid, processes[1].pid
    os.kill(rasa, signal.SIGKILL)
    # The first restart comes after one second.
    assert eventually(lambda: processes[0].pid != rasa, 5)
    assert alive(processes[0].pid)
    assert processes[1].pid == app and alive(app)
    said = [r.getMessage() for r in caplog.records if r.name == "api.supervisor"]
    assert any("rasa" in line and "SIGKILL" in line for line in said), said
    assert any("rasa 已重新启动" in line for line in said), said


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_process_that_keeps_dying_is_retried_for_ever_and_reported_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "rasa.log"
    spec = ProcessSpec("rasa", lambda: ["sh", "-c", "exit 3"], dict(os.environ), log)
    clock = FakeClock()
    processes = [spec.spawn()]
    supervisor = Supervisor(processes, [spec], clock=clock)
    starts = 1
    for delay in [1, 2, 4, 8, 16, 30, 30, 30]:
        processes[0].wait(timeout=30)
        supervisor.check()  # notices the death
        clock.now += delay - 0.5
        supervisor.check()
        assert supervisor.down == ["rasa"], f"started again before its {delay} s were up"
        clock.now += 0.5
        supervisor.check()
        assert supervisor.down == [], f"not started again after {delay} s"
        starts += 1
    processes[0].wait(timeout=30)

    assert starts == 9
    deaths = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(deaths) == 8 and all("退出码 3" in line for line in deaths)
    loud = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    # Six deaths within the minute (at 0, 1, 3, 7, 15 and 31 s) and every one after.
    assert len(loud) == 3
    assert all(line.startswith("!!!!!") and str(log) in line for line in loud)
    assert log.read_text(encoding="utf-8").count("重新启动 rasa（上次退出码 3）") == 8


STAND_IN_LAUNCHER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from api.launcher import Stack, serve
    from api.settings import Settings
    from api.supervisor import ProcessSpec

    folder = Path(sys.argv[1])
    settings = Settings(rasa_token="stand-in", rasa_token_file=folder / "rasa-token")
    specs = [
        ProcessSpec(name, lambda: ["sleep", "300"], dict(os.environ)) for name in ("rasa", "app")
    ]
    serve(Stack(settings, [spec.spawn() for spec in specs], [folder / "rasa.log"], specs))
    print("stopped", flush=True)
    """
)


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_every_process_even_one_started_again(
    tmp_path: Path, stop_with: signal.Signals
) -> None:
    launcher = subprocess.Popen(
        [sys.executable, "-c", STAND_IN_LAUNCHER, str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert eventually(lambda: len(children_of(launcher.pid)) == 2, 20)
        first = children_of(launcher.pid)
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        assert eventually(lambda: len(children_of(launcher.pid) - first) == 1, 10)
        running = children_of(launcher.pid)

        launcher.send_signal(stop_with)
        out, err = launcher.communicate(timeout=30)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    assert launcher.returncode == 0, err
    assert out.strip().splitlines()[-1] == "stopped"
    assert "SIGKILL" in err
    assert not [pid for pid in first | running if alive(pid)]
