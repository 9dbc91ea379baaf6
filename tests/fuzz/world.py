"""The system the fuzzer runs against: the app on a database of its own, with people in it.

Built like tests/conftest.py builds the suite's database (migrations, then the station
registry) but in a folder of its own: the fuzzer files, signs and resolves tickets and
registers webhooks, and none of that may reach another test's database or the project's
var/. Rasa is not started: the chat endpoints answer their documented 503.
"""

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, StaffAccount, TokenKind
from api.auth.service import create_account, find_account, issue_token
from api.database import make_engine, make_session_factory, transaction
from api.main import create_app
from api.schema import upgrade_database
from api.settings import Settings
from api.stations.registry import import_divisions, read_division_file
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from eval.dialogue_stack import isolated_settings
from tests.conftest import registry_file
from tests.integration.staff_support import OTHER_ROOM, ROOM, SIBLING_ROOM, TZ

# Filers of the seeded tickets: the fuzzer sometimes speaks as one of them.
SENDERS = ("fuzz-resident-000001", "fuzz-resident-000002")
COMMUNITIES = (ROOM, SIBLING_ROOM, OTHER_ROOM)
SEEDED_TICKETS = 24
# Webhook targets the fuzzer now and then registers: loopback, never called (no worker).
HOOK_URLS = ("http://127.0.0.1:9/fuzz-hook", "http://127.0.0.1:9/fuzz-other")
# A whole fuzz run files with one key: the limiter must never be what answers.
NO_LIMIT = 1_000_000_000


@dataclass(frozen=True)
class FuzzWorld:
    """What the fuzz tests need to get past the gates and reach the handlers."""

    app: FastAPI
    session_factory: sessionmaker[Session]
    staff_token: str
    api_key: str
    tickets: tuple[str, ...]
    station_codes: tuple[str, ...]
    spender: str

    def fresh_ticket(self) -> str:
        """A newly filed ticket (the seeded ones end up resolved as the run goes on)."""
        return _file(self.session_factory, uuid.uuid4().int % 1000)

    def fresh_staff_token(self) -> str:
        """Another live token of an operator of its own, for the logout endpoint to spend."""
        with transaction(self.session_factory) as session:
            account = find_account(session, self.spender)
            assert account is not None
            return _issue(session, account, TokenKind.BEARER)


def _issue(session: Session, account: StaffAccount, kind: TokenKind) -> str:
    return issue_token(
        session, account, kind=kind, now=datetime.now(UTC), ttl=timedelta(days=1)
    ).token


def _account(factory: sessionmaker[Session], role: Role) -> str:
    """A new account of the role; its username."""
    username = f"fuzz.{role.value}.{uuid.uuid4().hex[:8]}"
    with transaction(factory) as session:
        create_account(
            session,
            username=username,
            display_name="模糊测试",
            role=role,
            station_code=None,
            password=None if role is Role.SERVICE else uuid.uuid4().hex,
        )
    return username


def _token(factory: sessionmaker[Session], role: Role) -> str:
    username = _account(factory, role)
    with transaction(factory) as session:
        account = find_account(session, username)
        assert account is not None
        kind = TokenKind.API_KEY if role is Role.SERVICE else TokenKind.BEARER
        return _issue(session, account, kind)


def _file(factory: sessionmaker[Session], index: int) -> str:
    """A resident's ticket in one of the communities; its number."""
    with transaction(factory) as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description=f"楼上邻居半夜装修（第 {index} 次）",
                community_code=COMMUNITIES[index % len(COMMUNITIES)],
                location_text=f"模糊测试小区 {index} 栋",
                contact_phone="13912345678",
                sender_id=SENDERS[index % len(SENDERS)],
            ),
            tz=TZ,
            default_district_code="500107",
            now=datetime.now(TZ),
        )
        return filed.ticket.number


@contextmanager
def _database(folder: Path, postgres_url: str | None) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a schema of its own on PostgreSQL."""
    if not postgres_url:
        url = f"sqlite:///{folder / 'fuzz.db'}"
        upgrade_database(url)
        yield url
        return
    schema = f"zhy_fuzz_{uuid.uuid4().hex[:10]}"
    plain = postgres_url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    try:
        upgrade_database(url)
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def fuzz_world(folder: Path, postgres_url: str | None) -> Iterator[FuzzWorld]:
    """The app with its registry, an operator, an integration and tickets to act on."""
    with _database(folder, postgres_url) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            import_divisions(session, read_division_file(registry_file()))
        settings = isolated_settings(url, folder / "var").model_copy(
            update={
                "open311_burst": NO_LIMIT,
                "open311_rate_per_minute": float(NO_LIMIT),
                "rasa_timeout_seconds": 2.0,
                # Webhooks may point at loopback (HOOK_URLS); the delivery worker is off.
                "webhook_allowed_networks": "127.0.0.0/8",
            }
        )
        try:
            yield FuzzWorld(
                app=create_app(settings),
                session_factory=factory,
                staff_token=_token(factory, Role.DISTRICT_OPERATOR),
                api_key=_token(factory, Role.SERVICE),
                tickets=tuple(_file(factory, index) for index in range(SEEDED_TICKETS)),
                station_codes=(*COMMUNITIES, "500107104", "500107"),
                spender=_account(factory, Role.DISTRICT_OPERATOR),
            )
        finally:
            engine.dispose()


_real_getaddrinfo = socket.getaddrinfo


def loopback_only_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    """Resolve addresses and localhost only: a fuzzed webhook URL never causes a DNS query."""
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name == "localhost" or _is_address(name):
        return _real_getaddrinfo(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "name resolution is off during fuzzing")


def _is_address(name: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name.split("%", 1)[0])
        except OSError:
            continue
        return True
    return False


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, as /openapi.json serves it (read at collection time).

    Building the app touches no database: the engine connects on first use.
    """
    return create_app(Settings(database_url="sqlite://")).openapi()
