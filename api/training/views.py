"""The operators' API (/api/operator): the review inbox and the export of reviewed messages.

Training jobs, model versions, promotion and rollback are `api.training.model_views`.

District operators only (bearer token of a `district_operator` account). The
page at /operator.html and `laoyang training` call the same service functions.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.auth.dependencies import OperatorDep
from api.clock import NowDep
from api.dependencies import SessionDep, SettingsDep, WriteSessionDep
from api.query_params import Instant, SearchText
from api.rasa.model_api import RasaModelError
from api.row_ids import RowId
from api.training import service
from api.training.conversation_tests import NotATestableItemError
from api.training.decisions import (
    REVIEW_STATUS_NAMES,
    Decision,
    DecisionConflictError,
    InvalidDecisionError,
    ReviewItemNotFoundError,
    history,
)
from api.training.export import export_training_file
from api.training.inbox import InboxFilter, inbox_groups
from api.training.labels import UnknownLabelError, domain_intents, intent_name
from api.training.labels import code_for_intent as label_code
from api.training.models import (
    REASON_NAMES,
    ReviewItem,
    ReviewReason,
    ReviewStatus,
)
from api.training.schemas import (
    DecisionResult,
    DecisionView,
    ExportView,
    GroupView,
    InboxView,
    ItemDetailView,
    ItemView,
    LabelView,
    NewDecision,
    TurnView,
)

router = APIRouter(prefix="/api/operator", tags=["运营 · 对话复核与训练"])
RASA_DOWN = "Rasa 服务暂时连不上或拒绝了请求，在用的模型没有变化"


def item_view(item: ReviewItem) -> ItemView:
    """A review item as operators see it (its text is stored masked)."""
    return ItemView(
        id=item.id,
        text=item.text,
        sender_id=item.sender_id,
        ticket_number=item.ticket_number,
        predicted_intent=item.predicted_intent,
        predicted_name=intent_name(item.predicted_intent),
        predicted_code=item.predicted_code,
        confidence=item.confidence,
        reasons=list(item.reasons),
        reason_names=[REASON_NAMES.get(r, r) for r in item.reasons],
        context_note=item.context_note,
        suggested_intent=item.suggested_intent,
        message_at=item.message_at,
        status=item.status,
        status_name=REVIEW_STATUS_NAMES.get(item.status, item.status),
        label_intent=item.label_intent,
        label_name=intent_name(item.label_intent) if item.label_intent else None,
        label_code=item.label_code,
        for_test=item.for_test,
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        version=item.version,
    )


def _item(session: SessionDep, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有编号为 {item_id} 的消息")
    return item


@router.get("/labels", summary="可选的标注：机器人的全部意图")
def labels(_: OperatorDep) -> list[LabelView]:
    return [
        LabelView(intent=i, name=intent_name(i), service_code=label_code(i))
        for i in domain_intents()
    ]


@router.get("/inbox", summary="待复核的消息（相似消息合为一组）")
def inbox(
    session: WriteSessionDep,  # reading the inbox first takes in new conversations
    settings: SettingsDep,
    _: OperatorDep,
    review_status: Annotated[
        ReviewStatus | None, Query(alias="status", description="默认只看待处理的")
    ] = ReviewStatus.PENDING,
    all_statuses: Annotated[bool, Query(description="忽略 status，全部都看")] = False,
    flagged_only: Annotated[
        bool | None, Query(description="只看被标记值得复核的消息（默认：搜索原话时看全部）")
    ] = None,
    reason: ReviewReason | None = None,
    intent: Annotated[SearchText | None, Query(max_length=64)] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    since: Annotated[Instant | None, Query(description="消息时间起（带时区）")] = None,
    until: Annotated[Instant | None, Query(description="消息时间止（带时区，不含）")] = None,
    q: Annotated[SearchText | None, Query(max_length=100, description="原话包含")] = None,
) -> InboxView:
    taken = service.refresh_inbox(session, settings)
    session.commit()
    flt = InboxFilter(
        status=None if all_statuses else review_status,
        flagged_only=(q is None) if flagged_only is None else flagged_only,
        reason=reason,
        intent=intent,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        since=since,
        until=until,
        text=q,
    )
    groups = [
        GroupView(
            key=g.key,
            count=len(g.items),
            sample=item_view(g.sample),
            item_ids=[i.id for i in g.items],
            reasons=g.reasons,
            predicted=g.predicted_intents,
            mean_confidence=g.mean_confidence,
        )
        for g in inbox_groups(session, flt)
    ]
    return InboxView(taken_in=taken, groups=groups)


@router.get("/inbox/items/{item_id}", summary="一条消息：前后对话和处理记录")
def inbox_item(
    item_id: RowId, session: SessionDep, settings: SettingsDep, _: OperatorDep
) -> ItemDetailView:
    item = _item(session, item_id)
    turns = service.conversation_around(settings, item)
    group_size = session.query(ReviewItem).filter(ReviewItem.group_key == item.group_key).count()
    return ItemDetailView(
        item=item_view(item),
        conversation=[TurnView(**t.__dict__) for t in turns],
        decisions=[
            DecisionView(
                action=d.action,
                intent=d.intent,
                previous_status=d.previous_status,
                actor=d.actor,
                decided_at=d.decided_at,
                note=d.note,
            )
            for d in history(session, item.id)
        ],
        group_size=group_size,
    )


@router.post(
    "/inbox/items/{item_id}/decision",
    summary="确认、改标、标为无效或存为对话测试",
    responses={409: {"description": "别人已先处理了这条消息（返回他的决定）"}},
)
def decide_item(
    item_id: RowId,
    body: NewDecision,
    session: SessionDep,
    settings: SettingsDep,
    operator: OperatorDep,
    now: NowDep,
) -> DecisionResult:
    decision = Decision(
        action=body.action,
        expected_version=body.expected_version,
        intent=body.intent,
        service_code=body.service_code,
        note=body.note,
        whole_group=body.whole_group,
    )
    try:
        items, saved = service.record_decision(
            session, settings, item_id, decision, actor=operator.actor, now=now
        )
    except ReviewItemNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except DecisionConflictError as exc:
        session.rollback()
        current = item_view(_item(session, item_id)).model_dump(mode="json")
        raise HTTPException(
            status.HTTP_409_CONFLICT, {"message": str(exc), "item": current}
        ) from exc
    except (UnknownLabelError, InvalidDecisionError, NotATestableItemError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except RasaModelError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, RASA_DOWN) from exc
    session.commit()
    return DecisionResult(
        items=[item_view(i) for i in items], conversation_test=str(saved) if saved else None
    )


@router.post("/export", summary="把已确认和改标的消息写进 data/nlu_reviewed.yml")
def export(session: SessionDep, settings: SettingsDep, _: OperatorDep) -> ExportView:
    summary = export_training_file(session, settings.training_data_dir)
    return ExportView(
        path=str(summary.path),
        written=summary.written,
        already_in_data=summary.already_in_data,
        held_out=summary.held_out,
        conflicting=summary.conflicting,
        by_intent=summary.by_intent,
    )
