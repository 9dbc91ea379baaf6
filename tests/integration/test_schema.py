"""The migrations and the ORM models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import api.models  # noqa: F401  (registers every table)
from api.database import Base


def _ours(name: str | None, type_: str, _parents: object) -> bool:
    """Only our tables: Rasa's tracker store may share the database (its `events` table)."""
    return type_ != "table" or name in Base.metadata.tables


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _ours})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
