"""`laoyang training …`: the operators' loop from a terminal, through the same service functions.

Every decision names the operator (`--operator USERNAME`, an active district
operator account), as the web page does with its login.
"""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, StaffAccount
from api.database import transaction
from api.rasa.model_api import RasaModelError
from api.sessions import open_database
from api.settings import Settings, get_settings
from api.training import jobs, service
from api.training.decisions import (
    Decision,
    DecisionConflictError,
    InvalidDecisionError,
    ReviewItemNotFoundError,
    history,
)
from api.training.export import export_training_file
from api.training.inbox import InboxFilter, inbox_groups
from api.training.labels import UnknownLabelError, intent_name
from api.training.models import (
    REASON_NAMES,
    JobStatus,
    ReviewAction,
    ReviewItem,
    ReviewReason,
    ReviewStatus,
    TrainingJob,
)
from api.training.versions import (
    PromotionRefusedError,
    VersionNotFoundError,
    blockers,
    get_version,
    guard_refusals,
    list_versions,
)

Handler = Callable[[argparse.Namespace, Settings, sessionmaker[Session]], int]
EXPECTED_ERRORS = (
    ReviewItemNotFoundError,
    DecisionConflictError,
    InvalidDecisionError,
    UnknownLabelError,
    VersionNotFoundError,
    PromotionRefusedError,
    RasaModelError,
    jobs.JobAlreadyRunningError,
    LookupError,
)


class NotAnOperatorError(LookupError):
    """The named account is not an active district operator."""


@contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine, factory = open_database(settings.database_url)
    try:
        yield factory
    finally:
        engine.dispose()


def _operator(session: Session, username: str) -> str:
    account = session.scalars(select(StaffAccount).where(StaffAccount.username == username)).first()
    if account is None or not account.active or account.role != Role.DISTRICT_OPERATOR.value:
        raise NotAnOperatorError(f"{username} 不是在用的区级操作员账号")
    return f"staff:{username}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _inbox(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        taken = service.refresh_inbox(session, settings)
    flt = InboxFilter(
        status=None if args.all else ReviewStatus(args.status),
        flagged_only=not (args.everything or args.search),
        reason=ReviewReason(args.reason) if args.reason else None,
        intent=args.intent,
        min_confidence=args.min_confidence,
        max_confidence=args.max_confidence,
        since=args.since,
        until=args.until,
        text=args.search,
    )
    with factory() as session:
        groups = inbox_groups(session, flt)[: args.limit]
        print(f"新收进 {taken} 条；符合条件的 {len(groups)} 组")
        for group in groups:
            item = group.sample
            reasons = "、".join(REASON_NAMES.get(r, r) for r in group.reasons) or "-"
            print(
                f"#{item.id} ×{len(group.items)} [{reasons}] {intent_name(item.predicted_intent)} "
                f"{_percent(item.confidence)} v{item.version}  {item.text}"
            )
    return 0


