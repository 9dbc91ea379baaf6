"""`laoyang staff …`: create accounts, hand integrations an API key, revoke, list.

Passwords never appear on the command line or the screen: they are typed at
a hidden prompt (twice), piped on stdin, or read from `--password-file`.
API keys are printed once, when made; the database keeps only their hash.
"""

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import Role, StaffAccount, TokenKind
from api.auth.service import (
    AccountError,
    create_account,
    find_account,
    issue_token,
    revoke_all_tokens,
)
from api.database import transaction
from api.sessions import open_database
from api.settings import get_settings

ROLE_NAMES: dict[str, str] = {
    Role.STATION_STAFF: "工作站人员",
    Role.DISTRICT_OPERATOR: "区级管理员",
    Role.SERVICE: "集成账号",
}
EXIT_ERROR = 2


class PasswordInputError(ValueError):
    """The password could not be read as asked (reason in Chinese)."""


@contextmanager
def _session() -> Iterator[Session]:
    engine, factory = open_database(get_settings().database_url)
    try:
        with transaction(factory) as session:
            yield session
    finally:
        engine.dispose()


def read_password(password_file: str | None, stdin: TextIO | None = None) -> str:
    """From a file, a hidden prompt (typed twice), or the first line piped on stdin."""
    stdin = stdin or sys.stdin
    if password_file:
        path = Path(password_file)
        if not path.is_file():
            raise PasswordInputError(f"找不到密码文件：{path}")
        return path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    if stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != first:
            raise PasswordInputError("两次输入的密码不一致")
        return first
    return stdin.readline().rstrip("\r\n")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_ERROR


def _create(args: argparse.Namespace) -> int:
    role = Role(args.role)
    password = None
    if role is Role.SERVICE:
        if args.password_file:
            return _fail("集成账号不设密码，请用 laoyang staff token 发放 API 密钥")
    else:
        try:
            password = read_password(args.password_file)
        except PasswordInputError as exc:
            return _fail(str(exc))
    try:
        with _session() as session:
            account = create_account(
                session,
                username=args.username,
                display_name=args.name,
                role=role,
                station_code=args.station,
                password=password,
            )
            station = f"，所属站点 {account.station_code}" if account.station_code else ""
    except AccountError as exc:
        return _fail(f"未创建：{exc}")
    print(f"已创建{ROLE_NAMES[role]} {args.username}（{args.name}）{station}")
    return 0


def _token(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        return _fail("--days 至少为 1")
    ttl = timedelta(days=args.days) if args.days else None
    with _session() as session:
        account = find_account(session, args.username)
        if account is None:
            return _fail(f"没有用户 {args.username}")
        if account.role != Role.SERVICE:
            return _fail("只有集成账号发放 API 密钥；工作人员请用密码登录 /api/auth/token")
        if not account.active:
            return _fail(f"账号 {args.username} 已停用")
        issued = issue_token(
            session,
            account,
            kind=TokenKind.API_KEY,
            now=datetime.now(UTC),
            ttl=ttl,
            label=args.label,
        )
    until = (
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC 前有效"
        if issued.expires_at
        else "长期有效，直到注销"
    )
    print(f"{args.username} 的 API 密钥（{until}；只显示这一次，请妥善保存）：")
    print(issued.token)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _session() as session:
        account = find_account(session, args.username)
        if account is None:
            return _fail(f"没有用户 {args.username}")
        count = revoke_all_tokens(session, account, datetime.now(UTC))
        if args.disable:
            account.active = False
    suffix = "，账号已停用" if args.disable else ""
    print(f"已注销 {args.username} 的 {count} 个令牌{suffix}")
    return 0


def _list(_: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    with _session() as session:
        accounts = session.scalars(select(StaffAccount).order_by(StaffAccount.username)).all()
        lines = [_account_line(account, now) for account in accounts]
    print(f"共 {len(lines)} 个账号" + ("：" if lines else ""))
    for line in lines:
        print(line)
    return 0


def _account_line(account: StaffAccount, now: datetime) -> str:
    live = sum(
        1
        for token in account.tokens
        if token.revoked_at is None and (token.expires_at is None or token.expires_at > now)
    )
    state = "启用" if account.active else "停用"
    station = account.station_code or "全区"
    role = ROLE_NAMES.get(account.role, account.role)
    return (
        f"  {account.username}\t{account.display_name}\t{role}\t{station}\t{state}\t有效令牌 {live}"
    )


def add_staff_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `laoyang staff create|token|revoke|list`."""
    staff = commands.add_parser("staff", help="staff accounts and API keys").add_subparsers(
        dest="staff", required=True
    )
    create = staff.add_parser("create", help="create an account (password asked, never echoed)")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="显示名，例如 王丽")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--station", help="所属站点编码（工作站人员必填）")
    create.add_argument("--password-file", help="从文件第一行读取密码")
    create.set_defaults(func=_create)
    token = staff.add_parser("token", help="issue an API key for a service account (shown once)")
    token.add_argument("username")
    token.add_argument("--label", help="用途，例如 区网格平台")
    token.add_argument("--days", type=int, help="有效天数；不填则长期有效直到注销")
    token.set_defaults(func=_token)
    revoke = staff.add_parser("revoke", help="revoke every token of an account")
    revoke.add_argument("username")
    revoke.add_argument("--disable", action="store_true", help="同时停用账号")
    revoke.set_defaults(func=_revoke)
    staff.add_parser("list", help="list accounts").set_defaults(func=_list)
