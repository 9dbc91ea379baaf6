"""FastAPI dependencies shared by the routers."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from api.rasa.sharded import ShardedRasa
from api.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One database session per request; read-only for GET (HTTP's safe methods).

    A read-only session never waits for SQLite's write lock, so a list or a lookup
    stays quick while reports are being filed.
    """
    state = request.app.state
    factory = (
        state.read_session_factory if request.method in SAFE_METHODS else state.session_factory
    )
    with factory() as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A read-write session even for a GET: for the few reads that first bring data in."""
    with request.app.state.session_factory() as session:
        yield session


def get_session_factory(request: Request) -> sessionmaker[Session]:
    """The app's session factory, for work that outlives the request (training jobs)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_rasa(request: Request) -> ShardedRasa:
    """The client for the Rasa servers (each resident's own shard)."""
    client: ShardedRasa = request.app.state.rasa
    return client


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RasaDep = Annotated[ShardedRasa, Depends(get_rasa)]
