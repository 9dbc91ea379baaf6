"""The retention sweep: one pass over tickets, 转人工 requests and Rasa's conversations.

Run by `laoyang tickets purge-personal [--days N] [--dry-run]` (daily from cron,
say). Each batch commits on its own, so a large backlog never holds a long
lock and an interrupted sweep keeps what it did; running it again does only
what is left. A dry run counts and changes nothing.
"""

import argparse
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.retention import tracker
from api.retention.handoffs import due_handoffs, remove_handoff_text
from api.retention.tickets import due_tickets, remove_personal_data
from api.sessions import open_database
from api.settings import get_settings

BATCH = 200


@dataclass(frozen=True)
class SweepResult:
    """What a sweep removed (or, in a dry run, would remove)."""

    tickets: int
    handoffs: int
    senders: int
    tracker_events: int
    tracker_found: bool


def run_retention_sweep(
    factory: sessionmaker[Session],
    tracker_url: str,
    *,
    now: datetime,
    days: int,
    dry_run: bool = False,
    batch: int = BATCH,
) -> SweepResult:
    """Remove personal data older than `days` everywhere it lives; commits batch by batch."""
    cutoff = now - timedelta(days=days)
    tickets = handoffs = 0
    after = 0
    while True:
        with _unit(factory, dry_run) as session:
            due = due_tickets(session, cutoff, after_id=after, limit=batch)
            if not dry_run:
                remove_personal_data(session, due, now)
        if not due:
            break
        tickets, after = tickets + len(due), due[-1].id
    after = 0
    while True:
        with _unit(factory, dry_run) as session:
            requests = due_handoffs(session, cutoff, after_id=after, limit=batch)
            if not dry_run:
                remove_handoff_text(session, requests)
        if not requests:
            break
        handoffs, after = handoffs + len(requests), requests[-1].id
    found, senders, events = _sweep_tracker(factory, tracker_url, cutoff, dry_run, batch)
    return SweepResult(tickets, handoffs, senders, events, found)


def _unit(factory: sessionmaker[Session], dry_run: bool) -> AbstractContextManager[Session]:
    """A committing transaction, or for a dry run a session that only reads."""
    return _reading(factory) if dry_run else transaction(factory)


@contextmanager
def _reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


def _sweep_tracker(
    factory: sessionmaker[Session], url: str, cutoff: datetime, dry_run: bool, batch: int
) -> tuple[bool, int, int]:
    """(store found, senders forgotten, events deleted) in Rasa's tracker store."""
    engine = tracker.open_tracker(url)
    if engine is None:
        return False, 0, 0
    senders = events = 0
    try:
        with engine.connect() as conn:
            newest = tracker.newest_event_id(conn)
        after = ""
        while True:
            with engine.connect() as conn:
                quiet = tracker.quiet_senders(conn, cutoff, after=after, limit=batch)
            if not quiet:
                break
            after = quiet[-1]
            with factory() as session:
                live = tracker.senders_with_live_tickets(session, quiet, cutoff)
            gone = [sender for sender in quiet if sender not in live]
            with engine.begin() as conn:
                counts = tracker.count_events(conn, gone, newest)
                if counts and not dry_run:
                    tracker.delete_events(conn, sorted(counts), newest, cutoff)
            senders, events = senders + len(counts), events + sum(counts.values())
    finally:
        engine.dispose()
    return True, senders, events


def retention_days(value: str) -> int:
    """`--days`: a whole number of days, at least one."""
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError("保留天数须为不小于 1 的整数")
    return days


def purge_command(args: argparse.Namespace) -> int:
    """`laoyang tickets purge-personal`: one sweep now."""
    settings = get_settings()
    days: int = args.days or settings.retention_days
    engine, factory = open_database(settings.database_url)
    try:
        result = run_retention_sweep(
            factory,
            settings.effective_tracker_url,
            now=datetime.now(UTC),
            days=days,
            dry_run=args.dry_run,
        )
    finally:
        engine.dispose()
    print(describe(result, days, dry_run=args.dry_run))
    return 0


def describe(result: SweepResult, days: int, *, dry_run: bool) -> str:
    """The sweep's outcome in a line for operators."""
    counts = (
        f"工单 {result.tickets} 件，转人工记录 {result.handoffs} 条，"
        f"对话 {result.senders} 位居民（记录 {result.tracker_events} 条）"
    )
    head = (
        f"演练，未做改动。超过保留期限（{days} 天）待删除个人信息的：{counts}。"
        if dry_run
        else f"已删除超过保留期限（{days} 天）的个人信息：{counts}。"
    )
    return head if result.tracker_found else head + "未找到对话记录库，对话未清理。"
