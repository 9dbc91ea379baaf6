"""A private running system for playing the blind conversations.

Started the way tests/conftest.py's `live` fixture starts it: a fresh SQLite database in
a temporary folder, migrated with `api.schema.upgrade_database`, the station registry
imported, Rasa and the app through `api.launcher.start_stack` on free loopback ports,
with a temporary var dir (spool, token file, tracker, logs and the operators' copies all
inside it, never the project's var/). A district operator logs in through
/api/auth/token for the staff steps. Everything is stopped and removed on exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.database import make_engine, make_session_factory, transaction
from api.launcher import Stack, start_stack, stop_stack
from api.rasa.fleet import free_port
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT, Settings
from api.stations.registry import import_divisions, read_division_file, short_name

SHARED_REGISTRY = PROJECT_ROOT.parent / "shared" / "data" / "jiulongpo_divisions.csv"
DEMO_REGISTRY = PROJECT_ROOT / "registry" / "demo_divisions.csv"
# Settings that let one integration file as fast as it likes (Open311's limiter).
OPEN311_UNLIMITED: dict[str, Any] = {"open311_burst": 1_000_000, "open311_rate_per_minute": 1e6}


def registry_file() -> Path:
    """The full district list when it is beside the project, else the demo extract."""
    return SHARED_REGISTRY if SHARED_REGISTRY.is_file() else DEMO_REGISTRY


@dataclass(frozen=True)
class Division:
    """A registry division as the place checks name it."""

    level: str
    short_name: str


@dataclass
class EvalStack:
    """The running system, its database and a staff token."""

    stack: Stack
    session_factory: sessionmaker[Session]
    staff_token: str
    divisions: dict[str, Division]
    registry: Path

    @property
    def app_url(self) -> str:
        return self.stack.app_url


def private_settings(database_url: str, var_dir: Path, **extra: Any) -> Settings:
    """Settings for a system of its own, the base every private system (bench, faults, eval)
    builds on: free loopback ports, a fresh Rasa token, every file it writes under `var_dir`
    (never the project's `var/`), and no webhook worker or 督办 sweep (callers drive them)."""
    return Settings(
        database_url=database_url,
        app_port=free_port(),
        rasa_port=free_port(),
        rasa_token=uuid.uuid4().hex,
        webhook_worker=False,
        escalation_sweep=False,
        model_store=var_dir / "models",
        training_workspace=var_dir / "training",
        conversation_tests_dir=var_dir / "conversation-tests",
        spool_dir=var_dir / "spool",
        rasa_token_file=var_dir / "run" / "rasa-token",
        **extra,
    )


def isolated_settings(database_url: str, var_dir: Path, shards: int = 1) -> Settings:
    """`private_settings` with a copy of the training data under `var_dir` (operators may
    retrain). One Rasa process unless `shards` says more (`make run` starts one per core)."""
    data_dir = var_dir / "data"
    shutil.copytree(PROJECT_ROOT / "data", data_dir)
    return private_settings(database_url, var_dir, rasa_shards=shards, training_data_dir=data_dir)


def integration_key(url: str, username: str, display_name: str) -> str:
    """A new Open311 integration's API key on that database (`username` gets a random tail)."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        account = create_account(
            session, username=f"{username}-{uuid.uuid4().hex[:8]}", display_name=display_name,
            role=Role.SERVICE, station_code=None, password=None,
        )  # fmt: skip
        key = issue_token(session, account, kind=TokenKind.API_KEY, now=datetime.now(UTC)).token
    engine.dispose()
    return key


def operator_login(
    app_url: str, factory: sessionmaker[Session], prefix: str = "blind", name: str = "盲测操作员"
) -> str:
    """A new district operator's bearer token, from a real login on the running app."""
    username = f"{prefix}.{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with transaction(factory) as session:
        create_account(
            session,
            username=username,
            display_name=name,
            role=Role.DISTRICT_OPERATOR,
            station_code=None,
            password=password,
        )
    answer = httpx.post(
        f"{app_url}/api/auth/token", json={"username": username, "password": password}
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


@contextmanager
def running_stack(model: Path, *, logs_to: Path | None = None) -> Iterator[EvalStack]:
    """Start the private system on `model`; stop it and delete its files on exit.

    When the block fails and `logs_to` is given, Rasa's and the app's logs are copied
    there first as `rasa.log` and `app.log` (they may quote the conversations: put them
    where only those who may see the blind set look).
    """
    if not model.is_file():
        raise FileNotFoundError(f"no trained model at {model}; run `make model` first")
    work = Path(tempfile.mkdtemp(prefix="blind-dialogues-"))
    stack: Stack | None = None
    engine = None
    try:
        database_url = f"sqlite:///{work / 'blind.db'}"
        upgrade_database(database_url)
        engine = make_engine(database_url)
        factory = make_session_factory(engine)
        registry = registry_file()
        rows = read_division_file(registry)
        with transaction(factory) as session:
            import_divisions(session, rows)
        var_dir = work / "var"
        settings = isolated_settings(database_url, var_dir)
        # As the live fixture: Rasa compresses its action calls.
        os.environ["COMPRESS_ACTION_SERVER_REQUEST"] = "True"
        stack = start_stack(settings, var_dir=var_dir, model=model, app_log=var_dir / "app.log")
        yield EvalStack(
            stack=stack,
            session_factory=factory,
            staff_token=operator_login(stack.app_url, factory),
            divisions={row.code: Division(row.level.value, short_name(row.name)) for row in rows},
            registry=registry,
        )
    except BaseException:
        if logs_to is not None:
            _save_logs(work / "var", logs_to)
        raise
    finally:
        if stack is not None:
            stop_stack(stack)
        if engine is not None:
            engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


def _save_logs(var_dir: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in (var_dir / "log" / "rasa.log", var_dir / "app.log"):
        if log.is_file():
            shutil.copyfile(log, target / log.name)
