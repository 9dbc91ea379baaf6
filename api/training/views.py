"""The operators' API (/api/operator): review inbox, export, retrain, evaluate, promote, roll back.

District operators only (bearer token of a `district_operator` account). The
page at /operator.html and `laoyang training` call the same service functions.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from api.auth.clock import NowDep
from api.auth.dependencies import OperatorDep
from api.dependencies import SessionDep, SessionFactoryDep, SettingsDep, WriteSessionDep
from api.query_params import Instant, SearchText
from api.row_ids import RowId
from api.training import jobs, service
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
    ModelVersion,
    ReviewItem,
    ReviewReason,
    ReviewStatus,
    TrainingJob,
)
from api.training.schemas import (
    DecisionResult,
    DecisionView,
    ExportView,
    GroupView,
    InboxView,
    ItemDetailView,
    ItemView,
    JobDetailView,
    JobView,
    LabelView,
    NewDecision,
    PromoteBody,
    PromotionView,
    TurnView,
    VersionDetailView,
    VersionView,
)
from api.training.serving import RasaModelError
from api.training.versions import (
    PromotionRefusedError,
    VersionNotFoundError,
    blockers,
    get_version,
    guard_refusals,
    list_versions,
    promotions,
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


def job_view(job: TrainingJob) -> JobView:
    """A job's state without its log."""
    return JobView.model_validate(job, from_attributes=True)


@router.post(
    "/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="开始重新训练（导出、校验、训练、评估）",
    responses={409: {"description": "已有训练任务在进行"}},
)
def start_job(
    session: SessionDep,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    operator: OperatorDep,
    now: NowDep,
) -> JobView:
    # The job claims its slot in sessions of its own: end this request's transaction
    # first, or on SQLite its write lock would keep them waiting.
    session.commit()
    try:
        job = service.start_retrain(
            factory, settings, actor=operator.actor, now=now, background=True
        )
    except jobs.JobAlreadyRunningError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return job_view(job)


@router.get("/jobs", summary="最近的训练任务")
def list_jobs(session: SessionDep, _: OperatorDep) -> list[JobView]:
    return [job_view(j) for j in jobs.list_jobs(session)]


@router.get("/jobs/{job_id}", summary="一个训练任务：进度和日志")
def get_job(job_id: RowId, session: SessionDep, _: OperatorDep) -> JobDetailView:
    job = session.get(TrainingJob, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有编号为 {job_id} 的训练任务")
    return JobDetailView(**job_view(job).model_dump(), log=jobs.log_tail(job))


def _headline(version: ModelVersion) -> dict[str, Any] | None:
    if not version.evaluation:
        return None
    return {
        "serving": version.evaluation["serving"]["headline"],
        "candidate": version.evaluation["candidate"]["headline"],
        "reviewed": {
            k: version.evaluation["reviewed"][k]
            for k in ("messages", "serving_correct", "candidate_correct")
        },
    }


def version_view(version: ModelVersion) -> VersionView:
    """A model version with its headline figures."""
    return VersionView(
        id=version.id,
        status=version.status,
        model_id=version.model_id,
        file=Path(version.path).name,
        data_fingerprint=version.data_fingerprint[:12],
        reviewed_count=version.reviewed_count,
        created_by=version.created_by,
        created_at=version.created_at,
        promoted_by=version.promoted_by,
        promoted_at=version.promoted_at,
        compared_with_id=version.compared_with_id,
        headline=_headline(version),
    )


@router.get("/models", summary="模型版本（最新在前）")
def models(
    session: SessionDep, settings: SettingsDep, _: OperatorDep, now: NowDep
) -> list[VersionView]:
    try:  # the model Rasa serves is listed from the first look, not only after a promotion
        service.register_serving(session, settings, now)
        session.commit()
    except (RasaModelError, ValueError):  # Rasa down, or serving a model we never saw
        session.rollback()
    return [version_view(v) for v in list_versions(session)]


@router.get("/models/{version_id}", summary="一个模型版本：评估对比和能否上线")
def model_detail(
    version_id: RowId, session: SessionDep, settings: SettingsDep, _: OperatorDep
) -> VersionDetailView:
    try:
        version = get_version(session, version_id)
    except VersionNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return VersionDetailView(
        **version_view(version).model_dump(),
        evaluation=version.evaluation,
        blockers=blockers(session, version),
        guard_refusals=guard_refusals(version, service.guard_margins(settings)),
    )


def _switched(session: SessionDep, version_id: int, action: Any, **kwargs: Any) -> VersionView:
    try:
        version = action(session, version_id=version_id, **kwargs)
    except VersionNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except PromotionRefusedError as exc:
        session.rollback()
        detail = {"message": str(exc), "reasons": exc.reasons, "overridable": exc.overridable}
        raise HTTPException(status.HTTP_409_CONFLICT, detail) from exc
    except RasaModelError as exc:
        session.rollback()
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, RASA_DOWN) from exc
    session.commit()
    return version_view(version)


@router.post(
    "/models/{version_id}/promote",
    summary="上线候选模型（不重启，正在进行的对话不受影响）",
    responses={409: {"description": "评估变差被拦下（可填理由强制），或不是候选模型"}},
)
def promote_model(
    version_id: RowId,
    body: PromoteBody,
    session: SessionDep,
    settings: SettingsDep,
    operator: OperatorDep,
    now: NowDep,
) -> VersionView:
    return _switched(
        session,
        version_id,
        lambda s, **kw: service.promote_version(s, settings, **kw),
        actor=operator.actor,
        now=now,
        override_reason=body.override_reason,
    )


@router.post("/models/{version_id}/rollback", summary="回滚到以前上线过的版本")
def rollback_model(
    version_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    operator: OperatorDep,
    now: NowDep,
) -> VersionView:
    return _switched(
        session,
        version_id,
        lambda s, **kw: service.rollback_version(s, settings, **kw),
        actor=operator.actor,
        now=now,
    )


@router.get("/promotions", summary="上线和回滚记录")
def promotion_log(session: SessionDep, _: OperatorDep) -> list[PromotionView]:
    return [PromotionView.model_validate(p, from_attributes=True) for p in promotions(session)]
