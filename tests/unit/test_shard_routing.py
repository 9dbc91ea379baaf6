"""Routing residents to Rasa shards: stable across processes, and the table file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.rasa.routing import RouteSource, RouteTable, read_routes, shard_of, write_routes

SENDERS = [f"resident-{n}" for n in range(64)] + ["wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "张三"]


def test_every_process_puts_a_resident_on_the_same_shard() -> None:
    """Python's own hash differs per process; the shard of a sender must not."""
    script = (
        "from api.rasa.routing import shard_of; import json, sys; "
        "print(json.dumps([shard_of(s, 3) for s in json.loads(sys.argv[1])]))"
    )
    here = [shard_of(sender, 3) for sender in SENDERS]
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", script, json.dumps(SENDERS)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert json.loads(out.stdout) == here


def test_residents_spread_over_all_shards() -> None:
    shards = [shard_of(f"r{n}", 4) for n in range(400)]
    assert all(60 < shards.count(index) < 140 for index in range(4))


def test_one_shard_takes_everyone_and_none_is_refused() -> None:
    assert {shard_of(sender, 1) for sender in SENDERS} == {0}
    with pytest.raises(ValueError, match="at least one shard"):
        shard_of("x", 0)


def test_rasa_urls_list_or_the_one_fallback() -> None:
    listed = RouteTable.from_list(" http://a:5005/, http://b:5005 ,", "http://c:1")
    assert listed.urls == ("http://a:5005", "http://b:5005")
    assert RouteTable.from_list("", "http://c:1/").urls == ("http://c:1",)


def test_the_table_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "run" / "routes.json"
    source = RouteSource(path, RouteTable(("http://fallback:1",)))
    assert source.current().urls == ("http://fallback:1",)
    write_routes(path, RouteTable(("http://a:1", "http://b:2"), "http://control:3"))
    assert source.current() == RouteTable(("http://a:1", "http://b:2"), "http://control:3")
    write_routes(path, RouteTable(("http://a:9", "http://b:2"), "http://control:3"))
    assert source.current().urls == ("http://a:9", "http://b:2")
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("{not json", encoding="utf-8")
    assert source.current().urls == ("http://a:9", "http://b:2"), "a bad file keeps the last table"
    assert [p.name for p in path.parent.iterdir()] == ["routes.json"]


def test_a_table_file_without_urls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    path.write_text(json.dumps({"urls": "http://a:1"}), encoding="utf-8")
    with pytest.raises(ValueError, match="urls must be a list"):
        read_routes(path)
