"""Loading the station registry from a division list, and the `laoyang stations import` command."""

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from api import cli
from api.settings import get_settings
from api.stations.models import Station
from api.stations.registry import import_divisions, read_division_file

HEADER = ["code", "name", "level", "parent_code", "parent_name", "lat", "lon", "source"]
SYNTHETIC = [
    ["900100", "测试区", "district", "500100", "重庆市市辖区", "29.1", "106.1", "test"],
    ["900100001", "试验街道", "town", "900100", "测试区", "29.2", "106.2", "test"],
    ["900100001001", "样板路社区居民委员会", "village", "900100001", "试验街道", "", "", "test"],
    [
        "900100001201",
        "示范村村民委员会",
        "village",
        "900100001",
        "试验街道",
        "29.21",
        "106.21",
        "t",
    ],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def scratch(session: Session) -> Iterator[Session]:
    """The registry session; whatever the test imports is rolled back."""
    yield session
    session.rollback()


def test_reimporting_the_registry_changes_nothing(scratch: Session, registry: Path) -> None:
    rows = read_division_file(registry)
    first = import_divisions(scratch, rows)
    second = import_divisions(scratch, rows)
    for summary in (first, second):
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, len(rows))


def test_import_creates_then_leaves_unchanged(scratch: Session, tmp_path: Path) -> None:
    rows = read_division_file(write_csv(tmp_path / "divisions.csv", SYNTHETIC))
    first = import_divisions(scratch, rows)
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    second = import_divisions(scratch, rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)

    village = scratch.get(Station, "900100001001")
    assert village is not None
    assert village.parent_code == "900100001"
    assert village.lat is None and village.active
    district = scratch.get(Station, "900100")
    assert district is not None
    assert district.parent_code is None  # 500100 is not in the registry


def test_changed_rows_are_reported_updated(scratch: Session, tmp_path: Path) -> None:
    import_divisions(scratch, read_division_file(write_csv(tmp_path / "a.csv", SYNTHETIC)))
    changed = [list(row) for row in SYNTHETIC]
    changed[2][1] = "样板大道社区居民委员会"  # renamed
    changed[3][5] = "29.215"  # moved
    summary = import_divisions(scratch, read_division_file(write_csv(tmp_path / "b.csv", changed)))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 2)

    renamed = scratch.get(Station, "900100001001")
    assert renamed is not None
    assert renamed.name == "样板大道社区居民委员会"
    moved = scratch.get(Station, "900100001201")
    assert moved is not None
    assert moved.lat == pytest.approx(29.215)


def test_children_listed_before_parents_still_get_their_parent(
    scratch: Session, tmp_path: Path
) -> None:
    rows = read_division_file(write_csv(tmp_path / "rev.csv", list(reversed(SYNTHETIC))))
    import_divisions(scratch, rows)
    village = scratch.get(Station, "900100001201")
    assert village is not None
    assert village.parent_code == "900100001"


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (["900100002", "坏街道", "county", "900100", "测试区", "", "", "t"], "level"),
        (["90A100002", "坏街道", "town", "900100", "测试区", "", "", "t"], "code"),
        (["9001", "坏街道", "town", "900100", "测试区", "", "", "t"], "code"),
        (["900100002", "坏街道", "town", "900100", "测试区", "291", "106.2", "t"], "lat"),
        (["900100002", "", "town", "900100", "测试区", "", "", "t"], "name"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(
    tmp_path: Path, bad_row: list[str], column: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [*SYNTHETIC[:2], bad_row, SYNTHETIC[2]])
    with pytest.raises(ValueError) as raised:
        read_division_file(path)
    message = str(raised.value)
    # Line 1 is the header, so the third data row is line 4.
    assert f"{path}:4:" in message
    assert column in message


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`laoyang` reads DATABASE_URL; point it at the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_database")
def test_cli_import_reports_what_it_did(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = read_division_file(registry)
    assert cli.main(["stations", "import", str(registry)]) == 0
    out = capsys.readouterr().out
    # The test database already holds the registry, so nothing is new.
    assert f"新增 0，更新 0，未变 {len(rows)}" in out
    assert registry.name in out


@pytest.mark.usefixtures("cli_database")
def test_cli_import_of_a_missing_file_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert cli.main(["stations", "import", str(missing)]) == 2
    assert "找不到文件" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_database")
def test_cli_import_of_a_bad_file_fails_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(tmp_path / "bad.csv", [["900100", "测试区", "city", "", "", "", "", "t"]])
    assert cli.main(["stations", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "文件格式有误" in err
    assert f"{bad}:2:" in err
