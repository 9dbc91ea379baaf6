"""The review inbox: taking messages in from Rasa's tracker and from tickets, and finding them.

Every typed message is taken in (masked) so any can be reviewed; the ones worth
an operator's time are flagged with their reasons: low confidence, fallback,
handoff, a resident correcting the category, a ticket staff returned or
re-categorised.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_NAMES
from api.conversations.corrections import looks_like_correction
from api.privacy import redact
from api.rasa.tracker import TrackedMessage, TrackerReader
from api.tickets.models import EventKind, Ticket, TicketEvent
from api.training.grouping import group_key
from api.training.labels import (
    CORRECTION_INTENT,
    FALLBACK_INTENT,
    HANDOFF_INTENT,
    code_for_intent,
)
from api.training.models import IngestCursor, ReviewItem, ReviewReason, ReviewStatus

TRACKER_CURSOR = "tracker"
TICKETS_CURSOR = "tickets"
# Ticket events that say the bot's category may have been wrong.
RECATEGORISED_KIND = "recategorised"
TICKET_REVIEW_KINDS = (EventKind.RETURNED.value, RECATEGORISED_KIND, EventKind.REOPENED.value)
# The report form counts answers to "where?" it could not use in this slot.
PLACE_MISS_SLOT = "place_attempts"
MAX_GROUPS = 200


def _cursor(session: Session, name: str) -> IngestCursor:
    """The source's cursor row, locked so two ingests never take a message in twice."""
    query = select(IngestCursor).where(IngestCursor.name == name).with_for_update()
    cursor = session.scalars(query).first()
    if cursor is None:
        cursor = IngestCursor(name=name, position=0)
        session.add(cursor)
        session.flush()
    return cursor


def reasons_for(message: TrackedMessage, threshold: float) -> list[str]:
    """Why a tracked message deserves review (empty when the bot was sure and it mattered not)."""
    reasons = []
    if message.intent == FALLBACK_INTENT:
        reasons.append(ReviewReason.FALLBACK.value)
    elif message.confidence is not None and message.confidence < threshold:
        reasons.append(ReviewReason.LOW_CONFIDENCE.value)
    if message.intent == HANDOFF_INTENT:
        reasons.append(ReviewReason.HANDOFF.value)
    return reasons


def _flag(item: ReviewItem, reason: ReviewReason, note: str | None = None) -> None:
    if reason.value not in item.reasons:
        item.reasons = [*item.reasons, reason.value]
    item.flagged = True
    # Staff notes and residents' 没解决 reasons come in as written: mask them like the text.
    note = redact(note) if note else None
    if note and note not in (item.context_note or ""):
        item.context_note = f"{item.context_note}；{note}" if item.context_note else note


