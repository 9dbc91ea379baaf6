"""A resident's report is never dropped: reports that could not be filed wait on disk.

When the database cannot take a report, it is written to the spool folder as
JSON (one file per idempotency key) and filed later by `replay_spool`, which
the app runs every SPOOL_REPLAY_SECONDS and `laoyang tickets replay` runs on
demand. Filing is idempotent, so a report replayed twice is still one ticket.
"""

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from api.database import database_unavailable, failure_reason
from api.tickets.schemas import NewReport
from api.tickets.service import FiledTicket

logger = logging.getLogger(__name__)

FileFn = Callable[[Session, NewReport], FiledTicket]


def spool_report(spool_dir: Path, report: NewReport) -> Path:
    """Write a report to the spool atomically; returns its file."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    key = report.idempotency_key or report.model_dump_json()
    path = spool_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(report.model_dump_json(), encoding="utf-8")
    os.replace(temporary, path)
    return path


def spooled(spool_dir: Path) -> list[Path]:
    """The reports waiting in the spool, in file-name order."""
    return sorted(spool_dir.glob("*.json")) if spool_dir.is_dir() else []


def replay_spool(spool_dir: Path, factory: sessionmaker[Session], file: FileFn) -> list[str]:
    """File every spooled report; returns the ticket numbers made or found.

    While the database is unavailable the pass stops and everything stays spooled. A
    report that fails for a reason of its own stays too, logged, and the rest go on.
    """
    numbers: list[str] = []
    for path in spooled(spool_dir):
        try:
            report = NewReport.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # filed meanwhile by another replay (the app's loop or the CLI)
        except ValidationError:
            logger.error("spooled report %s is unreadable; moved aside", path.name)
            path.rename(path.with_suffix(".bad"))
            continue
        try:
            with factory() as session:
                numbers.append(file(session, report).ticket.number)
        except Exception as exc:
            if database_unavailable(exc):
                logger.warning("database still unavailable; %s stays spooled", path.name)
                break
            reason = failure_reason(exc)
            logger.error("spooled report %s stays spooled: %s", path.name, reason)
            continue
        path.unlink(missing_ok=True)
    return numbers