def _show(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        item = session.get(ReviewItem, args.item)
        if item is None:
            raise ReviewItemNotFoundError(f"没有编号为 {args.item} 的消息")
        print(f"#{item.id} v{item.version} {item.status}  {item.text}")
        print(f"  机器人判断：{intent_name(item.predicted_intent)}（{_percent(item.confidence)}）")
        if item.context_note:
            print(f"  说明：{item.context_note}")
        for turn in service.conversation_around(settings, item):
            marker = "▶" if turn.is_reviewed else " "
            print(f"  {marker} {'居民' if turn.speaker == 'user' else '智慧杨'}：{turn.text}")
        for decision in history(session, item.id):
            print(
                f"  {decision.decided_at:%m-%d %H:%M} {decision.actor} {decision.action} "
                f"{intent_name(decision.intent) if decision.intent else ''}"
            )
    return 0


def _decide(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        actor = _operator(session, args.operator)
        item = session.get(ReviewItem, args.item)
        if item is None:
            raise ReviewItemNotFoundError(f"没有编号为 {args.item} 的消息")
        # Without --version the operator decides on what is there now, unless
        # someone already decided: then they must look first (like the page's 409).
        version = args.version if args.version is not None else item.version
        if args.version is None and item.status != ReviewStatus.PENDING.value:
            raise DecisionConflictError(item)
        decision = Decision(
            action=ReviewAction(args.action),
            expected_version=version,
            intent=args.intent,
            service_code=args.code,
            note=args.note,
            whole_group=args.group,
        )
        items, saved = service.record_decision(
            session, settings, args.item, decision, actor=actor, now=jobs.utc_now()
        )
    print(f"已处理 {len(items)} 条" + (f"；对话测试已存到 {saved}" if saved else ""))
    return 0


def _export(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        summary = export_training_file(session, settings.training_data_dir)
    print(
        f"写入 {summary.written} 条到 {summary.path}；"
        f"与现有训练数据重复 {summary.already_in_data}，"
        f"属于测试集 {summary.held_out}，标注冲突 {len(summary.conflicting)}"
    )
    for text in summary.conflicting:
        print(f"  冲突：{text}")
    return 0


def _retrain(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        actor = _operator(session, args.operator)
    print("开始训练（导出、校验、训练、评估），日志在任务目录里……", flush=True)
    job = service.start_retrain(
        factory, settings, actor=actor, now=jobs.utc_now(), background=False
    )
    with factory() as session:
        done = session.get(TrainingJob, job.id)
        assert done is not None
        if done.status != JobStatus.SUCCEEDED:
            print(
                f"训练失败：{done.error}（日志 {done.log_path}）；在用的模型没有变化",
                file=sys.stderr,
            )
            return 1
        print(
            f"训练完成：候选模型 #{done.candidate_id}；"
            f"用 `laoyang training model {done.candidate_id}` 查看评估"
        )
    return 0


def _jobs(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        for job in jobs.list_jobs(session):
            print(
                f"#{job.id} {job.status} {job.stage} {job.progress}% {job.requested_by} "
                f"{job.created_at:%m-%d %H:%M} {job.error or ''}"
            )
    return 0


def _models(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        for version in list_versions(session):
            figures = version.evaluation["candidate"]["headline"] if version.evaluation else {}
            print(
                f"#{version.id} {version.status} {version.created_by} "
                f"{version.created_at:%m-%d %H:%M} "
                f"macro-F1 {_percent(figures.get('service_code_macro_f1'))}"
            )
    return 0


def _model(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        version = get_version(session, args.version)
        evaluation: dict[str, Any] = version.evaluation or {}
        print(f"#{version.id} {version.status}，对比的在用模型 #{version.compared_with_id}")
        for row in evaluation.get("per_code", []):
            print(
                f"  {row['code']:16s} {row['serving_f1']:.3f} -> "
                f"{row['candidate_f1']:.3f} ({row['delta']:+.3f})"
            )
        reviewed = evaluation.get("reviewed", {})
        if reviewed:
            print(
                f"  已标注消息：在用 {reviewed['serving_correct']} / "
                f"候选 {reviewed['candidate_correct']} "
                f"（共 {reviewed['messages']}）"
            )
        for reason in blockers(session, version) + guard_refusals(
            version, service.guard_margins(settings)
        ):
            print(f"  不能直接上线：{reason}")
    return 0


def _promote(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        actor = _operator(session, args.operator)
        version = service.promote_version(
            session,
            settings,
            args.version,
            actor=actor,
            now=jobs.utc_now(),
            override_reason=args.override_reason,
        )
    print(f"模型 #{version.id} 已上线（Rasa 未重启）")
    return 0


def _rollback(args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        actor = _operator(session, args.operator)
        version = service.rollback_version(
            session, settings, args.version, actor=actor, now=jobs.utc_now()
        )
    print(f"已回滚到模型 #{version.id}")
    return 0


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    """Open the database, run the command, and turn expected refusals into one Chinese line."""

    def command(args: argparse.Namespace) -> int:
        settings = get_settings()
        try:
            with _database(settings) as factory:
                return handler(args, settings, factory)
        except EXPECTED_ERRORS as exc:
            print(str(exc), file=sys.stderr)
            return 2

    return command


def add_training_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `laoyang training …` on the main parser."""
    training = commands.add_parser("training", help="review, retrain, promote").add_subparsers(
        dest="training", required=True
    )
    inbox = training.add_parser("inbox", help="messages to review, grouped")
    inbox.add_argument("--status", default="pending", choices=[s.value for s in ReviewStatus])
    inbox.add_argument("--all", action="store_true", help="every status")
    inbox.add_argument("--everything", action="store_true", help="not only flagged messages")
    inbox.add_argument("--reason", choices=[r.value for r in ReviewReason])
    inbox.add_argument("--intent")
    inbox.add_argument("--min-confidence", type=float)
    inbox.add_argument("--max-confidence", type=float)
    inbox.add_argument("--since", type=datetime.fromisoformat)
    inbox.add_argument("--until", type=datetime.fromisoformat)
    inbox.add_argument("--search", help="text the message contains (looks at every message)")
    inbox.add_argument("--limit", type=int, default=50)
    inbox.set_defaults(func=_run(_inbox))
    show = training.add_parser("show", help="one message with its conversation")
    show.add_argument("item", type=int)
    show.set_defaults(func=_run(_show))
    decide = training.add_parser("decide", help="confirm, relabel, noise or test")
    decide.add_argument("item", type=int)
    decide.add_argument("action", choices=[a.value for a in ReviewAction])
    decide.add_argument("--operator", required=True)
    decide.add_argument("--intent")
    decide.add_argument("--code", help="service code, for reports")
    decide.add_argument("--note")
    decide.add_argument("--group", action="store_true", help="its pending look-alikes too")
    decide.add_argument("--version", type=int, help="the version you saw (to overrule a decision)")
    decide.set_defaults(func=_run(_decide))
    training.add_parser("export", help="write data/nlu_reviewed.yml").set_defaults(
        func=_run(_export)
    )
    retrain = training.add_parser("retrain", help="export, validate, train, evaluate (waits)")
    retrain.add_argument("--operator", required=True)
    retrain.set_defaults(func=_run(_retrain))
    training.add_parser("jobs", help="recent training jobs").set_defaults(func=_run(_jobs))
    training.add_parser("models", help="model versions").set_defaults(func=_run(_models))
    model = training.add_parser("model", help="one version's evaluation")
    model.add_argument("version", type=int)
    model.set_defaults(func=_run(_model))
    for name, handler, help_text in (
        ("promote", _promote, "serve a candidate (guarded)"),
        ("rollback", _rollback, "serve an earlier version again"),
    ):
        sub = training.add_parser(name, help=help_text)
        sub.add_argument("version", type=int)
        sub.add_argument("--operator", required=True)
        if name == "promote":
            sub.add_argument("--override-reason")
        sub.set_defaults(func=_run(handler))
