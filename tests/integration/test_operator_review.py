"""The operators' review API on the real app and database, reading a tracker store shaped by Rasa.

The tracker here is a SQLite file with Rasa 3.6's `events` table, filled the
way Rasa fills it; the end-to-end tests read the one the real Rasa writes.
Rasa itself is down in these tests (a free port), which is what the
"Rasa is down" cases need.
"""

import json
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.auth.service import create_account
from api.cli import main as cli_main
from api.clock import get_now
from api.database import transaction
from api.main import create_app
from api.rasa.tracker import EVENTS
from api.settings import PROJECT_ROOT, Settings
from api.tickets import handover, lifecycle
from api.tickets.models import Ticket
from api.training import cli as training_cli
from api.training import jobs
from api.training.models import JobStatus, ModelVersion, TrainingJob, VersionStatus
from api.training.nlu_files import load_examples
from api.training.service import rasa_api
from tests.integration.staff_support import (
    ROOM,
    TZ,
    bearer,
    file_ticket,
    free_port,
    make_token,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


class Tracker:
    """Rasa's `events` table in a SQLite file, written as Rasa writes it."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        self._engine = create_engine(self.url)
        EVENTS.metadata.create_all(self._engine)

    def _add(self, sender: str, type_name: str, data: dict[str, Any], intent: str | None) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(
                insert(EVENTS).values(
                    sender_id=sender,
                    type_name=type_name,
                    timestamp=time.time(),
                    intent_name=intent,
                    data=json.dumps({"event": type_name, **data}, ensure_ascii=False),
                )
            )
            return int(result.inserted_primary_key[0])

    def user(self, sender: str, text: str, intent: str, confidence: float) -> int:
        parse = {"text": text, "intent": {"name": intent, "confidence": confidence}}
        return self._add(sender, "user", {"text": text, "parse_data": parse}, intent)

    def bot(self, sender: str, text: str) -> int:
        return self._add(sender, "bot", {"text": text}, None)

    def slot(self, sender: str, name: str, value: Any) -> int:
        return self._add(sender, "slot", {"name": name, "value": value}, None)


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Tracker:
    return Tracker(tmp_path_factory.mktemp("tracker") / "tracker.db")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("training") / "data"
    shutil.copytree(PROJECT_ROOT / "data", target)
    return target


@pytest.fixture(scope="module")
def settings(database_url: str, tracker: Tracker, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        tracker_url=tracker.url,
        training_data_dir=data_dir,
        model_store=data_dir.parent / "models",
        training_workspace=data_dir.parent / "work",
        conversation_tests_dir=data_dir.parent / "stories",
    )


@pytest.fixture(scope="module")
def app_client(settings: Settings, registry: Path) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def operator(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return bearer(make_token(session_factory, Role.DISTRICT_OPERATOR, None, NOW))


def sender() -> str:
    return f"resident-{uuid.uuid4().hex[:10]}"


def tag() -> str:
    """A word no other test uses, to find this test's messages."""
    return uuid.uuid4().hex[:6]


def groups(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/operator/inbox", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["groups"])


def only_item(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    found = groups(client, headers, **params)
    assert len(found) == 1, found
    return dict(found[0]["sample"])


def decide(client: TestClient, headers: dict[str, str], item: dict[str, Any], **body: Any) -> Any:
    body.setdefault("expected_version", item["version"])
    return client.post(
        f"/api/operator/inbox/items/{item['id']}/decision", headers=headers, json=body
    )


def operator_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operator endpoint the app publishes, with ids filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), re.sub(r"\{[a-z_]+\}", "1", path))
        for path, methods in paths.items()
        if path.startswith("/api/operator")
        for method in methods
    ]


