"""A private PostgreSQL server for a fault scenario: its own data folder and loopback port.

Never the machine's shared server on 127.0.0.1:5432 (other work uses it): `initdb`
into a temporary folder, `pg_ctl start` on a free port, Unix sockets in that folder,
trust authentication on loopback only. As root, every command runs as the `postgres`
user (PostgreSQL refuses to run as root), who is given the folder.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

from api.rasa.fleet import free_port

PG_USER = "postgres"


def pg_bin() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name.split(".")[0])
    )
    if not found:
        raise FileNotFoundError("no PostgreSQL under /usr/lib/postgresql/*/bin")
    return found[-1]


class PrivatePostgres:
    """initdb, start, stop, restart; removed on exit."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, PG_USER, PG_USER)

    @property
    def url(self) -> str:
        """The app's DATABASE_URL for the server's `postgres` database."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/postgres"

    @property
    def plain_url(self) -> str:
        return self.url.replace("+psycopg", "")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", PG_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def init(self) -> "PrivatePostgres":
        self._run(
            "initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust",
            "--encoding=UTF8", "--no-locale",
        )  # fmt: skip
        return self

    def start(self) -> float:
        """Seconds until it accepts connections."""
        began = time.monotonic()
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return time.monotonic() - began

    def stop(self) -> None:
        """A fast shutdown: sessions are cut, as when the server is stopped or fails over."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> float:
        """Seconds the restart took (connections are cut)."""
        began = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - began

    def sql(self, statement: str) -> None:
        """Run one statement as the superuser."""
        with psycopg.connect(self.plain_url, autocommit=True) as conn:
            conn.execute(statement.encode())

    def __enter__(self) -> "PrivatePostgres":
        self.init().start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
