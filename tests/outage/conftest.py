"""A database of the tests' own that they take down and bring back, for real.

Nothing of our code is patched. On SQLite another connection holds the write lock
(`BEGIN EXCLUSIVE`): the app starts every writing transaction with BEGIN IMMEDIATE,
so each write waits the (short) busy timeout and fails with "database is locked".
Reads of a WAL database never wait for a writer (GET requests read without the write
lock), so for them the tickets table is taken away first (renamed, committed): a read
of tickets fails at once, as it would with the file gone. On PostgreSQL the app
reaches the server through a loopback relay that the test cuts: open connections drop
and new ones are refused, as when the server stops.
"""

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url
from sqlalchemy.orm import Session, sessionmaker

from api.database import make_engine, make_session_factory, transaction
from api.rasa.fleet import free_port
from api.schema import upgrade_database
from api.settings import Settings
from api.stations.registry import import_divisions, read_division_file
from api.tickets.schemas import NewReport
from tests.conftest import registry_file
from tests.outage.relay import Relay

# How long the app waits for a locked SQLite file before its call fails.
BUSY_SECONDS = 0.5


@dataclass
class OutageDatabase:
    """A migrated database with the registry. `url` is the app's way in; `direct_url` and
    `factory` are the tests' own (on PostgreSQL they bypass the relay, on SQLite the lock
    holds them too, so tests read through them while the database is up)."""

    url: str
    direct_url: str
    factory: sessionmaker[Session]
    down: Callable[[], None]
    up: Callable[[], None]

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The database is down inside the block, and back after it."""
        self.down()
        try:
            yield
        finally:
            self.up()


class SqliteLock:
    """Takes the tickets table away and holds SQLite's write lock, from a connection of its own."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._holder: sqlite3.Connection | None = None

    def down(self) -> None:
        self._holder = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        self._holder.execute("ALTER TABLE tickets RENAME TO tickets_away")
        self._holder.execute("BEGIN EXCLUSIVE")

    def up(self) -> None:
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.execute("ALTER TABLE tickets_away RENAME TO tickets")
            self._holder.close()
            self._holder = None


def _loaded(url: str) -> sessionmaker[Session]:
    upgrade_database(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        import_divisions(session, read_division_file(registry_file()))
    return factory


@pytest.fixture(scope="package")
def outage_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutageDatabase]:
    """SQLite by default, PostgreSQL (a schema of its own) under TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = tmp_path_factory.mktemp("outage") / "outage.db"
        url = f"sqlite:///{path}"
        lock = SqliteLock(path)
        yield OutageDatabase(url, url, _loaded(url), lock.down, lock.up)
        lock.up()
        return
    schema = f"zhy_outage_{uuid.uuid4().hex[:10]}"
    plain = base.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    direct = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    relay = Relay(str(direct.host or "127.0.0.1"), int(direct.port or 5432))
    relay.up()
    relayed = direct.set(host="127.0.0.1", port=relay.port)
    try:
        direct_url = direct.render_as_string(hide_password=False)
        yield OutageDatabase(
            relayed.render_as_string(hide_password=False),
            direct_url,
            _loaded(direct_url),
            relay.down,
            relay.up,
        )
    finally:
        relay.down()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(autouse=True)
def database_back_up(outage_database: OutageDatabase) -> Iterator[None]:
    """Whatever a test did, the next one starts with the database up."""
    yield
    outage_database.up()


@pytest.fixture
def outage_settings(outage_database: OutageDatabase, tmp_path: Path) -> Settings:
    """The app on the outage database, with nothing else of ours running (no Rasa)."""
    return Settings(
        database_url=outage_database.url,
        database_timeout_seconds=BUSY_SECONDS,
        spool_dir=tmp_path / "spool",
        spool_replay_seconds=3600,  # a test that needs the replay loop sets its own
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
        webhook_worker=False,
        escalation_sweep=False,
    )


def spooled_reports(settings: Settings) -> list[NewReport]:
    """The reports waiting in the app's spool, read as files."""
    files = sorted(settings.spool_dir.glob("*.json")) if settings.spool_dir.is_dir() else []
    return [NewReport.model_validate_json(path.read_text(encoding="utf-8")) for path in files]


def wait_for(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Poll until the check holds; False if it never did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