def test_only_operators_reach_the_loop(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    routes = operator_routes(app_client)
    assert len(routes) >= 13
    staff = bearer(make_token(session_factory, Role.STATION_STAFF, ROOM, NOW))
    service = bearer(make_token(session_factory, Role.SERVICE, None, NOW))
    for method, path in routes:
        assert app_client.request(method, path).status_code == 401, path
        for headers in (staff, service):
            answer = app_client.request(method, path, headers=headers, json={})
            assert answer.status_code == 403, (path, answer.text)
            assert "权限" in answer.json()["detail"]


def test_inbox_flags_what_deserves_review_and_masks_it(
    app_client: TestClient, operator: dict[str, str], tracker: Tracker
) -> None:
    word, resident = tag(), sender()
    tracker.user(resident, f"{word}你好", "greet", 0.99)
    tracker.bot(resident, "您好，我是智慧杨")
    tracker.user(resident, "/affirm", "affirm", 1.0)  # a button: nobody typed it
    asked = tracker.user(resident, f"{word}光纤断了，电话13912345678", "report_power_outage", 0.55)
    tracker.bot(resident, "请问在哪里？")
    tracker.user(resident, f"{word}不是停电，是网断了", "correct", 0.9)
    tracker.user(sender(), f"{word}嗯嗯嗯", "nlu_fallback", 0.2)
    tracker.user(sender(), f"{word}我要找真人", "handoff", 0.97)

    flagged = {
        g["sample"]["text"]: g["sample"]
        for g in groups(app_client, operator, q=word, flagged_only="true")
    }
    texts = {t.removeprefix(word) for t in flagged}
    assert texts == {"光纤断了，电话【电话】", "嗯嗯嗯", "我要找真人"}
    report = flagged[f"{word}光纤断了，电话【电话】"]
    assert set(report["reasons"]) == {"low_confidence", "corrected"}
    assert "不是停电" in report["context_note"]
    assert report["predicted_code"] == "power_outage" and report["confidence"] == 0.55
    assert flagged[f"{word}嗯嗯嗯"]["reasons"] == ["fallback"]
    assert flagged[f"{word}我要找真人"]["reasons"] == ["handoff"]

    everything = groups(app_client, operator, q=word)  # a search looks at every message
    assert len(everything) == 5  # the greeting and the correction too, not the button
    assert groups(app_client, operator, flagged_only="false", q=word) == everything

    detail = app_client.get(f"/api/operator/inbox/items/{report['id']}", headers=operator).json()
    lines = [(t["speaker"], t["text"], t["is_reviewed"]) for t in detail["conversation"]]
    assert ("user", f"{word}光纤断了，电话【电话】", True) in lines
    assert ("bot", "请问在哪里？", False) in lines
    assert "13912345678" not in json.dumps(detail, ensure_ascii=False)
    assert asked > 0

    again = app_client.get("/api/operator/inbox", headers=operator, params={"q": word}).json()
    assert again["taken_in"] == 0  # nothing is taken in twice


def test_returned_and_recategorised_tickets_come_to_review(
    app_client: TestClient, operator: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    word = tag()
    returned = file_ticket(session_factory, ROOM, NOW, description=f"{word}小区光纤断了")
    moved = file_ticket(
        session_factory, ROOM, NOW, service_code="power_outage", description=f"{word}网断了"
    )
    with transaction(session_factory) as session:
        for number, action in ((returned, "return"), (moved, "recategorise")):
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            if action == "return":
                handover.return_ticket(
                    session,
                    ticket,
                    actor="staff:a",
                    now=NOW,
                    reason=handover.ReturnReason.NOT_OUR_DUTY,
                    note="这是通信公司的事",
                )
            else:
                handover.recategorise(
                    session,
                    ticket,
                    actor="staff:b",
                    now=NOW,
                    service_code="other",
                    note="是网络问题",
                )
    by_number = {
        g["sample"]["ticket_number"]: g["sample"] for g in groups(app_client, operator, q=word)
    }
    assert by_number[returned]["reasons"] == ["returned"]
    assert "退单" in by_number[returned]["context_note"]
    recat = by_number[moved]
    assert recat["reasons"] == ["recategorised"]
    assert recat["predicted_intent"] == "report_power_outage"
    assert recat["suggested_intent"] == "report_other"
    assert "停电断电 → 其他诉求" in recat["context_note"]


def test_what_broke_a_conversation_is_flagged_even_when_the_model_was_sure(
    app_client: TestClient,
    operator: dict[str, str],
    tracker: Tracker,
    session_factory: sessionmaker[Session],
) -> None:
    word, resident = tag(), sender()
    # A typed correction that the model read as a report, not as "correct".
    tracker.user(resident, f"{word}家里没有水了", "report_water_supply", 0.97)
    tracker.user(resident, f"{word}哦搞错了，是厨房水管在漏", "report_water_leak", 0.95)
    # An answer to "where?" the bot could not use.
    other = sender()
    tracker.user(other, f"{word}小区门口井盖不见了", "report_public_facility", 0.98)
    tracker.user(other, f"{word}就那个地方嘛", "inform", 0.91)
    tracker.slot(other, "place_attempts", 1.0)
    # A ticket the resident said was not fixed.
    number = file_ticket(session_factory, ROOM, NOW, description=f"{word}阳台渗水")
    with transaction(session_factory) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        lifecycle.sign(session, ticket, actor="staff:a", now=NOW)
        lifecycle.resolve(session, ticket, actor="staff:a", now=NOW, resolution="已修好")
    with transaction(session_factory) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        lifecycle.reopen(session, ticket, actor="resident", now=NOW, reason="还是在渗水")

    found = {
        g["sample"]["text"].removeprefix(word): g["sample"]
        for g in groups(app_client, operator, q=word)
    }
    assert "corrected" in found["家里没有水了"]["reasons"]
    assert "place_unusable" in found["就那个地方嘛"]["reasons"]
    assert "reopened" in found["阳台渗水"]["reasons"]
    assert "还是在渗水" in found["阳台渗水"]["context_note"]


def test_a_later_decision_sees_the_earlier_one(
    app_client: TestClient,
    operator: dict[str, str],
    tracker: Tracker,
    session_factory: sessionmaker[Session],
) -> None:
    word = tag()
    tracker.user(sender(), f"{word}宽带装不上", "report_power_outage", 0.4)
    item = only_item(app_client, operator, q=word)
    second = bearer(make_token(session_factory, Role.DISTRICT_OPERATOR, None, NOW))

    first = decide(app_client, operator, item, action="relabel", service_code="other")
    assert first.status_code == 200, first.text
    late = decide(app_client, second, item, action="confirm")
    assert late.status_code == 409
    detail = late.json()["detail"]
    assert "已于" in detail["message"] and "其他诉求" in detail["message"]
    assert detail["item"]["label_intent"] == "report_other"
    assert detail["item"]["status"] == "relabelled"

    history = app_client.get(f"/api/operator/inbox/items/{item['id']}", headers=second).json()
    assert [d["action"] for d in history["decisions"]] == ["relabel"]
    retry = decide(app_client, second, detail["item"], action="noise")
    assert retry.status_code == 200  # with the version it has now seen
    history = app_client.get(f"/api/operator/inbox/items/{item['id']}", headers=second).json()
    assert [(d["action"], d["previous_status"]) for d in history["decisions"]] == [
        ("relabel", "pending"),
        ("noise", "relabelled"),
    ]


def test_one_decision_labels_a_whole_group(
    app_client: TestClient, operator: dict[str, str], tracker: Tracker
) -> None:
    word = tag()
    for text in (f"{word}网断了！", f"{word}网断了", f"{word}网断了啊"):
        tracker.user(sender(), text, "nlu_fallback", 0.1)
    [group] = groups(app_client, operator, q=word)
    assert group["count"] == 3
    answer = decide(
        app_client,
        operator,
        group["sample"],
        action="relabel",
        intent="report_other",
        whole_group=True,
    )
    assert answer.status_code == 200
    assert {i["label_intent"] for i in answer.json()["items"]} == {"report_other"}
    assert len(answer.json()["items"]) == 3
    assert groups(app_client, operator, q=word) == []  # none pending any more


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"action": "relabel", "intent": "make_coffee"}, 422, "没有这个意图"),
        (
            {"action": "relabel", "intent": "report_gas", "service_code": "water_leak"},
            422,
            "不一致",
        ),
        ({"action": "relabel", "service_code": "nonsense"}, 422, "没有这个类别"),
        ({"action": "confirm"}, 422, "不能“确认”"),
        ({"action": "fly"}, 422, ""),
        ({"action": "noise", "colour": "red"}, 422, ""),
    ],
)
def test_bad_decisions_get_a_reason(
    app_client: TestClient,
    operator: dict[str, str],
    tracker: Tracker,
    body: dict[str, Any],
    status: int,
    words: str,
) -> None:
    word = tag()
    tracker.user(sender(), f"{word}啊这", "nlu_fallback", 0.1)
    item = only_item(app_client, operator, q=word)
    answer = decide(app_client, operator, item, **body)
    assert answer.status_code == status, answer.text
    assert words in json.dumps(answer.json(), ensure_ascii=False)
    assert only_item(app_client, operator, q=word)["status"] == "pending"


