"""A Rasa shard dies in the middle of a report; `laoyang run`'s supervisor brings it back.

A real outage on a system of this test's own (started like `make run` starts one on
two cores: two Rasa processes, with isolated settings, in a temporary folder): the
resident's own Rasa process is killed with SIGKILL, as the kernel's out-of-memory
killer would. Meanwhile the app says it is degraded (which shard is down), tells
that resident to try again later, and residents of the other shard carry on as if
nothing happened; once the process is back, the resident's message, resent as the
chat page resends it, carries on the same report (Rasa keeps conversations in its
SQL tracker store) and ends with a ticket.
"""

import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.launcher import Stack, start_stack, stop_stack
from api.rasa.routing import shard_of
from api.supervisor import Supervisor
from eval.dialogue_stack import isolated_settings
from tests.e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.processes]

TIANBAOLU = "500107001011"
SAY_LATER = "智慧杨暂时联系不上，请稍后再试。"


@pytest.fixture
def supervised(
    database_url: str, registry: Path, tmp_path: Path
) -> Iterator[tuple[Stack, Supervisor]]:
    """A system of its own under the supervisor `laoyang run` uses, stopped afterwards."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    settings = isolated_settings(database_url, var_dir, shards=2)
    stack = start_stack(settings, var_dir=var_dir, app_log=var_dir / "app.log")
    supervisor = stack.supervisor
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        yield stack, supervisor
    finally:
        supervisor.stop()
        thread.join(timeout=10)
        stop_stack(stack)


def health_until(http: httpx.Client, status: str, seconds: float) -> dict[str, Any]:
    """Poll /health until it says `status`; its last answer either way."""
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = http.get("/health").json()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def chat(http: httpx.Client, sender: str, text: str, message_id: str) -> httpx.Response:
    body = {"sender": sender, "message": text, "message_id": message_id}
    return http.post("/api/chat", json=body)


def test_rasa_killed_mid_report_comes_back_and_the_report_goes_on(
    supervised: tuple[Stack, Supervisor], caplog: pytest.LogCaptureFixture
) -> None:
    stack, _ = supervised
    caplog.set_level(logging.INFO, logger="api.supervisor")
    with httpx.Client(base_url=stack.app_url, timeout=60) as http:
        resident = Resident(http)
        resident.says("我家天花板漏水了")
        assert "哪里" in resident.text
        resident.says("杨家坪街道天宝路社区")
        assert "手机号" in resident.text

        shard = shard_of(resident.sender, 2)
        neighbour = Resident(http)
        while shard_of(neighbour.sender, 2) == shard:
            neighbour = Resident(http)
        killed = stack.processes[shard].pid
        os.kill(killed, signal.SIGKILL)

        health = health_until(http, "degraded", 10)
        assert health["status"] == "degraded", health
        assert health["checks"] == {"database": "ok", "rasa": "down", "action_server": "ok"}
        assert health["rasa_shards"][shard] == "down" and health["rasa_shards"][1 - shard] == "ok"
        assert any(part.startswith("rasa") for part in health["down"])
        assert http.get("/health").status_code == 200

        # A resident of the other shard is not touched by the outage at all.
        neighbour.says("小区门口的路灯不亮了")
        assert "哪里" in neighbour.text

        # The resident types their phone meanwhile: a quick, friendly "try later".
        message_id = uuid.uuid4().hex
        began = time.monotonic()
        refused = chat(http, resident.sender, "13812345678", message_id)
        assert refused.status_code == 503
        assert refused.json()["detail"] == SAY_LATER
        assert time.monotonic() - began < 10

        # Started again after a second, and the terminal says why it had gone.
        deadline = time.monotonic() + 10
        while stack.processes[shard].pid == killed and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stack.processes[shard].pid != killed
        said = [r.getMessage() for r in caplog.records if r.name == "api.supervisor"]
        assert any("rasa" in line and "SIGKILL" in line for line in said), said

        back = health_until(http, "ok", 240)
        assert back == {
            "status": "ok",
            "checks": {"database": "ok", "rasa": "ok", "action_server": "ok"},
            "rasa_shards": ["ok", "ok"],
        }

        # The page's 重发 sends the same message with the same id: the report goes on
        # from the phone number, with the problem and the place it had before.
        resent = chat(http, resident.sender, "13812345678", message_id)
        assert resent.status_code == 200, resent.text
        resident.last = resent.json()
        assert "天宝路" in resident.text and "138****5678" in resident.text
        assert "哪里" not in resident.text and "手机号" not in resident.text
        # Sent once more (a second tap, a flaky network): the same answer, the bot
        # does not hear the phone number twice.
        assert chat(http, resident.sender, "13812345678", message_id).json() == resent.json()

        resident.taps("确认提交")
        card = resident.ticket_card()
        assert card["category"] == "漏水渗水"
        assert "天宝路社区" in card["station"]
        ticket = http.get(
            f"/api/tickets/{card['number']}", headers={"X-Sender-Id": resident.sender}
        ).json()
        assert ticket["description"] == "我家天花板漏水了"
        assert ticket["station_code"] == TIANBAOLU
        assert ticket["contact_phone_masked"] == "138****5678"
