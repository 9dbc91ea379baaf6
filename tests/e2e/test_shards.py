"""Rasa as two processes: residents keep to their shard, and promotion replaces processes.

On a system of this test's own, started as `make run` starts one on two cores. A
promotion here goes the way an operator's does (RasaModelAPI.load, the call behind
"上线" and "回滚"), while residents are in the middle of reports: nobody may get an
error, lose a message or be answered twice, and afterwards new processes serve
from new addresses while the old ones are gone.
"""

import os
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.launcher import MODEL_PATH, Stack, start_stack, stop_stack
from api.rasa.model_api import RasaModelAPI, RasaModelError, model_id_of
from api.rasa.reader import RasaReader
from api.rasa.routing import rasa_routes, read_routes, shard_of
from eval.dialogue_stack import isolated_settings
from tests.e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.processes]


@pytest.fixture(scope="module")
def two_shards(
    database_url: str, registry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("shards")
    settings = isolated_settings(database_url, var_dir, shards=2)
    stack = start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")
    yield stack
    stop_stack(stack)


def operators_api(stack: Stack) -> RasaModelAPI:
    """The model API as the operators' promotion builds it, from the launcher's table."""
    return RasaModelAPI(read_routes(stack.settings.launcher_routes_file), stack.settings.rasa_token)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def report(http: httpx.Client, errors: list[str], place: str) -> str:
    """One whole report; every reply must be the expected next step. Returns the ticket."""
    resident = Resident(http)
    steps = [("我们楼道的灯坏了，晚上黑黢黢的", "哪里"), (place, "手机号"), ("13912345678", "确认")]
    for text, expected in steps:
        try:
            resident.says(text)
        except AssertionError as exc:
            errors.append(f"{resident.sender}: {exc}")
            return ""
        if expected not in resident.text:
            errors.append(f"{resident.sender} said {text!r}, got {resident.text!r}")
            return ""
    resident.taps("确认提交")
    return str(resident.ticket_card()["number"])


def test_each_resident_keeps_to_one_shard_and_both_shards_serve(two_shards: Stack) -> None:
    urls = two_shards.rasa_urls
    assert len(urls) == 2 and len(set(urls)) == 2
    with httpx.Client(base_url=two_shards.app_url, timeout=60) as http:
        residents = [Resident(http) for _ in range(12)]
        assert {shard_of(r.sender, 2) for r in residents} == {0, 1}
        for resident in residents:
            resident.says("我家停水了")
            assert "哪里" in resident.text


def test_promotion_replaces_the_processes_under_load_and_nobody_notices(
    two_shards: Stack,
) -> None:
    old_pids = [p.pid for p in two_shards.processes[:2]]
    old_urls = two_shards.rasa_urls
    errors: list[str] = []
    tickets: list[str] = []
    stop = threading.Event()

    def residents_keep_reporting() -> None:
        with httpx.Client(base_url=two_shards.app_url, timeout=60) as http:
            while not stop.is_set():
                tickets.append(report(http, errors, "杨家坪街道天宝路社区"))

    workers = [threading.Thread(target=residents_keep_reporting) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        operators_api(two_shards).load(MODEL_PATH)
        with httpx.Client(base_url=two_shards.app_url, timeout=60) as http:
            for _ in range(2):  # conversations wholly on the new processes
                tickets.append(report(http, errors, "谢家湾街道劳动一村社区"))
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    assert errors == [], "\n".join(errors)
    assert all(tickets) and len(set(tickets)) == len(tickets) >= 6
    new_urls = two_shards.rasa_urls
    assert set(new_urls).isdisjoint(old_urls)
    assert read_routes(two_shards.settings.launcher_routes_file).urls == tuple(new_urls)
    assert not any(alive(pid) for pid in old_pids)
    assert all(p.poll() is None for p in two_shards.processes)
    for url in new_urls:
        status = httpx.get(f"{url}/status", params={"token": two_shards.settings.rasa_token})
        assert status.json()["model_id"] == model_id_of(MODEL_PATH)
    with httpx.Client(base_url=two_shards.app_url, timeout=30) as http:
        assert http.get("/health").json()["status"] == "ok"
    # What the actions ask the model (a corrected problem's own words) follows the move too.
    reader = RasaReader(rasa_routes(two_shards.settings), two_shards.settings.rasa_token)
    assert reader.code_of("厨房的水管一直在漏水") == "water_leak"


def test_a_model_rasa_cannot_load_changes_nothing(two_shards: Stack, tmp_path: Path) -> None:
    urls = two_shards.rasa_urls
    pids = [p.pid for p in two_shards.processes]
    broken = tmp_path / "broken.tar.gz"
    metadata = tmp_path / "metadata.json"
    metadata.write_text(f'{{"model_id": "{uuid.uuid4().hex}"}}', encoding="utf-8")
    with tarfile.open(broken, "w:gz") as archive:
        archive.add(metadata, arcname="metadata.json")
    with pytest.raises(RasaModelError, match="没能上线"):
        operators_api(two_shards).load(broken)
    assert two_shards.rasa_urls == urls
    assert [p.pid for p in two_shards.processes] == pids
    with httpx.Client(base_url=two_shards.app_url, timeout=60) as http:
        resident = Resident(http)
        resident.says("我家停水了")
        assert "哪里" in resident.text
    assert not running_with(str(broken)), "the failed candidate's process was left running"


def running_with(argument: str) -> list[int]:
    """The pids of processes whose command line names `argument`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argument.encode() in command:
            found.append(int(proc.name))
    return found
