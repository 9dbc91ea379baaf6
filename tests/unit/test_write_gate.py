"""SQLite writers of one process take turns at a lock, not on SQLite's polling busy handler."""

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from api.database import make_engine, read_only


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    made = make_engine(f"sqlite:///{tmp_path / 'gate.db'}", timeout_seconds=0.5)
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield made
    made.dispose()


def _begins(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(f"{threading.current_thread().name}:{statement}")

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_a_second_writer_waits_for_its_turn_before_asking_sqlite(engine: Engine) -> None:
    seen = _begins(engine)
    done = threading.Event()

    def second() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        waiter = threading.Thread(target=second, name="second")
        waiter.start()
        assert not done.wait(0.2)
        assert not any(item.startswith("second:") for item in seen)
    waiter.join(5)
    assert done.is_set()
    assert "second:BEGIN IMMEDIATE" in seen
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 2


def test_a_writer_whose_turn_does_not_come_fails_as_a_locked_database(engine: Engine) -> None:
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (2)"))
        except OperationalError as exc:
            failures.append(exc)

    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(5)
    assert len(failures) == 1 and "locked" in str(failures[0])


def test_readers_never_wait_and_every_ending_gives_the_turn_back(engine: Engine) -> None:
    with engine.begin() as writing:
        writing.execute(text("INSERT INTO t VALUES (1)"))
        with read_only(engine).connect() as reading:
            assert reading.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    with engine.connect() as connection:  # closed without commit: rolled back
        connection.execute(text("INSERT INTO t VALUES (2)"))
    failing = engine.connect()
    with pytest.raises(OperationalError):
        failing.execute(text("INSERT INTO missing VALUES (1)"))
    failing.rollback()
    failing.close()
    with engine.begin() as connection:  # the turn is free again
        connection.execute(text("INSERT INTO t VALUES (3)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 3]
