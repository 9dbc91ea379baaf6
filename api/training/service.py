"""The operators' loop as the web page and the CLI both use it.

Each function is one thing an operator does; the views and `laoyang training`
only translate to and from HTTP and the terminal.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from api.privacy import redact
from api.rasa.model_api import RasaModelAPI
from api.rasa.routing import RouteSource, RouteTable
from api.rasa.tracker import TrackerReader, Turn
from api.settings import Settings
from api.training import jobs
from api.training.conversation_tests import save_conversation_test
from api.training.decisions import Decision, decide
from api.training.guard import GuardMargins
from api.training.inbox import ingest_tickets, ingest_tracker
from api.training.models import ModelVersion, ReviewAction, ReviewItem, TrainingJob
from api.training.versions import ensure_serving, get_version, promote, rollback

CONTEXT_TURNS = 4


def training_paths(settings: Settings) -> jobs.TrainingPaths:
    """Where the loop reads and writes, from the settings."""
    return jobs.TrainingPaths(
        data_dir=settings.training_data_dir,
        model_store=settings.model_store,
        workspace=settings.training_workspace,
        started_model=settings.rasa_model_path,
    )


def guard_margins(settings: Settings) -> GuardMargins:
    """The promotion guard's tolerances, from the settings."""
    return GuardMargins(settings.promotion_macro_f1_margin, settings.promotion_code_f1_margin)


def rasa_api(settings: Settings) -> RasaModelAPI:
    """The running Rasa servers' model API.

    The app is told where the launcher's route table is; the CLI on the same host
    finds it, and the token, where `laoyang run` left them (beside each other).
    """
    token = settings.rasa_token
    if not token and settings.rasa_token_file.is_file():
        token = settings.rasa_token_file.read_text(encoding="utf-8").strip()
    fallback = RouteTable.from_list(settings.rasa_urls, settings.rasa_url)
    routes = RouteSource(settings.launcher_routes_file, fallback)
    return RasaModelAPI(routes.current(), token)


@contextmanager
def tracker(settings: Settings) -> Iterator[TrackerReader]:
    """Rasa's tracker store, read only, for the length of a block."""
    reader = TrackerReader(settings.effective_tracker_url)
    try:
        yield reader
    finally:
        reader.close()


def refresh_inbox(session: Session, settings: Settings) -> int:
    """Take in what residents said and what staff corrected since the last look."""
    with tracker(settings) as reader:
        taken = ingest_tracker(session, reader, settings.review_confidence)
    return taken + ingest_tickets(session)


@dataclass(frozen=True)
class MaskedTurn:
    """A line of the conversation around a message, masked."""

    speaker: str
    text: str
    intent: str | None
    at: datetime
    is_reviewed: bool


def conversation_around(settings: Settings, item: ReviewItem) -> list[MaskedTurn]:
    """The talk before and after a reviewed message, with personal data masked."""
    if item.tracker_event_id is None:
        return []
    with tracker(settings) as reader:
        turns: list[Turn] = reader.conversation(
            item.sender_id, item.tracker_event_id, CONTEXT_TURNS
        )
    return [
        MaskedTurn(t.speaker, redact(t.text), t.intent, t.at, t.event_id == item.tracker_event_id)
        for t in turns
    ]


def record_decision(
    session: Session,
    settings: Settings,
    item_id: int,
    decision: Decision,
    *,
    actor: str,
    now: datetime,
) -> tuple[list[ReviewItem], Path | None]:
    """Decide on a message; marking it for a test also writes the conversation test."""
    items = decide(session, item_id, decision, actor=actor, now=now)
    saved = None
    if decision.action == ReviewAction.MARK_TEST:
        item = items[0]
        with tracker(settings) as reader:
            after = reader.next_user_timestamp(item.sender_id, item.tracker_event_id or 0)
        # The bot's whole answer to the message, not the resident's next words.
        until = after - 1e-6 if after is not None else None
        saved = save_conversation_test(
            rasa_api(settings), item, settings.conversation_tests_dir, until
        )
    return items, saved


def start_retrain(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    actor: str,
    now: datetime,
    background: bool,
) -> TrainingJob:
    """Start the retrain job: on a thread (the page) or here until it ends (the CLI)."""
    paths = training_paths(settings)
    job = jobs.create_job(factory, paths, actor, now)
    if background:
        jobs.start_in_background(factory, job, paths, rasa_api(settings), jobs.utc_now)
    else:
        jobs.run_job(factory, job, paths, rasa_api(settings), jobs.utc_now)
    return job


def promote_version(
    session: Session,
    settings: Settings,
    version_id: int,
    *,
    actor: str,
    now: datetime,
    override_reason: str | None,
) -> ModelVersion:
    """Serve a candidate in the running Rasa server (the guard may refuse)."""
    get_version(session, version_id)  # an unknown version is 404 whether or not Rasa answers
    rasa = rasa_api(settings)
    ensure_serving(session, rasa, settings.rasa_model_path, now)
    return promote(
        session,
        rasa,
        version_id,
        actor=actor,
        now=now,
        margins=guard_margins(settings),
        override_reason=override_reason,
    )


def register_serving(session: Session, settings: Settings, now: datetime) -> ModelVersion:
    """The version Rasa serves now, registered when first seen."""
    return ensure_serving(session, rasa_api(settings), settings.rasa_model_path, now)


def rollback_version(
    session: Session, settings: Settings, version_id: int, *, actor: str, now: datetime
) -> ModelVersion:
    """Serve an earlier version again."""
    get_version(session, version_id)  # an unknown version is 404 whether or not Rasa answers
    rasa = rasa_api(settings)
    ensure_serving(session, rasa, settings.rasa_model_path, now)
    return rollback(session, rasa, version_id, actor=actor, now=now)
