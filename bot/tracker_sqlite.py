"""Rasa's SQLite tracker store in WAL mode, committing without a full sync each turn.

Rasa 3.6 opens its SQLite tracker store with SQLite's defaults: a rollback journal
(a writer blocks every reader, and with several Rasa processes on one file they
queue) and a full sync on every commit. Under load the commit alone was about a
seventh of a Rasa process's CPU time. In WAL mode readers never wait for the writer,
and `synchronous=NORMAL` keeps every committed turn across a crash or kill of any
process (only a power cut may lose the last turns). `bot/rasa_cli.py` installs
this before Rasa opens the store; PostgreSQL trackers are left alone.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def install() -> None:
    """Every SQLite connection Rasa's SQLAlchemy opens from now on gets the pragmas."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
