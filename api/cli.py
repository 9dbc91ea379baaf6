"""`laoyang`: the command line for operators and for `make`.

laoyang db upgrade                 apply migrations to DATABASE_URL
laoyang stations import FILE       load a division list (idempotent)
laoyang tickets escalate           督办: escalate overdue tickets now (the app does it every 5 min)
laoyang tickets purge-personal [--days N] [--dry-run]
                                   remove residents' personal data past the retention period
laoyang staff create|token|revoke|list   staff accounts and integration API keys
laoyang webhooks deliver           one pass of due webhook deliveries
laoyang training inbox|show|decide|export|retrain|jobs|models|model|promote|rollback
                                   the operators' review-and-retrain loop
laoyang run                        start Rasa and the app, stop both on Ctrl-C
"""

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from api.auth.cli import add_staff_commands
from api.database import transaction
from api.retention.sweep import purge_command, retention_days
from api.schema import upgrade_database
from api.sessions import open_database
from api.settings import get_settings
from api.stations.registry import import_divisions, read_division_file
from api.tickets.escalation import escalate_command
from api.tickets.service import report_filer
from api.tickets.spool import replay_spool, spooled
from api.training.cli import add_training_commands
from api.webhooks.cli import add_webhook_commands


def _db_upgrade(_: argparse.Namespace) -> int:
    upgrade_database(get_settings().database_url)
    print("数据库已是最新结构。")
    return 0


def _stations_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件：{path}", file=sys.stderr)
        return 2
    try:
        rows = read_division_file(path)
    except ValueError as exc:
        print(f"文件格式有误：{exc}", file=sys.stderr)
        return 2
    engine, factory = open_database(get_settings().database_url)
    with transaction(factory) as session:
        summary = import_divisions(session, rows)
    engine.dispose()
    print(
        f"站点导入完成：新增 {summary.created}，更新 {summary.updated}，未变 {summary.unchanged}"
        f"（{path.name}）"
    )
    return 0


def _tickets_replay(_: argparse.Namespace) -> int:
    settings = get_settings()
    engine, factory = open_database(settings.database_url, settings.database_timeout_seconds)
    file = report_filer(ZoneInfo(settings.timezone), settings.default_district_code)
    numbers = replay_spool(settings.spool_dir, factory, file)
    engine.dispose()
    print(f"补登暂存的报告 {len(numbers)} 件" + (f"：{'、'.join(numbers)}" if numbers else ""))
    left = len(spooled(settings.spool_dir))
    if left:
        print(f"还有 {left} 件没能补登（原因见上方日志），请稍后再运行一次。", file=sys.stderr)
        return 1
    return 0


def _run(_: argparse.Namespace) -> int:
    from api.launcher import run_forever

    return run_forever(get_settings())


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(prog="laoyang", description="智慧杨 operations")
    commands = parser.add_subparsers(dest="command", required=True)
    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    stations = commands.add_parser("stations", help="station registry").add_subparsers(
        dest="stations", required=True
    )
    importer = stations.add_parser("import", help="load a division list CSV")
    importer.add_argument("file")
    importer.set_defaults(func=_stations_import)
    tickets = commands.add_parser("tickets", help="tickets").add_subparsers(
        dest="tickets", required=True
    )
    tickets.add_parser(
        "replay", help="file reports spooled while the database was down"
    ).set_defaults(func=_tickets_replay)
    tickets.add_parser(
        "escalate", help="督办: escalate tickets past their deadlines, once per stage"
    ).set_defaults(func=escalate_command)
    purge = tickets.add_parser(
        "purge-personal",
        help="remove residents' personal data from tickets closed longer than the retention period",
    )
    purge.add_argument(
        "--days", type=retention_days, help="retention period in days (default RETENTION_DAYS)"
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(func=purge_command)
    add_staff_commands(commands)
    add_webhook_commands(commands)
    add_training_commands(commands)
    commands.add_parser("run", help="start Rasa and the app").set_defaults(func=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `laoyang` command."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
