"""Engine and session plumbing shared by every domain package.

SQLite is the embedded default; PostgreSQL is used when DATABASE_URL says so.
On SQLite every transaction starts with BEGIN IMMEDIATE so that concurrent
writers queue on the busy timeout instead of failing half-way. Read-only work
(`read_only(engine)`, e.g. every GET request) begins a plain transaction instead:
in WAL mode it reads a snapshot and never waits for, or blocks, a writer; a write
attempted on it is refused before it reaches the database.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_DATABASE_TIMEOUT_SECONDS = 30.0
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for all tables; Alembic migrations are the schema source."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def _prepare_sqlite_file(url: str) -> None:
    """Create the database file's folder; a URI filename (`file:...?uri=true`) names a
    file that must already exist, and `:memory:` none, so neither gets one."""
    parsed = make_url(url)
    path = parsed.database or ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, timeout_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: an application
        # crash loses nothing, a power cut may lose the last commits (README, Configuration).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(timeout_seconds * 1000)}")
        cursor.close()

    gate = WriteGate(timeout_seconds)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        gate.leave(connection)


class WriteGate:
    """This process's writers queue here, in turn, rather than on SQLite's busy handler.

    The busy handler polls with growing sleeps (up to 100 ms), so under load a writer
    can lose the lock to newcomers again and again (seconds at p99); a lock wakes the
    next writer at once. Other processes still meet the busy timeout as before, and a
    writer that cannot get its turn within the timeout fails as a locked database does.
    """

    _KEY = "laoyang_write_gate"

    def __init__(self, timeout_seconds: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout_seconds

    def enter(self, connection: Any) -> None:
        """Wait for this connection's turn to write (raises OperationalError past the timeout)."""
        if not self._lock.acquire(timeout=self._timeout):
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, locked)
        connection.info[self._KEY] = True

    def leave(self, connection: Any) -> None:
        """Give the turn up, once, if this connection holds it (read transactions do not)."""
        if connection.info.pop(self._KEY, False):
            self._lock.release()


READ_ONLY_OPTION = "laoyang_read_only"
READ_STATEMENTS = ("SELECT", "WITH", "PRAGMA", "SHOW", "BEGIN", "COMMIT", "ROLLBACK")


class ReadOnlyViolationError(RuntimeError):
    """A write was attempted through a read-only engine (a bug in the caller)."""


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for work that only reads (see the module doc)."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def _refuse_writes_when_reading(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _check(connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any) -> None:
        reading = connection.get_execution_options().get(READ_ONLY_OPTION)
        if reading and not statement.lstrip().upper().startswith(READ_STATEMENTS):
            raise ReadOnlyViolationError(f"write on a read-only session: {statement[:40]}")


def make_engine(url: str, timeout_seconds: float = DEFAULT_DATABASE_TIMEOUT_SECONDS) -> Engine:
    """Create an engine for SQLite or PostgreSQL with the settings we rely on.

    `timeout_seconds` bounds the wait for a busy SQLite file (the busy timeout) or for
    a PostgreSQL connection: past it the call fails instead of hanging.
    """
    if is_sqlite(url):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"timeout": timeout_seconds, "check_same_thread": False}
        )
        _configure_sqlite(engine, timeout_seconds)
        _refuse_writes_when_reading(engine)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=timeout_seconds,
        connect_args={"connect_timeout": max(1, round(timeout_seconds))},
    )
    _refuse_writes_when_reading(engine)
    return engine


# PostgreSQL refusing work for a while, whatever the statement: a read-only server (a
# standby after failover, a nearly full disk), a full disk, no memory, no connections.
_UNAVAILABLE_SQLSTATES = frozenset({"25006", "53100", "53200", "53300"})


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or used at all: down, locked past the timeout,
    out of connections, refusing writes. Not a problem of one statement or one row."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in _UNAVAILABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError)


def failure_reason(exc: BaseException) -> str:
    """What went wrong, for a log line: the driver's own message, never the statement or
    its parameters (they may hold a resident's words or phone)."""
    return str(getattr(exc, "orig", None) or type(exc).__name__)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
