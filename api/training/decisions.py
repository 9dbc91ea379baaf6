"""Operators' decisions on review items: confirm, relabel, noise, keep as a conversation test.

Two operators may open the same message. Each decision names the version of the
item the operator saw; if someone decided in between, the later one is refused
with the earlier decision, so nothing is silently overwritten. Every decision is
also kept in `review_decisions`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.tickets.deadlines import district_tz
from api.training.labels import FALLBACK_INTENT, intent_name, resolve_label
from api.training.models import ReviewAction, ReviewDecision, ReviewItem, ReviewStatus

REVIEW_STATUS_NAMES: dict[str, str] = {
    ReviewStatus.PENDING: "待处理",
    ReviewStatus.CONFIRMED: "确认无误",
    ReviewStatus.RELABELLED: "已改标",
    ReviewStatus.NOISE: "无效消息",
}


class ReviewItemNotFoundError(LookupError):
    """No review item with that id."""


class DecisionConflictError(Exception):
    """Someone decided on the item after the operator loaded it."""

    def __init__(self, item: ReviewItem) -> None:
        self.item = item
        local = item.decided_at.astimezone(district_tz()) if item.decided_at else None
        when = f"{local.month}月{local.day}日 {local:%H:%M}" if local else ""
        who = (item.decided_by or "其他操作员").removeprefix("staff:")
        super().__init__(
            f"{who} 已于 {when} 处理过这条消息"
            f"（{REVIEW_STATUS_NAMES.get(item.status, item.status)}"
            f"{'：' + intent_name(item.label_intent) if item.label_intent else ''}），"
            "请看过后再决定"
        )


class InvalidDecisionError(ValueError):
    """The decision does not make sense for this item."""


@dataclass(frozen=True)
class Decision:
    """What an operator decided, and on which version of the item."""

    action: ReviewAction
    expected_version: int
    intent: str | None = None
    service_code: str | None = None
    note: str | None = None
    whole_group: bool = False


def _locked_item(session: Session, item_id: int) -> ReviewItem:
    query = select(ReviewItem).where(ReviewItem.id == item_id).with_for_update()
    item = session.scalars(query).first()
    if item is None:
        raise ReviewItemNotFoundError(f"没有编号为 {item_id} 的消息")
    return item


def _label(item: ReviewItem, decision: Decision) -> tuple[str, str | None]:
    """The status and training label a decision gives an item."""
    if decision.action == ReviewAction.NOISE:
        return ReviewStatus.NOISE.value, None
    if decision.action == ReviewAction.RELABEL:
        return ReviewStatus.RELABELLED.value, resolve_label(decision.intent, decision.service_code)
    if decision.action == ReviewAction.CONFIRM:
        if not item.predicted_intent or item.predicted_intent == FALLBACK_INTENT:
            raise InvalidDecisionError("机器人没有给出意图，不能“确认”，请改标为正确的意图")
        return ReviewStatus.CONFIRMED.value, resolve_label(item.predicted_intent, None)
    return item.status, item.label_intent  # MARK_TEST keeps the label


def _apply(item: ReviewItem, decision: Decision, actor: str, now: datetime) -> ReviewDecision:
    status, label = _label(item, decision)
    if decision.action == ReviewAction.MARK_TEST:
        if item.tracker_event_id is None:
            raise InvalidDecisionError("这条来自工单，没有对话记录，不能存为对话测试")
        item.for_test = True
    record = ReviewDecision(
        item_id=item.id,
        action=decision.action.value,
        intent=label,
        previous_status=item.status,
        actor=actor,
        decided_at=now,
        note=decision.note,
    )
    item.status, item.label_intent = status, label
    item.decided_by, item.decided_at = actor, now
    item.version += 1
    return record


def decide(
    session: Session, item_id: int, decision: Decision, *, actor: str, now: datetime
) -> list[ReviewItem]:
    """Record a decision on one item and its pending look-alikes; returns the items changed."""
    item = _locked_item(session, item_id)
    if item.version != decision.expected_version:
        raise DecisionConflictError(item)
    items = [item]
    if decision.whole_group:
        query = (
            select(ReviewItem)
            .where(
                ReviewItem.group_key == item.group_key,
                ReviewItem.id != item.id,
                ReviewItem.status == ReviewStatus.PENDING.value,
            )
            .with_for_update()
        )
        items += list(session.scalars(query))
    for each in items:
        session.add(_apply(each, decision, actor, now))
    session.flush()
    return items


def history(session: Session, item_id: int) -> list[ReviewDecision]:
    """Every decision on an item, oldest first."""
    query = (
        select(ReviewDecision).where(ReviewDecision.item_id == item_id).order_by(ReviewDecision.id)
    )
    return list(session.scalars(query))