def test_unknown_things_are_404(app_client: TestClient, operator: dict[str, str]) -> None:
    for path in (
        "/api/operator/inbox/items/999999",
        "/api/operator/jobs/999999",
        "/api/operator/models/999999",
    ):
        answer = app_client.get(path, headers=operator)
        assert answer.status_code == 404 and "没有编号为" in answer.json()["detail"]
    answer = app_client.post(
        "/api/operator/inbox/items/999999/decision",
        headers=operator,
        json={"action": "noise", "expected_version": 0},
    )
    assert answer.status_code == 404


def test_export_writes_masked_new_examples_only(
    app_client: TestClient, operator: dict[str, str], tracker: Tracker, data_dir: Path
) -> None:
    word = tag()
    known = (PROJECT_ROOT / "data" / "nlu.yml").read_text(encoding="utf-8")
    hand_written = load_examples(PROJECT_ROOT / "data" / "nlu.yml")[0]
    held_out = load_examples(PROJECT_ROOT / "tests" / "nlu" / "test_set.yml")[0]
    fresh = f"{word}光纤断了，电话13912345678，住5号楼1单元301室"
    for text in (fresh, hand_written.text, held_out.text, f"{word}两样", f"{word}两样"):
        tracker.user(sender(), text, "nlu_fallback", 0.1)
    for text, intent in (
        (fresh, "report_other"),
        (hand_written.text, hand_written.intent),
        (held_out.text, held_out.intent),
    ):
        item = only_item(app_client, operator, q=text if text != fresh else word + "光纤")
        assert (
            decide(app_client, operator, item, action="relabel", intent=intent).status_code == 200
        )
    [pair] = groups(app_client, operator, q=f"{word}两样")
    for item_id, intent in zip(pair["item_ids"], ("greet", "thanks"), strict=True):
        body = {"action": "relabel", "intent": intent, "expected_version": 0}
        app_client.post(
            f"/api/operator/inbox/items/{item_id}/decision", headers=operator, json=body
        )

    answer = app_client.post("/api/operator/export", headers=operator)
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    written = (data_dir / "nlu_reviewed.yml").read_text(encoding="utf-8")
    assert f"{word}光纤断了，电话【电话】，住【门牌号】" in written
    assert "13912345678" not in written and "301" not in written
    assert summary["already_in_data"] >= 1 and summary["held_out"] >= 1
    assert f"{word}两样" in summary["conflicting"]
    assert f"{word}两样" not in written
    assert held_out.text not in written
    assert (PROJECT_ROOT / "data" / "nlu.yml").read_text(encoding="utf-8") == known


