"""Shared fixtures: a real database (SQLite by default, PostgreSQL via TEST_DATABASE_URL).

On PostgreSQL every test session works in its own schema, created here and
dropped afterwards, so runs never see each other's rows.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.database import make_engine, make_session_factory, transaction
from api.launcher import MODEL_PATH, Stack, start_stack, stop_stack
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT
from api.stations.registry import import_divisions, read_division_file
from eval.dialogue_stack import isolated_settings, operator_login
from tests.wechat_fake import FakeWechat

SHARED_REGISTRY = PROJECT_ROOT.parent / "shared" / "data" / "jiulongpo_divisions.csv"
DEMO_REGISTRY = PROJECT_ROOT / "registry" / "demo_divisions.csv"


def registry_file() -> Path:
    """The full district list when it is beside the project, else our demo extract."""
    return SHARED_REGISTRY if SHARED_REGISTRY.is_file() else DEMO_REGISTRY


def _postgres_schema_url(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test session."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade_database(url)
        yield url
        return
    schema = f"zhy_test_{uuid.uuid4().hex[:10]}"
    plain = base.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = _postgres_schema_url(base, schema)
    try:
        upgrade_database(url)
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def registry(session_factory: sessionmaker[Session]) -> Path:
    """The station registry, loaded once per session."""
    path = registry_file()
    with transaction(session_factory) as session:
        import_divisions(session, read_division_file(path))
    return path


@pytest.fixture
def session(session_factory: sessionmaker[Session], registry: Path) -> Iterator[Session]:
    """A session on the loaded registry; tickets made by the test are left in place."""
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def fake_wechat() -> Iterator[FakeWechat]:
    """A fake WeChat on loopback (tests/wechat_fake.py); the live stack's 公众号 talks to it."""
    fake = FakeWechat().serve()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def live(
    database_url: str,
    registry: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fake_wechat: FakeWechat,
) -> Iterator[Stack]:
    """Rasa with the trained model and the app, started once for the whole session.

    Both are started with the same launcher `make run` uses, on free loopback
    ports, against the session's test database; the end-to-end and the browser
    tests share them. Rasa compresses its action calls here, so the compressed
    path of the action-server protocol is exercised too.
    """
    # TEST_MODEL runs the same tests against another model (say, a candidate policy set).
    model = Path(os.environ.get("TEST_MODEL") or MODEL_PATH)
    if not model.is_file():
        pytest.fail(f"no trained model at {model}: run `make model` (make test does)")
    var_dir = tmp_path_factory.mktemp("var")
    # The operators' loop writes training data, models and conversation tests, the app
    # its spool and Rasa's token: here into this session's own folder, never the project's.
    # Two Rasa processes, as `make run` starts on a 2-core machine: every end-to-end and
    # browser test goes through the routing of residents to their own shard.
    settings = isolated_settings(database_url, var_dir, shards=2)
    settings = settings.model_copy(update=fake_wechat.settings())
    os.environ["COMPRESS_ACTION_SERVER_REQUEST"] = "True"
    stack = start_stack(settings, var_dir=var_dir, model=model, app_log=var_dir / "app.log")
    yield stack
    stop_stack(stack)


@pytest.fixture(scope="session")
def operator_token(live: Stack, session_factory: sessionmaker[Session]) -> str:
    """A district operator's bearer token, from a real login on the running app."""
    return operator_login(live.app_url, session_factory, prefix="operator", name="测试操作员")
