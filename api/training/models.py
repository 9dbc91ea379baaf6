"""Review items, operators' decisions, training jobs and model versions."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.catalogue import ticket_code_for_intent
from api.database import Base, UTCDateTime


class ReviewReason(StrEnum):
    """Why a message is worth an operator's look."""

    LOW_CONFIDENCE = "low_confidence"
    FALLBACK = "fallback"
    HANDOFF = "handoff"
    CORRECTED = "corrected"
    RETURNED = "returned"
    RECATEGORISED = "recategorised"
    PLACE_UNUSABLE = "place_unusable"
    REOPENED = "reopened"


REASON_NAMES: dict[str, str] = {
    ReviewReason.LOW_CONFIDENCE: "置信度低",
    ReviewReason.FALLBACK: "没听懂（兜底）",
    ReviewReason.HANDOFF: "转人工",
    ReviewReason.CORRECTED: "居民纠正了类别",
    ReviewReason.RETURNED: "工单被退回",
    ReviewReason.RECATEGORISED: "工作人员改了类别",
    ReviewReason.PLACE_UNUSABLE: "地点没用上",
    ReviewReason.REOPENED: "居民说没解决（重办）",
}


class ReviewStatus(StrEnum):
    """Where a message stands: waiting, or what an operator decided."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    RELABELLED = "relabelled"
    NOISE = "noise"


class ReviewAction(StrEnum):
    """What an operator can do with a message."""

    CONFIRM = "confirm"
    RELABEL = "relabel"
    NOISE = "noise"
    MARK_TEST = "mark_test"


class ReviewItem(Base):
    """One resident message, masked, with what the bot made of it and what operators decided."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "tracker:<event id>" or "ticket:<ticket id>": a message is taken in once.
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    sender_id: Mapped[str] = mapped_column(String(255), index=True)
    tracker_event_id: Mapped[int | None] = mapped_column(Integer)
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    group_key: Mapped[str] = mapped_column(String(255), index=True)
    predicted_intent: Mapped[str | None] = mapped_column(String(64), index=True)
    predicted_code: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What staff said when they returned or re-categorised the ticket.
    context_note: Mapped[str | None] = mapped_column(Text)
    # The intent staff's correction points to, offered as the default relabel.
    suggested_intent: Mapped[str | None] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    message_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PENDING, index=True)
    label_intent: Mapped[str | None] = mapped_column(String(64))
    for_test: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every decision: a decision made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label_code(self) -> str | None:
        """The service code the decided intent files under (None for non-reports)."""
        return ticket_code_for_intent(self.label_intent)


class ReviewDecision(Base):
    """Every decision ever made, kept even when a later one replaces it."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    previous_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[ReviewItem] = relationship()


class IngestCursor(Base):
    """How far the inbox has read a source (the tracker store's last event id)."""

    __tablename__ = "review_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class JobStatus(StrEnum):
    """A training job's state."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TrainingJob(Base):
    """A retrain-and-evaluate run; at most one runs at a time."""

    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # 1 while running, NULL after: the unique index lets only one job hold it.
    running_slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    stage: Mapped[str] = mapped_column(String(32))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    log_path: Mapped[str] = mapped_column(String(500))
    # "pid@host" of the process running it, to recognise jobs a restart cut off.
    runner: Mapped[str] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))


class VersionStatus(StrEnum):
    """A model's place: waiting to be promoted, serving, or served before."""

    CANDIDATE = "candidate"
    SERVING = "serving"
    RETIRED = "retired"


class ModelVersion(Base):
    """A trained model: who made it, from which data, how it scored."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    # Rasa's own id of the trained model (metadata.json), as `GET /status` reports it.
    model_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    example_count: Mapped[int | None] = mapped_column(Integer)
    reviewed_count: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The candidate-versus-serving comparison (eval/compare.py), when it was evaluated.
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    compared_with_id: Mapped[int | None] = mapped_column(Integer)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_by: Mapped[str | None] = mapped_column(String(64))


class PromotionRecord(Base):
    """Every promotion and rollback, with the override reason when the guard was overruled."""

    __tablename__ = "model_promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    previous_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    override_reason: Mapped[str | None] = mapped_column(Text)
    refused_because: Mapped[list[str] | None] = mapped_column(JSON)