def test_one_training_job_at_a_time(
    app_client: TestClient,
    operator: dict[str, str],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    paths = jobs.TrainingPaths(
        settings.training_data_dir,
        settings.model_store,
        settings.training_workspace,
        settings.rasa_model_path,
    )
    job = jobs.create_job(session_factory, paths, "staff:cli", NOW)
    try:
        with pytest.raises(jobs.JobAlreadyRunningError, match=f"#{job.id}"):
            jobs.create_job(session_factory, paths, "staff:other", NOW)
        answer = app_client.post("/api/operator/jobs", headers=operator)
        assert answer.status_code == 409 and f"#{job.id}" in answer.json()["detail"]
    finally:
        jobs._finish(session_factory, job.id, NOW, "测试结束")


def test_a_failed_job_leaves_the_serving_model_alone(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "data"
    shutil.copytree(settings.training_data_dir, broken)
    (broken / "nlu.yml").write_text(
        "nlu:\n  - intent: not_in_the_domain\n    examples: |\n      - 你好\n"
    )
    paths = jobs.TrainingPaths(
        broken, tmp_path / "models", tmp_path / "work", settings.rasa_model_path
    )
    with session_factory() as session:
        versions_before = session.query(ModelVersion).count()
    job = jobs.create_job(session_factory, paths, "staff:test", NOW)
    jobs.run_job(session_factory, job, paths, rasa_api(settings), lambda: NOW)
    with session_factory() as session:
        done = session.get(TrainingJob, job.id)
        assert done is not None and done.status == JobStatus.FAILED
        assert done.running_slot is None and done.error
        assert "校验" in done.stage
        assert session.query(ModelVersion).count() == versions_before
    assert not list((tmp_path / "models").glob("*.tar.gz"))
    assert "validate" in Path(done.log_path).read_text(encoding="utf-8")


def test_a_job_cut_off_by_a_restart_is_marked_failed(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        session.execute(
            TrainingJob.__table__.update()
            .where(TrainingJob.status == "running")
            .values(status="failed", running_slot=None)
        )
        ghost = TrainingJob(
            status="running",
            running_slot=1,
            stage="训练",
            progress=40,
            requested_by="staff:x",
            created_at=NOW,
            log_path="",
            runner=f"999999999@{socket.gethostname()}",
        )
        session.add(ghost)
    with transaction(session_factory) as session:
        assert jobs.fail_interrupted_jobs(session, NOW + timedelta(minutes=1)) == 1
    with session_factory() as session:
        job = session.get(TrainingJob, ghost.id)
        assert job is not None and job.status == "failed" and "中断" in (job.error or "")


def test_promotion_with_rasa_down_changes_nothing(
    app_client: TestClient, operator: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        candidate = ModelVersion(
            path=str(PROJECT_ROOT / "models" / "zhihuiyang.tar.gz"),
            model_id=uuid.uuid4().hex,
            status=VersionStatus.CANDIDATE.value,
            data_fingerprint="x",
            created_by="staff:test",
            created_at=NOW,
        )
        session.add(candidate)
    answer = app_client.post(
        f"/api/operator/models/{candidate.id}/promote", headers=operator, json={}
    )
    assert answer.status_code == 502 and "没有变化" in answer.json()["detail"]
    with session_factory() as session:
        version = session.get(ModelVersion, candidate.id)
        assert version is not None and version.status == "candidate"
    rollback = app_client.post(f"/api/operator/models/{candidate.id}/rollback", headers=operator)
    assert rollback.status_code == 502


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main(["training", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_does_what_the_page_does(
    app_client: TestClient,
    operator: dict[str, str],
    tracker: Tracker,
    settings: Settings,
    session_factory: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(training_cli, "get_settings", lambda: settings)
    with transaction(session_factory) as session:
        create_account(
            session,
            username=(name := f"op.{tag()}"),
            display_name="命令行操作员",
            role=Role.DISTRICT_OPERATOR,
            station_code=None,
            password="correct horse battery",
        )
    word = tag()
    tracker.user(sender(), f"{word}光纤断了，电话13912345678", "report_power_outage", 0.3)

    code, out, _ = run_cli(capsys, "inbox", "--search", word)
    assert code == 0 and "13912345678" not in out and f"{word}光纤断了，电话【电话】" in out
    item_id = int(out.split("#", 1)[1].split()[0])

    code, _, err = run_cli(
        capsys, "decide", str(item_id), "relabel", "--code", "other", "--operator", "nobody"
    )
    assert code == 2 and "不是在用的区级操作员" in err
    code, out, _ = run_cli(
        capsys, "decide", str(item_id), "relabel", "--code", "other", "--operator", name
    )
    assert code == 0 and "已处理 1 条" in out
    # The page sees the CLI's decision, and a second decision must look first.
    page = app_client.get(f"/api/operator/inbox/items/{item_id}", headers=operator).json()
    assert page["item"]["label_intent"] == "report_other"
    assert page["decisions"][0]["actor"] == f"staff:{name}"
    code, _, err = run_cli(capsys, "decide", str(item_id), "noise", "--operator", name)
    assert code == 2 and "已于" in err

    code, out, _ = run_cli(capsys, "export")
    assert code == 0 and "写入" in out
    assert f"{word}光纤断了，电话【电话】" in (
        settings.training_data_dir / "nlu_reviewed.yml"
    ).read_text(encoding="utf-8")
    code, _, err = run_cli(capsys, "promote", "999999", "--operator", name)
    assert code == 2 and err.strip()


def test_a_relabelled_message_cannot_become_a_test_as_it_was_answered(
    app_client: TestClient, operator: dict[str, str], tracker: Tracker
) -> None:
    word = tag()
    tracker.user(sender(), f"{word}网断了三天", "report_power_outage", 0.3)
    item = only_item(app_client, operator, q=word)
    relabelled = decide(app_client, operator, item, action="relabel", service_code="other")
    answer = decide(app_client, operator, relabelled.json()["items"][0], action="mark_test")
    assert answer.status_code == 422 and "按错的意图" in answer.json()["detail"]
    assert only_item(app_client, operator, q=word, status="relabelled")["for_test"] is False
