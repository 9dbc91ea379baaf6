"""The operators' retrain loop: training jobs, model versions, promotion and rollback.

The review inbox is `api.training.views`; both routers serve /api/operator.
"""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.auth.dependencies import OperatorDep
from api.clock import NowDep
from api.dependencies import SessionDep, SessionFactoryDep, SettingsDep
from api.rasa.model_api import RasaModelError
from api.row_ids import RowId
from api.training import jobs, service
from api.training.models import (
    ModelVersion,
    TrainingJob,
)
from api.training.schemas import (
    JobDetailView,
    JobView,
    PromoteBody,
    PromotionView,
    VersionDetailView,
    VersionView,
)
from api.training.versions import (
    PromotionRefusedError,
    VersionNotFoundError,
    blockers,
    get_version,
    guard_refusals,
    list_versions,
    promotions,
)
from api.training.views import RASA_DOWN

router = APIRouter(prefix="/api/operator", tags=["运营 · 对话复核与训练"])


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
