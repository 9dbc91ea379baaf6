"""The app's database sessions, with everything a commit must carry.

Every entry point (the app, each CLI command) opens the database here, so no
path can write ticket events without also writing their webhook deliveries in
the same transaction.
"""

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.database import DEFAULT_DATABASE_TIMEOUT_SECONDS, make_engine, make_session_factory
from api.webhooks.outbox import install_outbox


def open_database(
    url: str, timeout_seconds: float = DEFAULT_DATABASE_TIMEOUT_SECONDS
) -> tuple[Engine, sessionmaker[Session]]:
    """An engine and a session factory whose flushes fill the webhook outbox."""
    engine = make_engine(url, timeout_seconds)
    factory = make_session_factory(engine)
    install_outbox(factory)
    return engine, factory
