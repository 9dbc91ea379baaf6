"""The retrain job: export the decisions, validate, train, evaluate against the serving model.

One job at a time (a unique slot in the database, so two operators or an
operator and the CLI cannot start two). The job never touches the serving
model: a failed job leaves Rasa exactly as it was, and a finished one leaves a
candidate version that an operator may promote.
"""

import logging
import os
import shutil
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.rasa.model_api import RasaModelAPI, model_id_of
from api.training import rasa_env
from api.training.export import export_training_file
from api.training.models import JobStatus, ModelVersion, TrainingJob, VersionStatus
from api.training.versions import ensure_serving
from bot.train_model import fingerprint

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class JobAlreadyRunningError(Exception):
    """Another training job holds the slot."""

    def __init__(self, job: TrainingJob | None) -> None:
        self.job = job
        super().__init__(
            f"已有训练任务在进行（#{job.id}，{job.stage}，{job.progress}%），请等它结束"
            if job
            else "已有训练任务在进行，请等它结束"
        )


@dataclass(frozen=True)
class TrainingPaths:
    """Where a job reads data and writes models and logs."""

    data_dir: Path
    model_store: Path
    workspace: Path
    # The model Rasa was started with: registered as the first serving version.
    started_model: Path

    def job_dir(self, job_id: int) -> Path:
        """A job's own folder (log, comparison, Rasa's output)."""
        return self.workspace / "jobs" / str(job_id)


def _runner() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def running_job(session: Session) -> TrainingJob | None:
    """The job that holds the slot, if any."""
    query = select(TrainingJob).where(TrainingJob.status == JobStatus.RUNNING.value)
    return session.scalars(query).first()


def create_job(
    factory: sessionmaker[Session], paths: TrainingPaths, actor: str, now: datetime
) -> TrainingJob:
    """Claim the slot and record a new job, or JobAlreadyRunningError."""
    try:
        with transaction(factory) as session:
            job = TrainingJob(
                status=JobStatus.RUNNING.value,
                running_slot=1,
                stage="排队",
                progress=0,
                requested_by=actor,
                created_at=now,
                log_path="",
                runner=_runner(),
            )
            session.add(job)
            session.flush()
            log = paths.job_dir(job.id) / "job.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.touch()
            job.log_path = str(log)
    except IntegrityError:
        with factory() as session:
            raise JobAlreadyRunningError(running_job(session)) from None
    return job


class _Reporter:
    """Writes a job's stage and progress, skipping updates that change nothing."""

    def __init__(self, factory: sessionmaker[Session], job_id: int) -> None:
        self._factory, self._job_id = factory, job_id
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, progress: int) -> None:
        if (stage, progress) == self._last:
            return
        self._last = (stage, progress)
        with transaction(self._factory) as session:
            job = session.get(TrainingJob, self._job_id)
            if job is not None:
                job.stage, job.progress = stage, progress


def _log(job: TrainingJob, line: str) -> None:
    with Path(job.log_path).open("a", encoding="utf-8") as out:
        out.write(line.rstrip() + "\n")


def _finish(factory: sessionmaker[Session], job_id: int, now: datetime, error: str | None) -> None:
    with transaction(factory) as session:
        job = session.get(TrainingJob, job_id)
        if job is None:
            return
        job.status = (JobStatus.FAILED if error else JobStatus.SUCCEEDED).value
        job.running_slot = None
        job.finished_at = now
        job.error = error
        if not error:
            job.stage, job.progress = "完成", 100


def _train_candidate(
    factory: sessionmaker[Session],
    job: TrainingJob,
    paths: TrainingPaths,
    rasa: RasaModelAPI,
    clock: Clock,
) -> None:
    report = _Reporter(factory, job.id)
    log = Path(job.log_path)
    report("导出标注", 2)
    with transaction(factory) as session:
        summary = export_training_file(session, paths.data_dir)
    reviewed = [{"text": e.text, "intent": e.intent} for e in summary.examples]
    _log(
        job,
        f"导出 {summary.written} 条到 {summary.path}；与现有数据重复 {summary.already_in_data}，"
        f"属于测试集 {summary.held_out}，标注冲突 {len(summary.conflicting)}",
    )
    report("校验训练数据", 5)
    rasa_env.validate_data(paths.data_dir, log)
    work = paths.job_dir(job.id)
    trained = rasa_env.train(
        paths.data_dir,
        work / "rasa-out",
        f"candidate-{job.id}",
        log,
        rasa_env.TrainingProgress(report, 10, 80),
    )
    paths.model_store.mkdir(parents=True, exist_ok=True)
    stored = paths.model_store / f"model-{job.id}.tar.gz"
    shutil.move(trained, stored)
    report("评估", 82)
    with transaction(factory) as session:
        serving = ensure_serving(session, rasa, paths.started_model, clock())
        serving_path, serving_id = Path(serving.path), serving.id
    evaluation = rasa_env.compare(serving_path, stored, reviewed, work, log)
    with transaction(factory) as session:
        version = ModelVersion(
            path=str(stored.resolve()),
            model_id=model_id_of(stored),
            status=VersionStatus.CANDIDATE.value,
            data_fingerprint=fingerprint(data_dir=paths.data_dir),
            example_count=None,
            reviewed_count=summary.written,
            created_by=job.requested_by,
            created_at=clock(),
            evaluation=evaluation,
            compared_with_id=serving_id,
        )
        session.add(version)
        session.flush()
        saved = session.get(TrainingJob, job.id)
        if saved is not None:
            saved.candidate_id = version.id


def run_job(
    factory: sessionmaker[Session],
    job: TrainingJob,
    paths: TrainingPaths,
    rasa: RasaModelAPI,
    clock: Clock,
) -> None:
    """Run a created job to the end; failures are recorded on the job, never raised."""
    error: str | None = None
    try:
        _train_candidate(factory, job, paths, rasa, clock)
    except Exception as exc:  # the job records any failure; the app carries on
        error = str(exc) or type(exc).__name__
        _log(job, traceback.format_exc())
        logger.warning("training job %s failed: %s", job.id, error)
    _finish(factory, job.id, clock(), error)


def start_in_background(
    factory: sessionmaker[Session],
    job: TrainingJob,
    paths: TrainingPaths,
    rasa: RasaModelAPI,
    clock: Clock,
) -> threading.Thread:
    """Run a created job on a thread of this process (the app's way)."""
    thread = threading.Thread(
        target=run_job,
        args=(factory, job, paths, rasa, clock),
        name=f"training-job-{job.id}",
        daemon=True,
    )
    thread.start()
    return thread


def fail_interrupted_jobs(session: Session, now: datetime) -> int:
    """Jobs whose process on this host is gone (a restart cut them off) are marked failed."""
    host = socket.gethostname()
    count = 0
    for job in session.scalars(select(TrainingJob).where(TrainingJob.status == "running")):
        pid, _, job_host = job.runner.partition("@")
        if job_host == host and pid.isdigit() and not _alive(int(pid)):
            job.status, job.running_slot, job.finished_at = JobStatus.FAILED.value, None, now
            job.error = "任务被中断（服务重启），在用的模型没有变化，请重新开始训练"
            count += 1
    return count


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_jobs(session: Session, limit: int = 20) -> list[TrainingJob]:
    """The newest jobs first."""
    query = select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)
    return list(session.scalars(query))


def log_tail(job: TrainingJob, lines: int = 60) -> list[str]:
    """The last lines of a job's log."""
    path = Path(job.log_path)
    if not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)
