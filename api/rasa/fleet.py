"""This host's Rasa processes, one per shard, and promotion by replacing them.

`PUT /model` on a running Rasa 3.6 takes half a minute, during which that process
answers nobody, and it keeps the old model's memory (RasaHQ/rasa#11284). So a new
model is served by new processes instead:

1. start a fresh process per shard on the candidate model, on a new port, while
   the old ones keep serving;
2. wait until each answers with that model loaded, and warm it up with one parse;
3. switch the route table (the app reads it before every message) and hand the
   new processes to the supervisor;
4. stop the old ones politely: Rasa's server finishes the turns in flight first.

If any new process fails to come up, the new ones are stopped and nothing
changes. Rollback is the same with an older model file.
"""

import contextlib
import logging
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from api.rasa.routing import RouteTable, write_routes
from api.supervisor import ProcessSpec, Supervisor, stop_groups

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 300.0
# After the switch, how long a message routed just before it has to reach its process.
SWITCH_GRACE_SECONDS = 1.0
# Rasa's server waits up to 15 s for the turns in flight (Sanic's graceful shutdown).
DRAIN_TIMEOUT_SECONDS = 30.0


class PromotionFailedError(RuntimeError):
    """The candidate model could not be served; the old processes still serve."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class ShardSlot:
    """Where one shard's process listens and which model it serves (changed by promotion)."""

    index: int
    port: int
    model: Path


CommandFor = Callable[[int, Path], list[str]]


class Fleet:
    """The shards of this host: their specs for the supervisor, the route table, promotion.

    Thread-safe: promotion runs on the control server's thread while the
    supervisor watches from the main thread; `supervisor.lock` orders them.
    """

    def __init__(
        self,
        host: str,
        slots: list[ShardSlot],
        command_for: CommandFor,
        env: dict[str, str],
        logs: list[Path],
        routes_file: Path,
        token: str,
    ) -> None:
        self.host = host
        self._token = token
        self.slots = slots
        self._command_for = command_for
        self._env = env
        self.logs = logs
        self.routes_file = routes_file
        self.control_url = ""
        self._promoting = threading.Lock()
        self._pending: list[subprocess.Popen[bytes]] = []
        self.supervisor: Supervisor | None = None

    def specs(self) -> list[ProcessSpec]:
        """How to start each shard's process; asked again at every restart."""
        return [
            ProcessSpec(
                f"rasa-{slot.index}",
                lambda slot=slot: self._command_for(slot.port, slot.model),  # type: ignore[misc]
                self._env,
                self.logs[slot.index],
            )
            for slot in self.slots
        ]

    def table(self) -> RouteTable:
        """The URL of each shard's process now."""
        return RouteTable(
            tuple(f"http://{self.host}:{slot.port}" for slot in self.slots), self.control_url
        )

    def publish(self) -> None:
        """Write the route table where the app and the operators' CLI read it."""
        write_routes(self.routes_file, self.table())

    def promote(self, model: Path, expected_model_id: str) -> None:
        """Serve `model` on every shard by replacing the processes (see the module doc)."""
        if self.supervisor is None:
            raise PromotionFailedError("the stack is not supervised yet")
        with self._promoting:
            fresh = [self._start_replacement(slot, model) for slot in self.slots]
            try:
                for port, process in fresh:
                    self._wait_ready(port, process, expected_model_id)
            except BaseException:
                self.stop_pending()
                raise
            with self.supervisor.lock:
                old = []
                for slot, (port, process) in zip(self.slots, fresh, strict=True):
                    slot.port, slot.model = port, model
                    old.append(self.supervisor.adopt(f"rasa-{slot.index}", process))
                self._pending.clear()
                self.publish()
            logger.warning("已切换到新模型 %s：%s", model.name, ", ".join(self.table().urls))
            time.sleep(SWITCH_GRACE_SECONDS)
            for process in old:
                stop_groups([process], DRAIN_TIMEOUT_SECONDS)

    def stop_pending(self) -> None:
        """Stop the processes a promotion started that do not serve yet (on failure or stop)."""
        while self._pending:
            stop_groups([self._pending.pop()], 0)

    def _start_replacement(
        self, slot: ShardSlot, model: Path
    ) -> tuple[int, subprocess.Popen[bytes]]:
        port = free_port(self.host)
        log = self.logs[slot.index]
        stamp = datetime.now().isoformat(timespec="seconds")
        with log.open("a", encoding="utf-8") as out:
            out.write(f"\n==== {stamp} 上线新模型 {model.name}：新进程在端口 {port} ====\n")
        command = self._command_for(port, model)
        process = ProcessSpec(f"rasa-{slot.index}", lambda: command, self._env, log).spawn()
        self._pending.append(process)
        return port, process

    def _wait_ready(self, port: int, process: subprocess.Popen[bytes], model_id: str) -> None:
        """Until the process serves `model_id` and has answered one parse."""
        base = f"http://{self.host}:{port}"
        auth = {"token": self._token}
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PromotionFailedError(f"新的 Rasa 进程退出了（退出码 {process.returncode}）")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                status = httpx.get(f"{base}/status", params=auth, timeout=5).json()
                # Rasa listens only once its model is loaded: any other answer is final.
                if status.get("model_id") != model_id:
                    raise PromotionFailedError("新的 Rasa 进程没能加载这个模型，请查看 Rasa 日志")
                hello = {"text": "你好"}
                warm = httpx.post(f"{base}/model/parse", params=auth, json=hello, timeout=60)
                warm.raise_for_status()
                return
            time.sleep(0.5)
        raise PromotionFailedError(f"新的 Rasa 进程在 {READY_TIMEOUT_SECONDS:.0f} 秒内没有就绪")
