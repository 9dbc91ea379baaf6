"""Starting and stopping the whole system: the Rasa server and the app.

`make run` ends here (through `laoyang run`), and the end-to-end tests use the
same functions, so what is tested is what residents get.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.settings import PROJECT_ROOT, Settings, default_tracker_url
from api.training.launch import model_to_serve

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
RASA_CLI = PROJECT_ROOT / "bot" / "rasa_cli.py"
MODEL_PATH = PROJECT_ROOT / "models" / "zhihuiyang.tar.gz"
VAR_DIR = PROJECT_ROOT / "var"
STARTUP_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 15.0


@dataclass
class Stack:
    """The running processes and where their logs go."""

    settings: Settings
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]

    @property
    def app_url(self) -> str:
        """The app's base URL (the chat page is at its root)."""
        return f"http://{self.settings.app_host}:{self.settings.app_port}"


def app_environment(settings: Settings) -> dict[str, str]:
    """The environment the app process reads its settings from: every setting, by name."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        env[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    env["ACTION_SERVER_URL"] = settings.effective_action_server_url
    return env


def rasa_command(settings: Settings, model: Path) -> list[str]:
    """`rasa run` on loopback, HTTP API on, protected by the token."""
    return [
        str(RASA_PYTHON), str(RASA_CLI), "run",
        "--model", str(model),
        "--endpoints", str(PROJECT_ROOT / "bot" / "endpoints.yml"),
        "--credentials", str(PROJECT_ROOT / "bot" / "credentials.yml"),
        "--interface", settings.rasa_host,
        "--port", str(settings.rasa_port),
        "--enable-api", "--auth-token", settings.rasa_token,
    ]  # fmt: skip


def _spawn(
    command: Sequence[str], env: dict[str, str], log: Path | None
) -> subprocess.Popen[bytes]:
    output = log.open("ab") if log else None
    return subprocess.Popen(
        list(command),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,
    )


def start_stack(
    settings: Settings,
    *,
    var_dir: Path = VAR_DIR,
    model: Path | None = None,
    app_log: Path | None = None,
) -> Stack:
    """Start Rasa and the app (which serves the action server) and wait until healthy.

    Without a model named, Rasa serves the version operators last promoted, or
    models/zhihuiyang.tar.gz when that is newer (see api/training/launch.py).
    """
    if not settings.rasa_token:
        settings = settings.model_copy(update={"rasa_token": secrets.token_urlsafe(24)})
        _leave_token(settings)
    model = model or model_to_serve(settings.database_url, MODEL_PATH)
    tracker = settings.tracker_url or default_tracker_url(settings.database_url, var_dir)
    settings = settings.model_copy(update={"tracker_url": tracker, "rasa_model_path": model})
    if not model.is_file():
        raise FileNotFoundError(f"no trained model at {model}; run `make model` first")
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    env = app_environment(settings)
    rasa_env = dict(
        env,
        ACTION_ENDPOINT_URL=f"{settings.effective_action_server_url}/webhook",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
    )
    rasa_log = var_dir / "log" / "rasa.log"
    app_command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", settings.app_host, "--port", str(settings.app_port), "--no-access-log",
    ]  # fmt: skip
    stack = Stack(settings, [], [rasa_log] + ([app_log] if app_log else []))
    stack.processes.append(_spawn(rasa_command(settings, model), rasa_env, rasa_log))
    stack.processes.append(_spawn(app_command, env, app_log))
    try:
        wait_until_healthy(stack)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def _leave_token(settings: Settings) -> None:
    """Write a made-up Rasa token where the operators' CLI on this host finds it."""
    path = settings.rasa_token_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(settings.rasa_token, encoding="utf-8")


def wait_until_healthy(stack: Stack, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
    """Poll the app's /health until every part is "ok"; fail fast if a process dies.

    "degraded" is not enough: it is what the app says while Rasa is still loading.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in stack.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args!r} exited with {process.returncode}; see {stack.logs}"
                )
        try:
            answer = httpx.get(f"{stack.app_url}/health", timeout=5)
            if answer.status_code == 200 and answer.json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    raise TimeoutError(f"the system was not healthy within {timeout:.0f}s; see {stack.logs}")


def stop_stack(stack: Stack) -> None:
    """Stop every process of the stack, politely first."""
    for process in stack.processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in stack.processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    token_file = stack.settings.rasa_token_file
    if token_file.is_file() and token_file.read_text(encoding="utf-8") == stack.settings.rasa_token:
        token_file.unlink()


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_forever(settings: Settings) -> int:
    """Start everything, print the chat address, and stop it all on Ctrl-C."""
    # Installed explicitly: a shell may start us with SIGINT ignored (background jobs).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)
    print("正在启动 Rasa 和应用（首次加载模型约需半分钟）……", flush=True)
    try:
        stack = start_stack(settings)  # stops what it started if interrupted
    except KeyboardInterrupt:
        print("\n已取消启动。", flush=True)
        return 130
    print(
        f"智慧杨已启动：{stack.app_url}/  （Rasa 日志：{stack.logs[0]}；按 Ctrl-C 停止）",
        flush=True,
    )
    try:
        while all(process.poll() is None for process in stack.processes):
            time.sleep(1)
        print("有进程意外退出，正在停止全部服务。", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n正在停止……", flush=True)
        return 0
    finally:
        # A second Ctrl-C (or make passing on the same signal) must not cut the
        # shutdown short and leave Rasa running: stop_stack escalates to SIGKILL itself.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stop_stack(stack)
