"""Starting and stopping the whole system: the Rasa server and the app.

`make run` ends here (through `laoyang run`), and the end-to-end tests use the
same functions, so what is tested is what residents get. While it runs, a
process that dies is started again (api/supervisor.py); Ctrl-C stops everything.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.logging_setup import configure_logging
from api.rasa.control import ControlServer
from api.rasa.fleet import Fleet, ShardSlot, free_port
from api.settings import PROJECT_ROOT, Settings, default_tracker_url
from api.supervisor import ProcessSpec, Supervisor, stop_groups
from api.training.launch import model_to_serve

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
RASA_CLI = PROJECT_ROOT / "bot" / "rasa_cli.py"
MODEL_PATH = PROJECT_ROOT / "models" / "zhihuiyang.tar.gz"
VAR_DIR = PROJECT_ROOT / "var"
STARTUP_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Stack:
    """The running processes (Rasa shards first, the app last), their logs, and their keeper."""

    settings: Settings
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]
    specs: list[ProcessSpec] = field(default_factory=list)
    fleet: Fleet | None = None
    control: ControlServer | None = None
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.processes, self.specs)
        if self.fleet is not None:
            self.fleet.supervisor = self.supervisor

    @property
    def app_url(self) -> str:
        """The app's base URL (the chat page is at its root)."""
        return f"http://{self.settings.app_host}:{self.settings.app_port}"

    @property
    def rasa_urls(self) -> list[str]:
        """Each shard's Rasa base URL now, in shard order."""
        return list(self.fleet.table().urls) if self.fleet else [self.settings.rasa_url]


def app_environment(settings: Settings) -> dict[str, str]:
    """The environment the app process reads its settings from: every setting, by name."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    env["ACTION_SERVER_URL"] = settings.effective_action_server_url
    return env


def rasa_command(settings: Settings, model: Path, port: int) -> list[str]:
    """`rasa run` on loopback, HTTP API on, protected by the token."""
    return [
        str(RASA_PYTHON), str(RASA_CLI), "run",
        "--model", str(model),
        "--endpoints", str(PROJECT_ROOT / "bot" / "endpoints.yml"),
        "--credentials", str(PROJECT_ROOT / "bot" / "credentials.yml"),
        "--interface", settings.rasa_host,
        "--port", str(port),
        "--enable-api", "--auth-token", settings.rasa_token,
    ]  # fmt: skip


def _shard_ports(settings: Settings) -> list[int]:
    """Shard 0 on RASA_PORT; the others on the ports after it when free, else any free one."""
    ports = [settings.rasa_port]
    for offset in range(1, settings.shard_count):
        wanted = settings.rasa_port + offset
        ports.append(
            wanted if _is_free(settings.rasa_host, wanted) else free_port(settings.rasa_host)
        )
    return ports


def _is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_stack(
    settings: Settings,
    *,
    var_dir: Path = VAR_DIR,
    model: Path | None = None,
    app_log: Path | None = None,
) -> Stack:
    """Start the Rasa shards and the app (which serves the action server); wait until healthy.

    Without a model named, Rasa serves the version operators last promoted, or
    models/zhihuiyang.tar.gz when that is newer (see api/training/launch.py).
    Promotions while it runs replace the Rasa processes (api/rasa/fleet.py).
    """
    if not settings.rasa_token:
        settings = settings.model_copy(update={"rasa_token": secrets.token_urlsafe(24)})
        _leave_token(settings)
    model = model or model_to_serve(settings.database_url, MODEL_PATH)
    tracker = settings.tracker_url or default_tracker_url(settings.database_url, var_dir)
    routes_file = settings.launcher_routes_file
    settings = settings.model_copy(
        update={"tracker_url": tracker, "rasa_model_path": model, "rasa_routes_file": routes_file}
    )
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
    slots = [ShardSlot(i, port, model) for i, port in enumerate(_shard_ports(settings))]
    rasa_logs = [var_dir / "log" / f"rasa-{slot.index}.log" for slot in slots]
    fleet = Fleet(
        settings.rasa_host,
        slots,
        lambda port, served: rasa_command(settings, served, port),
        rasa_env,
        rasa_logs,
        routes_file,
        settings.rasa_token,
    )
    app_command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", settings.app_host, "--port", str(settings.app_port), "--no-access-log",
    ]  # fmt: skip
    specs = [*fleet.specs(), ProcessSpec("app", lambda: app_command, env, app_log)]
    control = ControlServer(fleet, settings.rasa_token, settings.rasa_host)
    fleet.control_url = control.url
    fleet.publish()  # before the app starts: it routes by this file from its first message
    processes = [spec.spawn() for spec in specs]
    stack = Stack(
        settings, processes, rasa_logs + ([app_log] if app_log else []), specs, fleet, control
    )
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
    if stack.control is not None:
        stack.control.close()  # no promotion may start a process now
    if stack.fleet is not None:
        stack.fleet.stop_pending()
    stop_groups(stack.processes, STOP_TIMEOUT_SECONDS)
    token_file = stack.settings.rasa_token_file
    if token_file.is_file() and token_file.read_text(encoding="utf-8") == stack.settings.rasa_token:
        token_file.unlink()
    if stack.fleet is not None:
        stack.fleet.routes_file.unlink(missing_ok=True)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def serve(stack: Stack) -> None:
    """Announce the address, restart what dies until SIGINT, SIGTERM or SIGHUP, stop it all.

    While supervising, the signals only set a flag, so a restart is never cut off
    between starting a process and recording it (that process would be orphaned).
    """
    try:
        supervisor = stack.supervisor
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda _signum, _frame: supervisor.stop())
        print(
            f"智慧杨已启动：{stack.app_url}/  （{len(stack.rasa_urls)} 个 Rasa 进程，"
            f"日志在 {stack.logs[0].parent}；"
            "进程意外退出会自动重启；按 Ctrl-C 停止）",
            flush=True,
        )
        supervisor.run()
    except KeyboardInterrupt:  # came before the handlers above were in place
        pass
    finally:
        # A second Ctrl-C (or make passing on the same signal) must not cut the
        # shutdown short and leave Rasa running: stop_stack escalates to SIGKILL itself.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        print("\n正在停止……", flush=True)
        stop_stack(stack)


def run_forever(settings: Settings) -> int:
    """Start everything, restart what dies, and stop it all on Ctrl-C or SIGTERM."""
    configure_logging()  # the supervisor's lines go to the terminal with a time
    # Installed explicitly: a shell may start us with SIGINT ignored (background jobs).
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_interrupt)
    print("正在启动 Rasa 和应用（首次加载模型约需半分钟）……", flush=True)
    try:
        stack = start_stack(settings)  # stops what it started if interrupted
    except KeyboardInterrupt:
        print("\n已取消启动。", flush=True)
        return 130
    serve(stack)
    print("已全部停止。", flush=True)
    return 0
