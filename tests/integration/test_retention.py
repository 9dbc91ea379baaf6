"""Residents' personal data goes once the retention period is over; the figures do not move.

The sweep runs as operators run it, `laoyang tickets purge-personal`, with the
period chosen so that the cutoff falls on 1 July 2025 whatever day the test
runs: tickets closed in January 2025 are past it, one closed in August is not.
"""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.cli import main
from api.conversations.models import HandoffRequest
from api.database import transaction
from api.retention.sweep import run_retention_sweep
from api.settings import get_settings
from api.tickets.models import Ticket, TicketEvent
from tests.integration.retention_support import PHONE, PROGRESS, TrackerStore, at, file, work
from tests.integration.staff_support import ROOM, Clock, bearer, make_token, staff_client

CUTOFF_DAY = date(2025, 7, 1)
FIGURES_NOW = at(2025, 9, 1)
FIGURES = {"from": "2025-01-01", "to": "2025-08-31"}
# What only the resident gave: their place (in the text and the location) and phone.
HOME = "8栋3单元602"
# What the ticket is, where it went and when: figures and staff lists are made of these.
LASTING = (
    "number",
    "service_code",
    "emergency",
    "status",
    "station_code",
    "created_at",
    "contact_due_at",
    "resolve_due_at",
    "dispatch_reason",
    "escalation_level",
    "return_count",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackerStore]:
    tracker = TrackerStore(tmp_path_factory.mktemp("tracker") / "tracker.db")
    yield tracker
    tracker.close()


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    with staff_client(database_url, Clock(FIGURES_NOW)) as http:
        yield http


