"""Rasa's own SQLite tracker store, opened as `bot/rasa_cli.py` opens it: WAL, no full sync."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("rasa")

from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from bot import tracker_sqlite  # noqa: E402


def test_the_tracker_file_is_in_wal_mode_and_a_reader_never_waits(tmp_path: Path) -> None:
    tracker_sqlite.install()
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker("resident-1", slots=[])
    tracker.update(UserUttered("我家停水了"))
    asyncio.run(store.save(tracker))

    probe = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    assert probe.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # A writer holding the lock (another Rasa process mid-turn) does not stop a reader.
    writer = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM events")
    assert probe.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    writer.execute("ROLLBACK")
    kept = asyncio.run(store.retrieve("resident-1"))
    assert kept is not None and kept.latest_message.text == "我家停水了"
