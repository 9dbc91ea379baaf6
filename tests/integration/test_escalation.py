"""督办: late tickets escalate up the hierarchy once per missed deadline; supervisors see them."""

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import cli
from api.settings import get_settings
from api.tickets.escalation import escalate_overdue, is_overdue, overdue_below, overdue_clause
from api.tickets.lifecycle import reopen, resolve, sign
from api.tickets.models import Ticket, TicketEvent
from tests.integration.lifecycle_support import (
    CENTRE,
    JIA,
    JIA_POINT,
    TOWN,
    TOWN_2,
    TZ,
    YI,
    ensure_test_stations,
    fresh,
    place_ticket,
)

# Monday 2 March 2026, 09:00: contact due Wednesday 4 March 09:00, resolve Monday 9 March 09:00.
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
CONTACT_DUE = datetime(2026, 3, 4, 9, 0, tzinfo=TZ)
RESOLVE_DUE = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def stations(session_factory: sessionmaker[Session], registry: Path) -> None:
    ensure_test_stations(session_factory)


def sweep(session: Session, now: datetime, ticket: Ticket) -> list[TicketEvent]:
    """Run the sweep over the whole database; the events it wrote for this ticket."""
    events = escalate_overdue(session, now)
    session.commit()
    return [e for e in events if e.ticket_id == ticket.id]


def test_an_unsigned_ticket_escalates_to_the_parent_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    assert (ticket.contact_due_at, ticket.resolve_due_at) == (CONTACT_DUE, RESOLVE_DUE)

    assert sweep(session, CONTACT_DUE - timedelta(minutes=1), ticket) == []
    [event] = sweep(session, CONTACT_DUE + timedelta(minutes=5), ticket)
    assert (event.kind, event.actor) == ("escalated", "system")
    assert event.data["stage"] == "contact"
    assert (event.data["level"], event.data["supervisor_code"]) == (1, TOWN)
    assert (
        event.note
        == "甲社区老杨群工室超过签收时限（3月4日 09:00）仍未签收，提请一号街道老杨群工站督办"
    )

    # The next sweeps leave it alone: one escalation per stage.
    assert sweep(session, CONTACT_DUE + timedelta(minutes=10), ticket) == []
    assert sweep(session, CONTACT_DUE + timedelta(hours=5), ticket) == []
    stored = fresh(session_factory, ticket)
    assert (stored.escalation_level, stored.station_code, stored.status) == (1, JIA, "dispatched")
    assert [e.kind for e in stored.events].count("escalated") == 1

    # Signed late, then not resolved in time either: the next stage goes to the centre.
    sign(session, ticket, actor="staff:jia", now=CONTACT_DUE + timedelta(hours=6))
    session.commit()
    assert sweep(session, RESOLVE_DUE - timedelta(minutes=1), ticket) == []
    [event] = sweep(session, RESOLVE_DUE + timedelta(minutes=5), ticket)
    assert (event.data["stage"], event.data["level"]) == ("resolve", 2)
    assert event.data["supervisor_code"] == CENTRE
    assert "超过办结时限" in (event.note or "") and "测试区老杨群工服务中心督办" in (
        event.note or ""
    )
    assert sweep(session, RESOLVE_DUE + timedelta(days=1), ticket) == []
    assert fresh(session_factory, ticket).escalation_level == 2


def test_two_sweeps_at_once_escalate_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    now = CONTACT_DUE + timedelta(minutes=5)
    go = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            go.wait()
            with session_factory() as own:
                escalate_overdue(own, now)
                own.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    stored = fresh(session_factory, ticket)
    assert [e.kind for e in stored.events].count("escalated") == 1
    assert stored.escalation_level == 1


