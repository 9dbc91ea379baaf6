"""Model versions: registering what was trained, promoting it into Rasa, rolling back.

The database says which version serves; Rasa is told with `PUT /model`, and only
after Rasa has loaded a model does the database record the change, so a failed
load leaves everything as it was.
"""

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.rasa.model_api import RasaModelAPI, model_id_of
from api.training.guard import GuardMargins, refusals
from api.training.models import ModelVersion, PromotionRecord, VersionStatus

MIN_OVERRIDE_REASON = 4


class VersionNotFoundError(LookupError):
    """No model version with that id."""


class PromotionRefusedError(Exception):
    """The guard (or the version's state) does not allow this promotion."""

    def __init__(self, reasons: list[str], *, overridable: bool = False) -> None:
        self.reasons = reasons
        self.overridable = overridable
        super().__init__("；".join(reasons))


def file_fingerprint(path: Path) -> str:
    """A digest of a model archive, to recognise the same model under another name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def serving_version(session: Session) -> ModelVersion | None:
    """The version Rasa serves, if one was registered."""
    query = select(ModelVersion).where(ModelVersion.status == VersionStatus.SERVING.value)
    return session.scalars(query).first()


def ensure_serving(
    session: Session, rasa: RasaModelAPI, started_with: Path, now: datetime
) -> ModelVersion:
    """The version Rasa serves right now, registered on first sight.

    Rasa's `/status` names the loaded model's id; a version with that id becomes
    the serving one (someone may have restarted Rasa on another model). If no
    version has it, the model the stack was started with is registered.
    """
    loaded = rasa.loaded_model_id()
    current = serving_version(session)
    if current is not None and current.model_id == loaded:
        return current
    known = session.scalars(select(ModelVersion).where(ModelVersion.model_id == loaded)).first()
    if known is None:
        if model_id_of(started_with) != loaded:
            raise ValueError("Rasa 正在用的模型不在版本库里，也不是启动时的模型")
        known = ModelVersion(
            path=str(started_with.resolve()),
            model_id=loaded,
            data_fingerprint=file_fingerprint(started_with),
            created_by="system",
            created_at=now,
        )
        session.add(known)
    if current is not None:
        current.status = VersionStatus.RETIRED.value
    known.status = VersionStatus.SERVING.value
    known.promoted_at = known.promoted_at or now
    known.promoted_by = known.promoted_by or "system"
    session.flush()
    return known


def get_version(session: Session, version_id: int) -> ModelVersion:
    """A version by id, or VersionNotFoundError."""
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise VersionNotFoundError(f"没有编号为 {version_id} 的模型版本")
    return version


def list_versions(session: Session) -> list[ModelVersion]:
    """Every version, newest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def blockers(session: Session, version: ModelVersion) -> list[str]:
    """Why this version cannot be promoted at all (no override helps)."""
    if version.status != VersionStatus.CANDIDATE.value:
        return ["只有待上线的候选模型可以上线；要回到以前的版本请用“回滚”"]
    if not Path(version.path).is_file():
        return ["模型文件不见了，无法上线"]
    if version.evaluation is None:
        return ["还没有评估，不能上线"]
    current = serving_version(session)
    if current is not None and version.compared_with_id != current.id:
        return ["评估时对比的不是当前在用的模型，请重新训练评估"]
    return []


def guard_refusals(version: ModelVersion, margins: GuardMargins) -> list[str]:
    """Where the candidate scored worse than the serving model (an operator may overrule)."""
    return refusals(version.evaluation, margins) if version.evaluation else []


def _switch(
    session: Session,
    rasa: RasaModelAPI,
    version: ModelVersion,
    *,
    action: str,
    actor: str,
    now: datetime,
    override_reason: str | None = None,
    refused_because: list[str] | None = None,
) -> ModelVersion:
    previous = serving_version(session)
    rasa.load(Path(version.path))  # raises before anything is recorded
    if previous is not None:
        previous.status = VersionStatus.RETIRED.value
    version.status = VersionStatus.SERVING.value
    version.promoted_at, version.promoted_by = now, actor
    session.add(
        PromotionRecord(
            version_id=version.id,
            previous_id=previous.id if previous else None,
            action=action,
            actor=actor,
            at=now,
            override_reason=override_reason,
            refused_because=refused_because,
        )
    )
    session.flush()
    return version


def promote(
    session: Session,
    rasa: RasaModelAPI,
    version_id: int,
    *,
    actor: str,
    now: datetime,
    margins: GuardMargins,
    override_reason: str | None = None,
) -> ModelVersion:
    """Serve a candidate, unless the guard refuses and no one overrules it with a reason."""
    version = get_version(session, version_id)
    hard = blockers(session, version)
    if hard:
        raise PromotionRefusedError(hard)
    reasons = guard_refusals(version, margins)
    reason = (override_reason or "").strip()
    if reasons and len(reason) < MIN_OVERRIDE_REASON:
        raise PromotionRefusedError(reasons, overridable=True)
    return _switch(
        session,
        rasa,
        version,
        action="promote",
        actor=actor,
        now=now,
        override_reason=reason or None,
        refused_because=reasons or None,
    )


def rollback(
    session: Session, rasa: RasaModelAPI, version_id: int, *, actor: str, now: datetime
) -> ModelVersion:
    """Serve an earlier version again, in one step (no guard: it served before)."""
    version = get_version(session, version_id)
    if version.status != VersionStatus.RETIRED.value:
        raise PromotionRefusedError(["只能回滚到以前上线过的版本"])
    if not Path(version.path).is_file():
        raise PromotionRefusedError(["这个版本的模型文件不见了，无法回滚"])
    return _switch(session, rasa, version, action="rollback", actor=actor, now=now)


def promotions(session: Session) -> list[PromotionRecord]:
    """Every promotion and rollback, newest first."""
    return list(session.scalars(select(PromotionRecord).order_by(PromotionRecord.id.desc())))
