"""`laoyang staff …` against the test database: accounts, API keys, revocation, listing."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.auth import cli as staff_cli
from api.auth.service import authenticate_token, find_account, login
from api.cli import main
from api.settings import Settings
from tests.integration.staff_support import ROOM, unique

PASSWORD = "九龙坡-老杨-2026"


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, database_url: str, registry: object) -> None:
    monkeypatch.setattr(staff_cli, "get_settings", lambda: Settings(database_url=database_url))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_reads_the_password_from_a_file_and_never_prints_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    name = unique("wang.li")
    code, out, err = run(
        capsys, "staff", "create", name, "--name", "王丽", "--role", "station_staff",
        "--station", ROOM, "--password-file", str(secret),
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == f"已创建工作站人员 {name}（王丽），所属站点 {ROOM}"
    assert PASSWORD not in out + err
    with session_factory() as session:
        issued = login(
            session, username=name, password=PASSWORD, client="cli-test", now=datetime.now(UTC)
        )
        assert issued.token


def test_create_reads_a_piped_password_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    name = unique("li.na")
    code, out, _ = run(
        capsys, "staff", "create", name, "--name", "李娜", "--role", "district_operator"
    )
    assert code == 0
    assert "区级管理员" in out and PASSWORD not in out


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--role", "station_staff"], "工作站人员必须指定所属站点"),
        (
            ["--role", "station_staff", "--station", "500107999999"],
            "没有编码为 500107999999 的站点",
        ),
        (["--role", "district_operator", "--password-file", "/nonexistent"], "找不到密码文件"),
        (["--role", "service", "--password-file", "/etc/hostname"], "集成账号不设密码"),
    ],
)
def test_create_refuses_in_chinese(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    reason: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = run(capsys, "staff", "create", unique("x"), "--name", "某人", *argv)
    assert code == 2
    assert reason in err and out == ""


def test_a_short_password_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(
        capsys, "staff", "create", unique("y"), "--name", "某人", "--role", "district_operator"
    )
    assert code == 2 and "密码至少 10 位" in err


def test_an_integration_gets_an_api_key_once_and_revoke_kills_it(
    capsys: pytest.CaptureFixture[str], session_factory: sessionmaker[Session]
) -> None:
    name = unique("grid")
    assert run(capsys, "staff", "create", name, "--name", "区网格平台", "--role", "service")[0] == 0
    code, out, _ = run(capsys, "staff", "token", name, "--label", "网格平台", "--days", "30")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert "只显示这一次" in out
    with session_factory() as session:
        assert authenticate_token(session, key, datetime.now(UTC)) is not None

    code, out, _ = run(capsys, "staff", "revoke", name)
    assert (code, out.strip()) == (0, f"已注销 {name} 的 1 个令牌")
    with session_factory() as session:
        assert authenticate_token(session, key, datetime.now(UTC)) is None


def test_staff_accounts_get_no_api_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    name = unique("zhang.wei")
    run(capsys, "staff", "create", name, "--name", "张伟", "--role", "district_operator")
    code, _, err = run(capsys, "staff", "token", name)
    assert code == 2 and "只有集成账号发放 API 密钥" in err
    assert run(capsys, "staff", "token", unique("ghost"))[2].startswith("没有用户")


def test_revoke_can_disable_and_list_shows_it(
    capsys: pytest.CaptureFixture[str], session_factory: sessionmaker[Session]
) -> None:
    name = unique("old.key")
    run(capsys, "staff", "create", name, "--name", "旧平台", "--role", "service")
    run(capsys, "staff", "token", name)
    code, out, _ = run(capsys, "staff", "revoke", name, "--disable")
    assert code == 0 and "账号已停用" in out
    with session_factory() as session:
        account = find_account(session, name)
        assert account is not None and not account.active
    code, out, _ = run(capsys, "staff", "list")
    assert code == 0 and out.startswith("共 ")
    line = next(line for line in out.splitlines() if name in line)
    assert "旧平台" in line and "集成账号" in line and "停用" in line and "有效令牌 0" in line


@pytest.mark.parametrize("username", ["王丽", "a", "wang li", ".dot", "x" * 65, "wang\tli"])
def test_usernames_are_short_ascii_identifiers(
    capsys: pytest.CaptureFixture[str], username: str
) -> None:
    code, _, err = run(capsys, "staff", "create", username, "--name", "某人", "--role", "service")
    assert code == 2 and "用户名只能用字母、数字、点、下划线和连字符" in err