def test_signed_in_time_but_not_resolved_escalates_one_level(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    sign(session, ticket, actor="staff:jia", now=FILED + timedelta(hours=1))
    session.commit()
    assert sweep(session, CONTACT_DUE + timedelta(hours=1), ticket) == []
    [event] = sweep(session, RESOLVE_DUE + timedelta(minutes=5), ticket)
    assert (event.data["stage"], event.data["supervisor_code"]) == ("resolve", TOWN)


def test_both_deadlines_missed_before_a_sweep_escalate_twice(session: Session) -> None:
    ticket = place_ticket(session, JIA, FILED)
    events = sweep(session, RESOLVE_DUE + timedelta(hours=1), ticket)
    assert [(e.data["stage"], e.data["supervisor_code"]) for e in events] == [
        ("contact", TOWN),
        ("resolve", CENTRE),
    ]


def test_a_late_town_station_goes_to_the_centre_and_the_centre_to_its_own_head(
    session: Session,
) -> None:
    town = place_ticket(session, TOWN, FILED)
    [event] = sweep(session, CONTACT_DUE + timedelta(minutes=5), town)
    assert event.data["supervisor_code"] == CENTRE
    centre = place_ticket(session, CENTRE, FILED)
    [event] = sweep(session, CONTACT_DUE + timedelta(minutes=5), centre)
    assert event.data["supervisor_code"] == CENTRE
    assert "请中心负责人督办" in (event.note or "")


def test_emergencies_escalate_after_two_hours(session: Session) -> None:
    ticket = place_ticket(session, JIA, FILED, service_code="gas", emergency=True)
    assert sweep(session, FILED + timedelta(hours=1, minutes=59), ticket) == []
    events = sweep(session, FILED + timedelta(hours=2, minutes=1), ticket)
    assert [e.data["stage"] for e in events] == ["contact", "resolve"]


def test_a_reopened_ticket_can_escalate_again_against_its_fresh_deadlines(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    assert len(sweep(session, CONTACT_DUE + timedelta(minutes=5), ticket)) == 1
    sign(session, ticket, actor="staff:jia", now=CONTACT_DUE + timedelta(hours=1))
    resolve(
        session,
        ticket,
        actor="staff:jia",
        now=CONTACT_DUE + timedelta(hours=2),
        resolution="已处理",
    )
    reopened_at = datetime(2026, 3, 5, 9, 0, tzinfo=TZ)  # Thursday
    reopen(session, ticket, actor="resident", now=reopened_at, reason="没处理好")
    session.commit()
    new_contact_due = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)  # Monday
    assert fresh(session_factory, ticket).contact_due_at == new_contact_due
    assert sweep(session, new_contact_due - timedelta(minutes=1), ticket) == []
    [event] = sweep(session, new_contact_due + timedelta(minutes=5), ticket)
    assert event.data["stage"] == "contact"
    assert event.data["level"] == 2


def test_a_supervisor_lists_the_late_and_escalated_tickets_below_it(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    now = CONTACT_DUE + timedelta(hours=1)
    late = place_ticket(session, JIA, FILED)
    on_time = place_ticket(session, YI, FILED + timedelta(days=2))
    elsewhere = place_ticket(session, TOWN_2, FILED)
    escalated_then_signed = place_ticket(session, YI, FILED)
    sweep(session, now, late)
    sign(session, escalated_then_signed, actor="staff:yi", now=now)
    session.commit()

    def listed(station: str) -> set[int]:
        return {t.id for t in overdue_below(session, station, now)}

    town = listed(TOWN)
    assert late.id in town and escalated_then_signed.id in town
    assert on_time.id not in town and elsewhere.id not in town
    centre = listed(CENTRE)
    assert {late.id, escalated_then_signed.id, elsewhere.id} <= centre
    assert on_time.id not in centre
    assert listed(JIA) == set()  # a community room has nobody below it


def test_is_overdue_and_the_sql_clause_agree(session: Session) -> None:
    now = CONTACT_DUE + timedelta(hours=1)
    unsigned_late = place_ticket(session, YI, FILED)
    signed_in_time = place_ticket(session, YI, FILED)
    sign(session, signed_in_time, actor="staff:yi", now=FILED + timedelta(hours=1))
    resolved_late = place_ticket(session, YI, FILED - timedelta(days=10))
    sign(session, resolved_late, actor="staff:yi", now=FILED)
    resolve(session, resolved_late, actor="staff:yi", now=FILED, resolution="已处理")
    utility_late = place_ticket(session, YI, FILED, service_code="water_supply")
    not_yet = place_ticket(session, YI, now)
    session.commit()
    tickets = [unsigned_late, signed_in_time, resolved_late, utility_late, not_yet]
    in_sql = set(
        session.scalars(
            select(Ticket.id).where(Ticket.id.in_([t.id for t in tickets]), overdue_clause(now))
        )
    )
    in_python = {t.id for t in tickets if is_overdue(t, now)}
    assert in_sql == in_python == {unsigned_late.id, utility_late.id}


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_database")
def test_cli_escalates_now_and_is_idempotent(
    session: Session, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = place_ticket(session, JIA, FILED, lat=JIA_POINT[0], lon=JIA_POINT[1])
    assert cli.main(["tickets", "escalate"]) == 0
    assert ticket.number in capsys.readouterr().out
    assert cli.main(["tickets", "escalate"]) == 0
    assert ticket.number not in capsys.readouterr().out
    assert fresh(session_factory, ticket).escalation_level == 2
