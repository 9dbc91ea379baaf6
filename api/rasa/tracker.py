"""Reading Rasa's SQL tracker store (read only): residents' messages and the talk around them.

Rasa owns the `events` table; the app never writes to it, and only the retention
sweep (`api.retention.tracker`) deletes from it. Its columns are Rasa 3.6's
`SQLTrackerStore.SQLEvent`.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)

from api.database import make_engine

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
BATCH = 500


@dataclass(frozen=True)
class TrackedMessage:
    """A resident's message as Rasa understood it."""

    event_id: int
    sender_id: str
    text: str
    intent: str | None
    confidence: float | None
    at: datetime


@dataclass(frozen=True)
class Turn:
    """One line of a conversation: who said it and what (raw; callers redact)."""

    event_id: int
    speaker: str  # "user" or "bot"
    text: str
    intent: str | None
    at: datetime


def _when(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0.0, tz=UTC)


def _data(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _user_message(row: Any) -> TrackedMessage | None:
    data = _data(row.data)
    text = str(data.get("text") or "").strip()
    # Button payloads ("/affirm") and empty texts were not typed by anyone.
    if not text or text.startswith("/"):
        return None
    intent = (data.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    return TrackedMessage(
        event_id=row.id,
        sender_id=row.sender_id,
        text=text,
        intent=intent.get("name") or row.intent_name,
        confidence=float(confidence) if confidence is not None else None,
        at=_when(row.timestamp),
    )


class TrackerReader:
    """The tracker store behind Rasa, opened read only from the app."""

    def __init__(self, url: str) -> None:
        self._engine: Engine = make_engine(url)
        self._table_seen = False

    def close(self) -> None:
        """Release the connections."""
        self._engine.dispose()

    def has_events(self) -> bool:
        """Whether Rasa has created its table yet (it does on its first start)."""
        if not self._table_seen:
            self._table_seen = inspect(self._engine).has_table("events")
        return self._table_seen

    def messages_after(self, event_id: int) -> Iterator[TrackedMessage]:
        """Residents' messages newer than an event id, oldest first."""
        if not self.has_events():
            return
        position = event_id
        while True:
            query = (
                select(EVENTS)
                .where(EVENTS.c.id > position, EVENTS.c.type_name == "user")
                .order_by(EVENTS.c.id)
                .limit(BATCH)
            )
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                message = _user_message(row)
                if message:
                    yield message
            if len(rows) < BATCH:
                return
            position = rows[-1].id

    def conversation(self, sender_id: str, around: int, turns: int) -> list[Turn]:
        """Up to `turns` lines before and after an event, from the same conversation."""
        if not self.has_events():
            return []
        spoken = EVENTS.c.type_name.in_(("user", "bot"))
        base = select(EVENTS).where(EVENTS.c.sender_id == sender_id, spoken)
        before = base.where(EVENTS.c.id <= around).order_by(EVENTS.c.id.desc()).limit(turns + 1)
        after = base.where(EVENTS.c.id > around).order_by(EVENTS.c.id).limit(turns)
        with self._engine.connect() as conn:
            rows = list(reversed(conn.execute(before).all())) + list(conn.execute(after).all())
        return [turn for row in rows if (turn := _turn(row))]

    def next_user_timestamp(self, sender_id: str, event_id: int) -> float | None:
        """When the resident next spoke after an event (None if they have not)."""
        if not self.has_events():
            return None
        query = (
            select(EVENTS.c.timestamp)
            .where(
                EVENTS.c.sender_id == sender_id,
                EVENTS.c.id > event_id,
                EVENTS.c.type_name == "user",
            )
            .order_by(EVENTS.c.id)
            .limit(1)
        )
        with self._engine.connect() as conn:
            value = conn.execute(query).scalar()
        return float(value) if value is not None else None

    def slot_raises(self, slot: str, after: int, upto: int) -> list[tuple[str, int]]:
        """(sender, event id) of every time a counting slot was set above zero in (after, upto]."""
        if not self.has_events() or upto <= after:
            return []
        query = (
            select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.id > after, EVENTS.c.id <= upto, EVENTS.c.type_name == "slot")
            .order_by(EVENTS.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        raised = []
        for row in rows:
            data = _data(row.data)
            if data.get("name") == slot and float(data.get("value") or 0) > 0:
                raised.append((str(row.sender_id), int(row.id)))
        return raised

    def last_event_id(self) -> int:
        """The newest event's id (0 when there is none)."""
        if not self.has_events():
            return 0
        with self._engine.connect() as conn:
            value = conn.execute(select(EVENTS.c.id).order_by(EVENTS.c.id.desc()).limit(1)).scalar()
        return int(value or 0)


def _turn(row: Any) -> Turn | None:
    data = _data(row.data)
    text = str(data.get("text") or "").strip()
    if not text:
        return None
    intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
    return Turn(row.id, row.type_name, text, intent, _when(row.timestamp))