def _last_report_before(session: Session, sender_id: str, event_id: int) -> ReviewItem | None:
    """The resident's latest categorised message before a correction."""
    query = (
        select(ReviewItem)
        .where(
            ReviewItem.sender_id == sender_id,
            ReviewItem.tracker_event_id < event_id,
            ReviewItem.predicted_code.is_not(None),
        )
        .order_by(ReviewItem.tracker_event_id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _item_for_message(message: TrackedMessage, threshold: float) -> ReviewItem:
    text = redact(message.text)
    reasons = reasons_for(message, threshold)
    return ReviewItem(
        # The time as well as the id: a recreated tracker store numbers from 1 again.
        source_key=f"tracker:{message.event_id}:{int(message.at.timestamp() * 1000)}",
        sender_id=message.sender_id,
        tracker_event_id=message.event_id,
        text=text,
        group_key=group_key(text),
        predicted_intent=message.intent,
        predicted_code=code_for_intent(message.intent),
        confidence=message.confidence,
        reasons=reasons,
        flagged=bool(reasons),
        message_at=message.at,
        status=ReviewStatus.PENDING.value,
        version=0,
    )


def _exists(session: Session, source_key: str) -> bool:
    query = select(ReviewItem.id).where(ReviewItem.source_key == source_key)
    return session.scalar(query) is not None


def ingest_tracker(session: Session, reader: TrackerReader, threshold: float) -> int:
    """Take in residents' messages Rasa stored since the last time; returns how many."""
    cursor = _cursor(session, TRACKER_CURSOR)
    if reader.last_event_id() < cursor.position:  # the store was recreated
        cursor.position = 0
    start = cursor.position
    taken = 0
    for message in reader.messages_after(cursor.position):
        item = _item_for_message(message, threshold)
        if _exists(session, item.source_key):
            cursor.position = message.event_id
            continue
        session.add(item)
        if message.intent == CORRECTION_INTENT or looks_like_correction(message.text):
            session.flush()
            corrected = _last_report_before(session, message.sender_id, message.event_id)
            if corrected is not None:
                _flag(corrected, ReviewReason.CORRECTED, f"居民随后说：{redact(message.text)}")
        cursor.position = message.event_id
        taken += 1
    session.flush()
    # Up to the newest event: the form's slot comes after the message it judged.
    _flag_place_misses(session, reader, start, reader.last_event_id())
    return taken


def _flag_place_misses(session: Session, reader: TrackerReader, start: int, end: int) -> None:
    """Flag the answers to "where?" the bot could not use, even when the model was sure."""
    for sender_id, event_id in reader.slot_raises(PLACE_MISS_SLOT, start, end):
        query = (
            select(ReviewItem)
            .where(ReviewItem.sender_id == sender_id, ReviewItem.tracker_event_id < event_id)
            .order_by(ReviewItem.tracker_event_id.desc())
            .limit(1)
        )
        item = session.scalars(query).first()
        if item is not None:
            _flag(item, ReviewReason.PLACE_UNUSABLE, "这句话没能用作地点")
    session.flush()


def _ticket_note(event: TicketEvent) -> tuple[ReviewReason, str, str | None]:
    """The reason, a note for operators and the suggested intent for one ticket event."""
    data = event.data or {}
    if event.kind == RECATEGORISED_KIND:
        to_code = str(data.get("to_code") or "")
        names = (
            SERVICE_NAMES.get(str(data.get("from_code")), "?"),
            SERVICE_NAMES.get(to_code, "?"),
        )
        note = f"改类：{names[0]} → {names[1]}" + (f"（{event.note}）" if event.note else "")
        return ReviewReason.RECATEGORISED, note, f"report_{to_code}" if to_code else None
    if event.kind == EventKind.REOPENED.value:
        return ReviewReason.REOPENED, f"重办：{event.note or '居民说问题没解决'}", None
    why = str(data.get("reason_name") or data.get("reason") or "")
    return ReviewReason.RETURNED, f"退单：{why}" + (f"（{event.note}）" if event.note else ""), None


def _ticket_item(session: Session, ticket: Ticket) -> ReviewItem:
    key = f"ticket:{ticket.id}"
    item = session.scalars(select(ReviewItem).where(ReviewItem.source_key == key)).first()
    if item is not None:
        return item
    text = redact(ticket.description)
    item = ReviewItem(
        source_key=key,
        sender_id=ticket.sender_id or f"ticket:{ticket.number}",
        ticket_number=ticket.number,
        text=text,
        group_key=group_key(text),
        predicted_intent=f"report_{ticket.service_code}",
        predicted_code=ticket.service_code,
        reasons=[],
        flagged=True,
        message_at=ticket.created_at,
        status=ReviewStatus.PENDING.value,
        version=0,
    )
    session.add(item)
    return item


def ingest_tickets(session: Session) -> int:
    """Take in tickets staff returned or re-categorised since the last time."""
    cursor = _cursor(session, TICKETS_CURSOR)
    query = (
        select(TicketEvent)
        .where(TicketEvent.id > cursor.position, TicketEvent.kind.in_(TICKET_REVIEW_KINDS))
        .order_by(TicketEvent.id)
    )
    taken = 0
    for event in session.scalars(query):
        reason, note, suggestion = _ticket_note(event)
        item = _ticket_item(session, event.ticket)
        if reason == ReviewReason.RECATEGORISED:
            # What the bot predicted is the code before the first change.
            original = str((event.data or {}).get("from_code") or item.predicted_code)
            if not item.reasons or ReviewReason.RECATEGORISED.value not in item.reasons:
                item.predicted_intent, item.predicted_code = f"report_{original}", original
            item.suggested_intent = suggestion
        _flag(item, reason, note)
        cursor.position = event.id
        taken += 1
    session.flush()
    return taken


@dataclass(frozen=True)
class InboxFilter:
    """What an operator asked to see."""

    status: ReviewStatus | None = ReviewStatus.PENDING
    flagged_only: bool = True
    reason: ReviewReason | None = None
    intent: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int = 2000


def _filtered(flt: InboxFilter) -> Select[Any]:
    query = select(ReviewItem)
    if flt.status is not None:
        query = query.where(ReviewItem.status == flt.status.value)
    if flt.flagged_only:
        query = query.where(ReviewItem.flagged.is_(True))
    if flt.intent:
        query = query.where(ReviewItem.predicted_intent == flt.intent)
    if flt.min_confidence is not None:
        query = query.where(ReviewItem.confidence >= flt.min_confidence)
    if flt.max_confidence is not None:
        query = query.where(ReviewItem.confidence <= flt.max_confidence)
    if flt.since is not None:
        query = query.where(ReviewItem.message_at >= flt.since)
    if flt.until is not None:
        query = query.where(ReviewItem.message_at < flt.until)
    if flt.text:
        query = query.where(ReviewItem.text.contains(flt.text))
    return query.order_by(ReviewItem.message_at.desc(), ReviewItem.id.desc()).limit(flt.limit)


@dataclass
class InboxGroup:
    """Near-identical messages, decided together."""

    key: str
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def sample(self) -> ReviewItem:
        """The newest message of the group."""
        return self.items[0]

    @property
    def reasons(self) -> list[str]:
        """Every reason any of its messages was flagged for."""
        return sorted({reason for item in self.items for reason in item.reasons})

    @property
    def predicted_intents(self) -> list[tuple[str | None, int]]:
        """What the bot made of them, most common first."""
        return Counter(item.predicted_intent for item in self.items).most_common()

    @property
    def mean_confidence(self) -> float | None:
        """The bot's average confidence over the group."""
        values = [item.confidence for item in self.items if item.confidence is not None]
        return sum(values) / len(values) if values else None


def inbox_groups(session: Session, flt: InboxFilter) -> list[InboxGroup]:
    """Matching messages grouped by what they say, biggest and newest groups first."""
    items: Sequence[ReviewItem] = list(session.scalars(_filtered(flt)))
    if flt.reason is not None:
        items = [item for item in items if flt.reason.value in item.reasons]
    groups: dict[str, InboxGroup] = {}
    for item in items:
        groups.setdefault(item.group_key, InboxGroup(item.group_key)).items.append(item)
    ordered = sorted(groups.values(), key=lambda g: (-len(g.items), -g.sample.id))
    return ordered[:MAX_GROUPS]
