"""Bringing a database to the latest schema with the Alembic migrations."""

from alembic import command
from alembic.config import Config

from api.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """Alembic's config for our migrations and the given database."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "api" / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Apply every pending migration."""
    command.upgrade(alembic_config(database_url), "head")