@pytest.fixture(scope="module")
def staff(session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Staff of the holding station: they see the whole phone number, and the figures."""
    return bearer(make_token(session_factory, Role.STATION_STAFF, ROOM, FIGURES_NOW))


def sender() -> str:
    return f"web-{uuid.uuid4()}"


def purge(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    store: TrackerStore,
    *options: str,
) -> str:
    """`laoyang tickets purge-personal` with the cutoff on CUTOFF_DAY; returns what it printed."""
    days = (datetime.now(UTC).date() - CUTOFF_DAY).days
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_URL", store.url)
    get_settings.cache_clear()
    try:
        assert main(["tickets", "purge-personal", "--days", str(days), *options]) == 0
    finally:
        get_settings.cache_clear()
    return capsys.readouterr().out


def detail(client: TestClient, staff: dict[str, str], number: str) -> dict[str, Any]:
    response = client.get(f"/api/staff/tickets/{number}", headers=staff)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def figures(client: TestClient, staff: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/staff/stations/{ROOM}/figures", params=FIGURES, headers=staff)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def log(ticket: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["kind"], e["status"], e["actor"], e["at"]) for e in ticket["events"]]


def handoff(session_factory: sessionmaker[Session], request_id: int) -> HandoffRequest:
    with session_factory() as session:
        request = session.get(HandoffRequest, request_id)
        assert request is not None
        return request


def test_personal_data_goes_and_the_figures_stay(
    client: TestClient,
    staff: dict[str, str],
    session_factory: sessionmaker[Session],
    store: TrackerStore,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag = uuid.uuid4().hex[:6]
    residents = {name: sender() for name in ("closed", "resolved", "open", "recent", "chat")}
    chatting, back = sender(), sender()
    sf = session_factory
    closed = file(sf, residents["closed"], at(2025, 1, 6), f"{tag}a", lat=29.51234)
    work(
        sf,
        closed,
        ("sign", at(2025, 1, 6, 10)),
        ("note", at(2025, 1, 6, 11)),
        ("progress", at(2025, 1, 6, 15)),
        ("resolve", at(2025, 1, 7)),
        ("resident reopens", at(2025, 1, 8)),
        ("sign", at(2025, 1, 8, 10)),
        ("resolve", at(2025, 1, 9)),
        ("rate", at(2025, 1, 10)),
    )
    resolved = file(sf, residents["resolved"], at(2025, 1, 13), f"{tag}b", lat=None)
    work(sf, resolved, ("sign", at(2025, 1, 13, 10)), ("resolve", at(2025, 1, 14)))
    still_open = file(sf, residents["open"], at(2025, 1, 20), f"{tag}c", lat=None)
    work(sf, still_open, ("sign", at(2025, 1, 20, 10)))
    recent = file(sf, residents["recent"], at(2025, 8, 4), f"{tag}d", lat=None)
    work(
        sf,
        recent,
        ("sign", at(2025, 8, 4, 10)),
        ("resolve", at(2025, 8, 5)),
        ("rate", at(2025, 8, 6)),
    )
    with transaction(sf) as session:
        old_request, new_request = (
            HandoffRequest(
                sender_id=residents["chat"],
                last_message=f"我要找人工，电话{PHONE}",
                problem=f"住{HOME}，楼上漏水",
                contact_phone=PHONE,
                status="open",
                created_at=when,
            )
            for when in (at(2025, 1, 10), at(2025, 8, 10))
        )
        session.add_all([old_request, new_request])
        session.flush()
        requests = (old_request.id, new_request.id)
    store.says(residents["closed"], f"厨房漏水，电话{PHONE}", at(2025, 1, 6))
    store.says(residents["open"], "楼上漏水", at(2025, 1, 20))
    store.says(residents["recent"], "又漏了", at(2025, 8, 4))
    store.says(residents["chat"], f"我要找人工，电话{PHONE}", at(2025, 2, 1))
    store.says(back, "上次的事", at(2025, 1, 3))
    store.says(back, "我又来了", at(2025, 8, 20))
    store.says(chatting, "你好", at(2025, 9, 1))

    numbers = (closed, resolved, still_open, recent)
    before = {number: detail(client, staff, number) for number in numbers}
    figures_before = figures(client, staff)
    assert figures_before["received"] >= 4 and figures_before["satisfaction_rate"]["denominator"]
    assert before[closed]["contact_phone"] == PHONE

    rehearsal = purge(monkeypatch, capsys, database_url, store, "--dry-run")
    assert "演练" in rehearsal
    assert "工单 2 件，转人工记录 1 条，对话 2 位居民（记录 4 条）" in rehearsal
    assert {number: detail(client, staff, number) for number in numbers} == before
    assert store.texts_of(residents["closed"]) == [f"厨房漏水，电话{PHONE}", "好的，记下了"]

    done = purge(monkeypatch, capsys, database_url, store)
    assert "已删除" in done
    assert "工单 2 件，转人工记录 1 条，对话 2 位居民（记录 4 条）" in done

    assert figures(client, staff) == figures_before
    for number in (closed, resolved):
        after = detail(client, staff, number)
        shown = json.dumps(after, ensure_ascii=False)
        assert PHONE not in shown and HOME not in shown and tag not in shown
        assert after["contact_phone"] is None and after["location_text"] is None
        assert {key: after[key] for key in LASTING} == {key: before[number][key] for key in LASTING}
        assert log(after) == log(before[number])
    swept = detail(client, staff, closed)
    assert (swept["lat"], swept["lon"]) == (29.51, 106.46)
    assert swept["resolution"] == "已更换【门牌号】的水管"
    staff_notes = [e["note"] for e in swept["events"] if e["kind"] == "note"]
    assert staff_notes == [None, PROGRESS]  # the one naming a phone goes, not the other
    notes = {(e["kind"], e["actor"]): e["note"] for e in swept["events"]}
    assert notes[("reopened", "resident")] is None  # 还在漏，打…
    assert notes[("rated", "resident")] is None  # 师傅很好，…
    assert all(e["note"] for e in swept["events"] if e["actor"] == "system")
    mine = client.get("/api/my/tickets", headers={"X-Sender-Id": residents["closed"]})
    assert mine.json() == {"tickets": []}
    for number in (still_open, recent):
        assert detail(client, staff, number) == before[number]

    old, new = (handoff(session_factory, request_id) for request_id in requests)
    assert (old.contact_phone, old.problem) == (None, None)
    assert PHONE not in old.last_message
    assert (new.contact_phone, new.problem) == (PHONE, f"住{HOME}，楼上漏水")

    assert store.texts_of(residents["closed"]) == []
    assert store.texts_of(residents["chat"]) == []
    assert store.texts_of(residents["open"]) == ["楼上漏水", "好的，记下了"]
    assert store.texts_of(residents["recent"]) == ["又漏了", "好的，记下了"]
    assert len(store.texts_of(back)) == 4
    assert store.texts_of(chatting) == ["你好", "好的，记下了"]

    again = purge(monkeypatch, capsys, database_url, store)
    assert "工单 0 件，转人工记录 0 条，对话 0 位居民（记录 0 条）" in again
    assert figures(client, staff) == figures_before
    assert detail(client, staff, closed) == swept


def test_a_ticket_reopened_after_the_sweep_is_swept_again(
    client: TestClient,
    staff: dict[str, str],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    number = file(session_factory, sender(), at(2024, 1, 8), uuid.uuid4().hex[:6], lat=None)
    work(
        session_factory,
        number,
        ("sign", at(2024, 1, 8, 10)),
        ("resolve", at(2024, 1, 9)),
        ("rate", at(2024, 1, 10)),
    )

    def sweep(now: datetime) -> int:
        no_tracker = f"sqlite:///{tmp_path / 'no-tracker.db'}"
        return run_retention_sweep(session_factory, no_tracker, now=now, days=180).tickets

    def staff_notes() -> list[str]:
        events = detail(client, staff, number)["events"]
        return [e["note"] for e in events if e["actor"] == "staff:retention" and e["note"]]

    assert sweep(at(2024, 8, 1)) == 1
    work(
        session_factory,
        number,
        ("staff reopen", at(2024, 8, 5)),
        ("sign", at(2024, 8, 5, 10)),
        ("note", at(2024, 8, 5, 11)),
        ("resolve", at(2024, 8, 6)),
    )
    assert sweep(at(2024, 9, 1)) == 0  # quiet for less than the period since
    assert f"已电话联系{PHONE}，约好上门" in staff_notes()
    assert sweep(at(2025, 3, 1)) == 1
    assert not any(PHONE in note for note in staff_notes())


def test_the_event_log_lets_a_note_be_removed_never_rewritten(
    session_factory: sessionmaker[Session],
) -> None:
    number = file(session_factory, sender(), at(2025, 3, 10), uuid.uuid4().hex[:6], lat=None)
    work(session_factory, number, ("sign", at(2025, 3, 10, 10)), ("note", at(2025, 3, 10, 11)))
    with session_factory() as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        note = (TicketEvent.ticket_id == ticket_id) & (TicketEvent.kind == "note")
        refused = [
            update(TicketEvent).where(note).values(note="已电话联系【电话】"),
            update(TicketEvent).where(note).values(note=None, actor="staff:someone.else"),
            update(TicketEvent).where(note).values(note=None, created_at=at(2025, 3, 11)),
            update(TicketEvent).where(note).values(note=None, data={"stars": 1}),
            delete(TicketEvent).where(note),
        ]
        for statement in refused:
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(statement)
            session.rollback()
        session.execute(update(TicketEvent).where(note).values(note=None))
        session.commit()
        kept = session.execute(
            select(TicketEvent.kind, TicketEvent.note)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        ).all()
    assert [kind for kind, _ in kept] == ["created", "dispatched", "signed", "note"]
    assert dict(kept)["note"] is None


@pytest.mark.parametrize("days", ["0", "-5", "半年"])
def test_the_period_is_a_whole_number_of_days(
    days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["tickets", "purge-personal", "--days", days])
    assert exited.value.code == 2
    assert "保留天数" in capsys.readouterr().err
