"""Keeping the system up: a process of the stack that dies is started again.

Rasa 3.6 leaks memory on model reloads and may be killed for it; the app may crash.
Either way residents should not wait for a person to notice, so `laoyang run`
restarts the process that died, after a back-off (1 s doubling to 30 s, forgiven
once a process has stayed up for a minute), and leaves the others running. A
process that keeps dying is tried again every 30 s for as long as it takes, and
the log says so loudly: giving up would take chat down for good.
"""

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from api.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class BackoffPolicy:
    """How long to wait before starting a dead process again."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    # Up this long, a process has recovered: its next death starts from first_delay.
    stable_after: float = 60.0
    # More deaths than crash_loop_deaths within crash_loop_window seconds is a crash loop.
    crash_loop_window: float = 60.0
    crash_loop_deaths: int = 5


@dataclass(frozen=True)
class RestartPlan:
    """What to do after one death: wait `delay` seconds, then start again."""

    delay: float
    attempt: int  # deaths in a row without a stable run in between, this one included
    recent_deaths: int  # deaths within the crash-loop window, this one included
    crash_loop: bool


class Backoff:
    """The restart delays of one process, from its history of deaths."""

    def __init__(self, policy: BackoffPolicy) -> None:
        self._policy = policy
        self._attempt = 0
        self._crash_loop = False
        self._deaths: deque[float] = deque()

    def after_death(self, *, uptime: float, now: float) -> RestartPlan:
        """The plan after a death at `now` of a process that had run for `uptime` seconds."""
        policy = self._policy
        if uptime >= policy.stable_after:
            self._attempt, self._crash_loop = 0, False
        self._attempt += 1
        self._deaths.append(now)
        while self._deaths and self._deaths[0] <= now - policy.crash_loop_window:
            self._deaths.popleft()
        # Once in a crash loop, it stays one until a stable run: at the longest delay the
        # deaths no longer bunch up within the window, yet the process is no better.
        self._crash_loop = self._crash_loop or len(self._deaths) > policy.crash_loop_deaths
        doubled = policy.first_delay * 2.0 ** min(self._attempt - 1, 30)
        delay = policy.max_delay if self._crash_loop else min(policy.max_delay, doubled)
        return RestartPlan(delay, self._attempt, len(self._deaths), self._crash_loop)


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one process of the stack, the first time and after each death.

    `command` is asked afresh at every start: Rasa must come back on the model
    operators promoted since, not on the one it first started with.
    """

    name: str
    command: Callable[[], Sequence[str]]
    env: dict[str, str]
    log: Path | None = None

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start it in a session of its own, so its whole group can be stopped."""
        output = self.log.open("ab") if self.log else None
        try:
            return subprocess.Popen(
                list(self.command()),
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )
        finally:
            if output:
                output.close()  # the child has its own copy


def exit_reason(returncode: int) -> str:
    """A returncode as an operator reads it: the signal's name, or the exit code."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = "，可能是内存不足被系统终止" if returncode == -signal.SIGKILL else ""
        return f"被信号 {name} 终止{hint}"
    return f"退出码 {returncode}"


@dataclass
class _Watched:
    spec: ProcessSpec
    backoff: Backoff
    started_at: float
    restart_at: float | None = None
    last_exit: str = ""


class Supervisor:
    """Watches the processes and starts again each one that dies.

    `processes[i]` is the running process of `specs[i]`; the list is updated in
    place, so whoever stops the stack later stops the processes started here.
    `stop()` only sets a flag: safe from a signal handler and from another thread.
    """

    def __init__(
        self,
        processes: list[subprocess.Popen[bytes]],
        specs: Sequence[ProcessSpec],
        policy: BackoffPolicy | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        if len(processes) != len(specs):
            raise ValueError("every process needs the spec it was started from")
        self.processes = processes
        self._clock = clock
        self._policy = policy or BackoffPolicy()
        now = clock()
        self._watched = [_Watched(spec, Backoff(self._policy), now) for spec in specs]
        self._stopping = False
        # Held while a pass inspects the processes, and by whoever swaps one (promotion).
        self.lock = threading.RLock()

    def stop(self) -> None:
        """Ask `run` to return; the processes keep running."""
        self._stopping = True

    @property
    def down(self) -> list[str]:
        """The names of the processes waiting to be started again."""
        return [w.spec.name for w in self._watched if w.restart_at is not None]

    def run(self, poll_seconds: float = POLL_SECONDS) -> None:
        """Check every process until `stop()` is called."""
        while not self._stopping:
            self.check()
            time.sleep(poll_seconds)

    def adopt(self, name: str, process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        """Watch `process` in place of the named one, and hand back the one it replaces.

        The old process is no longer watched: whoever swapped it stops it, and its
        exit is not a death. A restart that was due is called off.
        """
        with self.lock:
            index = [w.spec.name for w in self._watched].index(name)
            old = self.processes[index]
            self.processes[index] = process
            watched = self._watched[index]
            watched.started_at, watched.restart_at = self._clock(), None
            return old

    def check(self) -> None:
        """One pass: notice deaths, and start what is due."""
        with self.lock:
            self._check()

    def _check(self) -> None:
        for index, watched in enumerate(self._watched):
            if self._stopping:
                return
            now = self._clock()
            if watched.restart_at is None:
                process = self.processes[index]
                if process.poll() is not None:
                    signal_group(process.pid)  # what it left behind might hold its port
                    self._died(watched, exit_reason(process.returncode), now)
            elif now >= watched.restart_at:
                self._restart(index, watched, now)

    def _died(self, watched: _Watched, reason: str, now: float) -> None:
        uptime = now - watched.started_at
        plan = watched.backoff.after_death(uptime=uptime, now=now)
        watched.restart_at = now + plan.delay
        watched.last_exit = reason
        name = watched.spec.name
        logger.error(
            "%s 意外退出（%s，运行了 %.0f 秒）：%.0f 秒后重新启动（连续第 %d 次）",
            name, reason, uptime, plan.delay, plan.attempt,
        )  # fmt: skip
        if plan.crash_loop:
            logger.critical(
                "!!!!! %s 在 %.0f 秒内已退出 %d 次，一启动就挂：仍每 %.0f 秒重试一次，"
                "原因请查看 %s !!!!!",
                name, self._policy.crash_loop_window, plan.recent_deaths, plan.delay,
                watched.spec.log or "上方输出",
            )  # fmt: skip

    def _restart(self, index: int, watched: _Watched, now: float) -> None:
        spec = watched.spec
        if spec.log:
            stamp = datetime.now().isoformat(timespec="seconds")
            with spec.log.open("a", encoding="utf-8") as log:
                log.write(f"\n==== {stamp} 重新启动 {spec.name}（上次{watched.last_exit}）====\n")
        watched.started_at, watched.restart_at = now, None
        try:
            self.processes[index] = spec.spawn()
        except OSError as exc:  # e.g. its Python was removed: one more death, same back-off
            self._died(watched, f"无法启动：{exc}", now)
            return
        logger.warning("%s 已重新启动（pid %d）", spec.name, self.processes[index].pid)


def signal_group(pgid: int, signum: int = signal.SIGKILL) -> None:
    """Signal a process group that may be gone already (each process we start leads its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def stop_groups(processes: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM each process's group, then SIGKILL what is left after `grace` seconds.

    All get SIGTERM first so they finish their work side by side; each group is killed
    even when its leader left in time, since a child left behind may hold a port.
    """
    for process in processes:
        if process.poll() is None:
            signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        signal_group(process.pid)
        process.wait()
