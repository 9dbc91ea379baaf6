"""The run the chat scenarios share, so each scenario file says only what it breaks.

A scenario starts the system on its database (`sqlite_system`, or `postgres_system` for
a private PostgreSQL with an integration filing Open311 reports too), lets residents
play their conversations while its faults strike (`run_chat`), then counts what was
lost or duplicated; `finish` prints the wrong turns and writes the results row.
"""

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api.launcher import Stack
from eval.dialogue_stack import OPEN311_UNLIMITED
from faults.common import Outage, prepare_database, report, supervised_stack, wait_spool_empty
from faults.open311 import Filing, verify_filings
from faults.pg import PrivatePostgres
from faults.residents import (
    Conversation,
    chat_failures,
    conversation,
    failures_seen,
    load,
    play_all,
    resend_all,
    verify_chat,
)

Faults = Sequence[tuple[int, Callable[[], Outage]]]


@dataclass
class ChatRun:
    """What the residents (and the integration) met, and what the database holds after."""

    talks: list[Conversation]
    outages: list[Outage]
    counts: dict[str, int]
    late: int  # messages sent again afterwards that got another answer than the first
    seconds: float
    spool_seconds: float = 0.0


def chat_options(
    description: str | None, conversations: int, at_once: int
) -> argparse.ArgumentParser:
    """The options every chat scenario takes, with its defaults; it adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--conversations", type=int, default=conversations)
    parser.add_argument("--at-once", type=int, default=at_once)
    return parser


def run_names(tag: str) -> tuple[str, str]:
    """A fresh run id, and the sender prefix of its conversations (`fault-<tag>-<id>`)."""
    run_id = uuid.uuid4().hex[:6]
    return run_id, f"fault-{tag}-{run_id}"


def conversations(prefix: str, count: int) -> tuple[list[Conversation], int]:
    """`count` report conversations with senders named by `prefix`, and their turns."""
    talks = [conversation(prefix, i) for i in range(count)]
    return talks, sum(len(t.turns) for t in talks)


@contextmanager
def sqlite_system(**overrides: object) -> Iterator[tuple[Stack, str]]:
    """The supervised system on a fresh SQLite file; yields it and the database URL."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        prepare_database(database_url)
        with supervised_stack(database_url, folder / "var", **overrides) as stack:
            yield stack, database_url


@contextmanager
def postgres_system() -> Iterator[tuple[PrivatePostgres, Stack, str]]:
    """The supervised system on a private PostgreSQL, quick to spool and to replay;
    yields the server, the system and an integration's API key."""
    overrides = {"spool_replay_seconds": 1.0, "database_timeout_seconds": 5.0}
    with PrivatePostgres() as pg:
        api_key = prepare_database(pg.url)
        with supervised_stack(pg.url, pg.folder / "var", **overrides, **OPEN311_UNLIMITED) as stack:
            yield pg, stack, api_key


def run_chat(
    stack: Stack,
    database_url: str,
    prefix: str,
    talks: list[Conversation],
    at_once: int,
    faults: Faults,
    *,
    api_key: str | None = None,
    run: str = "",
) -> ChatRun:
    """Play the conversations with their faults (and Open311 filings named by `run` when
    an `api_key` is given), send every message once more, and count the tickets."""
    began = time.monotonic()
    filings: list[Filing] = []
    if api_key is None:
        outages = asyncio.run(play_all(stack.app_url, talks, at_once, faults))
    else:
        work = load(stack.app_url, api_key, run, talks, at_once, faults)
        outages, filings = asyncio.run(work)
    seconds = time.monotonic() - began
    spool_seconds = 0.0 if api_key is None else wait_spool_empty(stack.settings.spool_dir)
    late = asyncio.run(resend_all(stack.app_url, talks))
    counts = verify_chat(database_url, stack.settings.tracker_url, prefix, talks)
    if api_key is not None:
        counts |= verify_filings(database_url, stack.app_url, run, filings)
    return ChatRun(talks, outages, counts, late, seconds, spool_seconds)


def failures(run: ChatRun) -> int:
    """Conversations and filings lost or duplicated, turns answered wrongly, late retries
    answered differently: each must be 0."""
    counts = run.counts
    lost = chat_failures(counts) + run.late
    if "open311_lost" in counts:
        lost += counts["open311_lost"] + counts["open311_duplicated"]
        lost += counts["open311_answers_naming_another_ticket"]
    return lost


def closing_figures(run: ChatRun) -> dict[str, object]:
    """The last figures of a run with Open311 filings: the spool, the failures, the time."""
    return {
        "seconds_to_empty_the_spool_afterwards": round(run.spool_seconds, 1),
        "failed_chat_attempts": failures_seen(run.talks),
        "seconds": round(run.seconds, 1),
    }


def finish(name: str, run: ChatRun, figures: dict[str, object]) -> None:
    """Print every turn that went wrong, then the figures (written as `name`'s row)."""
    for talk in run.talks:
        for line in talk.wrong:
            print(f"  {talk.sender} {line}")
    report(name, figures)
