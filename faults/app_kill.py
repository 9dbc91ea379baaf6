"""Kill the app with SIGKILL in the middle of 1,000 Open311 filings: nothing lost, nothing twice.

An integration files 1,000 reports (8 at a time), each with its own
Idempotency-Key, and retries every request that gets no answer (connection
refused or cut, 5xx) until it gets one, as the Open311 contract asks of it.
After a third of them the app process is killed with SIGKILL and a new one is
started on the same database, as the supervisor would. At the end:

- every report is in the database exactly once (0 lost, 0 duplicated);
- every answer names the ticket that is in the database for that report;
- every request sent again afterwards (a late retry) gets its first ticket back.

    .venv/bin/python -m faults.app_kill [--filings 1000] [--clients 8] [--out results/faults]
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.database import make_engine, make_session_factory, transaction
from api.launcher import app_environment
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT, Settings
from api.stations.registry import import_divisions, read_division_file
from api.tickets.models import Ticket

REGISTRY = PROJECT_ROOT / "registry" / "demo_divisions.csv"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
RETRY_PAUSE_SECONDS = 0.2


@dataclass
class Filing:
    """One report and what the integration was told about it."""

    key: str
    description: str
    answer: dict[str, str] | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str) -> str:
    """Migrate, load the registry, and hand out an integration's API key."""
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        import_divisions(session, read_division_file(REGISTRY))
        account = create_account(
            session, username="fault-integration", display_name="故障演练",
            role=Role.SERVICE, station_code=None, password=None,
        )  # fmt: skip
        key = issue_token(session, account, kind=TokenKind.API_KEY, now=datetime.now(UTC)).token
    engine.dispose()
    return key


def _start_app(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", settings.app_host, "--port", str(settings.app_port), "--no-access-log",
    ]  # fmt: skip
    output = log.open("ab")
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=app_environment(settings),
        stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _wait_ready(url: str, timeout: float = 60) -> float:
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


async def _file(http: httpx.AsyncClient, api_key: str, filing: Filing) -> dict[str, str]:
    """Post until answered; returns the answer (service_request_id and/or token)."""
    body = urlencode(
        {"api_key": api_key, "service_code": "other", "address_id": "500107002001",
         "description": filing.description}
    ).encode()  # fmt: skip
    headers = {**FORM, "Idempotency-Key": filing.key}
    while True:
        filing.attempts += 1
        try:
            response = await http.post("/open311/v2/requests.json", content=body, headers=headers)
        except httpx.HTTPError as error:
            filing.failures.append(type(error).__name__)
        else:
            if response.status_code in (200, 201, 202):
                return dict(response.json()[0])
            filing.failures.append(str(response.status_code))
            if response.status_code < 500:
                raise RuntimeError(f"refused: {response.status_code} {response.text}")
        await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def _run(
    url: str,
    api_key: str,
    filings: list[Filing],
    clients: int,
    kill_after: int,
    kill: Callable[[], None],
) -> None:
    """Every filing answered, by `clients` workers; `kill` runs once after `kill_after`."""
    queue: asyncio.Queue[Filing] = asyncio.Queue()
    for filing in filings:
        queue.put_nowait(filing)
    answered = 0
    killed = False

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal answered, killed
        while not queue.empty():
            filing = queue.get_nowait()
            filing.answer = await _file(http, api_key, filing)
            answered += 1
            if answered >= kill_after and not killed:
                killed = True
                await asyncio.to_thread(kill)

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(clients)))


@dataclass
class App:
    """The app process of the run, restartable."""

    settings: Settings
    log: Path
    process: subprocess.Popen[bytes] | None = None
    downtime: float = 0.0

    def start(self) -> float:
        self.process = _start_app(self.settings, self.log)
        return _wait_ready(f"http://{self.settings.app_host}:{self.settings.app_port}")

    def kill_and_restart(self) -> None:
        assert self.process is not None
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.start()
        self.downtime = time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)


def _verify(url: str, api_key: str, database_url: str, filings: list[Filing]) -> dict[str, int]:
    """Count what the database holds against what the integration was told."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(Ticket.description, Ticket.number).where(Ticket.description.like("故障演练%"))
        ).all()
    engine.dispose()
    by_text: dict[str, list[str]] = {}
    for text, number in rows:
        posted = text.split("\n\n", 1)[0]  # the private block with the filer follows
        by_text.setdefault(posted, []).append(number)
    lost = sum(1 for f in filings if f.description not in by_text)
    duplicated = sum(len(numbers) - 1 for numbers in by_text.values())
    wrong_answer = sum(
        1
        for f in filings
        if f.answer is None or [f.answer.get("service_request_id")] != by_text.get(f.description)
    )
    late = asyncio.run(_late_retries(url, api_key, filings))
    return {
        "filings": len(filings),
        "tickets": len(rows),
        "lost": lost,
        "duplicated": duplicated,
        "answers_not_matching_the_database": wrong_answer,
        "late_retries_answered_with_another_ticket": late,
        "requests_retried": sum(1 for f in filings if f.failures),
        "attempts": sum(f.attempts for f in filings),
    }


async def _late_retries(url: str, api_key: str, filings: list[Filing]) -> int:
    """Send every request once more; count answers that differ from the first one."""
    differ = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for filing in filings:
            again = Filing(filing.key, filing.description)
            answer = await _file(http, api_key, again)
            differ += answer.get("service_request_id") != (filing.answer or {}).get(
                "service_request_id"
            )
    return differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "faults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        api_key = _prepare(database_url)
        settings = Settings(
            database_url=database_url, app_port=_free_port(), spool_dir=folder / "spool",
            open311_burst=1_000_000, open311_rate_per_minute=1_000_000.0,
        )  # fmt: skip
        app = App(settings, folder / "app.log")
        url = f"http://{settings.app_host}:{settings.app_port}"
        run_id = uuid.uuid4().hex[:8]
        filings = [
            Filing(f"fault-{run_id}-{i}", f"故障演练{run_id}第{i}号：楼道灯坏了")
            for i in range(args.filings)
        ]
        app.start()
        began = time.monotonic()
        try:
            asyncio.run(
                _run(url, api_key, filings, args.clients, args.filings // 3, app.kill_and_restart)
            )
            elapsed = time.monotonic() - began
            counts = _verify(url, api_key, database_url, filings)
        finally:
            app.stop()
    figures: dict[str, float] = dict(counts)
    figures |= {"app_down_seconds": round(app.downtime, 2), "seconds": round(elapsed, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "app_kill.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    for name, value in figures.items():
        print(f"  {name:45} {value}")
    bad = figures["lost"] + figures["duplicated"] + figures["answers_not_matching_the_database"]
    return 1 if bad + figures["late_retries_answered_with_another_ticket"] else 0


if __name__ == "__main__":
    sys.exit(main())
