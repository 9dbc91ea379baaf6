"""Where opening a SQLite database creates folders, and where it must not."""

from pathlib import Path

import pytest
from sqlalchemy import text

from api.database import make_engine


def test_a_new_database_file_gets_its_folder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'app.db'}")
    with engine.connect() as connection:
        connection.execute(text("select 1"))
    engine.dispose()
    assert (tmp_path / "nested" / "app.db").is_file()


def test_a_uri_filename_creates_nothing_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only URI (`file:...?mode=ro`) once left a `file:/...` folder tree behind."""
    database = tmp_path / "existing.db"
    writer = make_engine(f"sqlite:///{database}")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    # A WAL database opens read-only while a writer keeps its shared-memory file.
    with writer.connect() as held:
        held.execute(text("create table if not exists probe (id integer)"))
        held.commit()
        engine = make_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
        with engine.connect() as connection:
            assert connection.execute(text("select count(*) from probe")).scalar() == 0
        engine.dispose()
    writer.dispose()
    assert list(work.iterdir()) == []
