"""The operators' loop on the real processes: a message the bot gets wrong is fixed for good.

Resident messages go through the chat into Rasa's tracker store; an operator
finds them in the inbox, relabels them, retrains (a real `rasa train`),
reads the evaluation, promotes the candidate into the running Rasa server and
rolls it back again. The same batch carries a deliberately damaging label set,
which the guard refuses until an operator gives a reason. One retrain does all
of it: each takes minutes.

The training data, models and conversation tests go to the session's own
folders (see the `live` fixture), never into the project.
"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.launcher import MODEL_PATH, RASA_CLI, RASA_PYTHON, Stack
from api.privacy import redact
from api.settings import PROJECT_ROOT
from tests.e2e.conftest import Resident

pytestmark = pytest.mark.e2e

# Internet access is not a utility of the catalogue: "other". The test takes the first
# of these that the serving model gets wrong (it fails if it gets them all right).
WRONG_CANDIDATES = (
    "光纤断了屋头没得网",
    "屋头的光猫一直闪红灯",
    "路由器连不上，家里没得wifi",
    "小区的5G信号差得很，电话都打不通",
)
RIGHT_INTENT = "report_other"
SIMILAR = (
    "宽带断了好几天了，上不了网",
    "3栋2单元的光纤被挖断了，联系13912345678",
    "屋头的网络一直掉线，电信也不来修",
    "网线被施工队挖断了，手机都没得信号",
    "我身份证110101199003074512，家里宽带装不上",
)
PHONE_DIGITS = ("13912345678", "110101199003074512")
JOB_TIMEOUT_SECONDS = 1500

# Leaks reported in many words, every one labelled as a hygiene problem: a label
# set that would teach the bot to send leaks to the wrong people.
DAMAGING_PLACES = (
    "厨房", "卫生间", "天花板", "阳台", "客厅墙角", "楼道", "卧室顶上", "屋顶", "楼上", "墙壁",
)  # fmt: skip
# Ten wordings for each of ten places: with six the leak code's F1 drop sat close to the
# guard's 3-point margin and a retrain now and then stayed under it.
DAMAGING_WORDS = (
    "一直在滴水", "漏水漏得凶", "渗水渗成一片", "水管爆了在喷水", "往下漏水", "湿了一大块",
    "漏水了", "在渗水", "水一直往下滴", "漏得到处是水",
)  # fmt: skip
DAMAGING_INTENT = "report_environment"


@pytest.fixture(scope="module")
def operator(live: Stack, operator_token: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {operator_token}"}
    with httpx.Client(
        base_url=f"{live.app_url}/api/operator", headers=headers, timeout=400
    ) as http:
        yield http


def parse(client: httpx.Client, text: str) -> str:
    response = client.post("/api/nlu/parse", json={"text": text})
    assert response.status_code == 200, response.text
    return str(response.json()["intent"]["name"])


def inbox_item(operator: httpx.Client, text: str) -> dict[str, Any]:
    """The newest undecided message with exactly this text (masked form)."""
    response = operator.get("/inbox", params={"q": text, "flagged_only": "false"})
    assert response.status_code == 200, response.text
    items = [g["sample"] for g in response.json()["groups"] if g["sample"]["text"] == text]
    assert items, f"{text!r} is not in the inbox: {response.json()}"
    return items[0]


def relabel(operator: httpx.Client, item: dict[str, Any], intent: str) -> dict[str, Any]:
    body = {"action": "relabel", "intent": intent, "expected_version": item["version"]}
    response = operator.post(f"/inbox/items/{item['id']}/decision", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["items"][0])


def retrain(operator: httpx.Client) -> dict[str, Any]:
    """Start a job and wait for it; returns the finished job (with its log)."""
    started = operator.post("/jobs")
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    seen_progress: list[int] = []
    stages: set[str] = set()
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        job = operator.get(f"/jobs/{job_id}").json()
        seen_progress.append(job["progress"])
        stages.add(job["stage"])
        if job["status"] != "running":
            assert job["status"] == "succeeded", "\n".join(job["log"])
            assert seen_progress == sorted(seen_progress), "progress went backwards"
            assert "校验训练数据" in stages and any(s.startswith("训练") for s in stages), stages
            return dict(job)
        time.sleep(3)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT_SECONDS}s")


@pytest.mark.retrain
@pytest.mark.timeout(JOB_TIMEOUT_SECONDS + 300)
def test_relabel_retrain_refuse_override_promote_and_roll_back(
    live: Stack, operator: httpx.Client, client: httpx.Client, new_resident: Any
) -> None:
    """One retrain (minutes) carries the whole loop.

    The operator fixes a message the bot gets wrong and, in the same batch, labels
    a hundred leaks as hygiene problems. The guard refuses the candidate over the leaks,
    never over the fix; a reason too short is refused as well; with a real reason
    the candidate goes into the running Rasa, fixes the message, and is rolled back.
    """
    wrong = [text for text in WRONG_CANDIDATES if parse(client, text) != RIGHT_INTENT]
    assert wrong, "the serving model already gets every candidate right"
    message = wrong[0]
    new_resident().says(message)
    for text in SIMILAR:
        new_resident().says(text)
    leaks = [f"{place}{words}" for place in DAMAGING_PLACES for words in DAMAGING_WORDS]
    for text in leaks:
        new_resident().says(text)

    # The inbox shows the conversation's messages masked, with the bot's guess.
    item = inbox_item(operator, message)
    assert item["predicted_intent"] != RIGHT_INTENT and item["status"] == "pending"
    inbox = operator.get("/inbox", params={"flagged_only": "false"}).text
    for digits in PHONE_DIGITS:
        assert digits not in inbox
    assert "【电话】" in inbox and "【身份证号】" in inbox and "【门牌号】" in inbox
    detail = operator.get(f"/inbox/items/{item['id']}").json()
    assert any(turn["is_reviewed"] and turn["text"] == message for turn in detail["conversation"])
    assert any(turn["speaker"] == "bot" for turn in detail["conversation"])

    relabel(operator, item, RIGHT_INTENT)
    for text in SIMILAR:
        masked = inbox_item(operator, redact(text))
        relabel(operator, masked, RIGHT_INTENT)
    damaging = [relabel(operator, inbox_item(operator, t), DAMAGING_INTENT) for t in leaks]
    serving_leak = parse(client, "卫生间的水管漏水了")

    # A conversation in progress before the promotion must survive it.
    waiting = new_resident()
    waiting.says("我要反映个问题")

    job = retrain(operator)
    exported = Path(live.settings.training_data_dir) / "nlu_reviewed.yml"
    written = exported.read_text(encoding="utf-8")
    assert message in written
    for digits in PHONE_DIGITS:
        assert digits not in written
    assert job["log"] and job["finished_at"]

    candidate = operator.get(f"/models/{job['candidate_id']}").json()
    reviewed = candidate["evaluation"]["reviewed"]
    assert reviewed["candidate_correct"] > reviewed["serving_correct"]
    assert any(row["text"] == message and row["fixed"] for row in reviewed["flipped"])
    assert {row["code"] for row in candidate["evaluation"]["per_code"]} >= {"water_leak", "other"}
    assert candidate["blockers"] == []
    refusals = candidate["guard_refusals"]
    # The leaks pull down the leak or hygiene code's F1, or the macro F1 with them
    # (which of the two crosses its margin varies from one retrain to the next).
    assert any(("漏水" in r or "环境卫生" in r or "宏平均" in r) for r in refusals), refusals
    assert not any("其他诉求" in r for r in refusals), refusals
    serving_before = candidate["compared_with_id"]

    refused = operator.post(f"/models/{candidate['id']}/promote", json={})
    assert refused.status_code == 409
    assert refused.json()["detail"]["overridable"] is True
    reasons = refused.json()["detail"]["reasons"]
    assert any(("漏水" in r or "环境卫生" in r or "宏平均" in r) for r in reasons), reasons
    too_short = operator.post(f"/models/{candidate['id']}/promote", json={"override_reason": "要"})
    assert too_short.status_code == 409
    assert parse(client, "卫生间的水管漏水了") == serving_leak  # nothing changed in Rasa
    statuses = {v["id"]: v["status"] for v in operator.get("/models").json()}
    assert statuses[candidate["id"]] == "candidate"

    body = {"override_reason": "先修正光纤、宽带类消息的分类，漏水的问题随后回滚"}
    promoted = operator.post(f"/models/{candidate['id']}/promote", json=body)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "serving"
    assert parse(client, message) == RIGHT_INTENT  # the running bot, not restarted
    assert waiting.says("楼道的灯坏了")  # the earlier conversation carries on
    assert "在哪里" in waiting.text, waiting.text

    rolled = operator.post(f"/models/{serving_before}/rollback")
    assert rolled.status_code == 200, rolled.text
    assert parse(client, message) != RIGHT_INTENT
    assert parse(client, "卫生间的水管漏水了") == serving_leak
    versions = {v["id"]: v["status"] for v in operator.get("/models").json()}
    assert versions[serving_before] == "serving"
    assert versions[candidate["id"]] == "retired"
    log = operator.get("/promotions").json()
    assert [p["action"] for p in log[:2]] == ["rollback", "promote"]
    assert log[1]["override_reason"] == body["override_reason"]
    assert log[1]["refused_because"] == refusals

    # Undo the damage so that later exports in this session do not carry it.
    for item in damaging:
        body = {"action": "noise", "expected_version": item["version"]}
        assert operator.post(f"/inbox/items/{item['id']}/decision", json=body).status_code == 200


def test_conversation_test_is_saved_masked(
    live: Stack, operator: httpx.Client, resident: Resident, tmp_path: Path
) -> None:
    resident.says("你好")
    resident.says("我家3栋2单元的光纤断了，电话13912345678")
    item = inbox_item(operator, redact("我家3栋2单元的光纤断了，电话13912345678"))
    body = {"action": "mark_test", "expected_version": item["version"]}
    response = operator.post(f"/inbox/items/{item['id']}/decision", json=body)
    assert response.status_code == 200, response.text
    saved = Path(response.json()["conversation_test"])
    text = saved.read_text(encoding="utf-8")
    assert "13912345678" not in text and "【电话】" in text
    stories = yaml.safe_load(text)["stories"]
    user_steps = [s for story in stories for s in story["steps"] if "user" in s]
    assert user_steps[-1]["user"].strip() == item["text"]
    assert user_steps[-1]["intent"] == item["predicted_intent"]
    assert len(user_steps) >= 2
    # It is a story Rasa's own test runner accepts and the serving model passes.
    command = [
        str(RASA_PYTHON), str(RASA_CLI), "test", "core", "--model", str(MODEL_PATH),
        "--stories", str(saved), "--fail-on-prediction-errors", "--out", str(tmp_path / "core"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
