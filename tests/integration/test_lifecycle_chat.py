"""What the resident hears in the chat follows the lifecycle: deadlines, ratings that close."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions.assistance import RateTicket, TicketStatus
from actions.context import ActionContext
from actions.framework import Dispatcher, Tracker
from api.desk.action_server import action_context
from api.settings import Settings
from api.tickets.lifecycle import reopen, resolve, sign
from api.tickets.models import Ticket
from tests.integration.lifecycle_support import JIA, TZ, ensure_test_stations, fresh, place_ticket

FILED = datetime(2026, 5, 11, 10, 0, tzinfo=TZ)  # a Monday


@pytest.fixture(autouse=True)
def stations(session_factory: sessionmaker[Session], registry: Path) -> None:
    ensure_test_stations(session_factory)


@pytest.fixture
def context(session_factory: sessionmaker[Session], database_url: str) -> ActionContext:
    return action_context(
        session_factory,
        Settings(database_url=database_url),
        clock=lambda tz: FILED + timedelta(days=3),
    )


def says(
    action: TicketStatus | RateTicket, sender: str, text: str, rating: str | None = None
) -> str:
    entities = [{"entity": "rating", "value": rating}] if rating else []
    tracker = Tracker({"latest_message": {"text": text, "entities": entities}}, sender)
    dispatcher = Dispatcher()
    action.run(dispatcher, tracker)
    return "\n".join(str(m.get("text") or "") for m in dispatcher.messages)


def mine(session: Session) -> tuple[Ticket, str]:
    sender = f"chat-{uuid.uuid4().hex[:8]}"
    return place_ticket(session, JIA, FILED, sender_id=sender), sender


def test_the_status_reply_names_the_contact_deadline_only_while_unsigned(
    session: Session, context: ActionContext
) -> None:
    ticket, sender = mine(session)
    status = TicketStatus(context)
    assert "约定联系时间：5月13日 10:00前" in says(status, sender, f"{ticket.number} 怎么样了")

    sign(session, ticket, actor="staff:jia", now=FILED + timedelta(hours=1))
    session.commit()
    signed = says(status, sender, f"{ticket.number} 怎么样了")
    assert "工作站已签收" in signed and "约定联系时间" not in signed

    resolve(session, ticket, actor="staff:jia", now=FILED + timedelta(hours=3), resolution="已清运")
    session.commit()
    assert "打 1–5 星" in says(status, sender, f"{ticket.number} 怎么样了")

    reopened_at = FILED + timedelta(days=1)  # Tuesday: contact again by Thursday
    reopen(session, ticket, actor="resident", now=reopened_at, reason="又堆起来了")
    session.commit()
    again = says(status, sender, f"{ticket.number} 怎么样了")
    assert "重新办理中" in again and "约定联系时间：5月14日 10:00前" in again


def test_a_chat_rating_closes_a_resolved_ticket(
    session: Session, session_factory: sessionmaker[Session], context: ActionContext
) -> None:
    ticket, sender = mine(session)
    sign(session, ticket, actor="staff:jia", now=FILED + timedelta(hours=1))
    resolve(session, ticket, actor="staff:jia", now=FILED + timedelta(hours=3), resolution="已清运")
    session.commit()
    reply = says(RateTicket(context), sender, "5星", rating="5")
    assert "5 星" in reply
    stored = fresh(session_factory, ticket)
    assert stored.status == "closed"
    assert [e.kind for e in stored.events[-2:]] == ["rated", "closed"]


def test_a_chat_rating_of_an_open_ticket_is_kept_without_closing_it(
    session: Session, session_factory: sessionmaker[Session], context: ActionContext
) -> None:
    ticket, sender = mine(session)
    says(RateTicket(context), sender, "2星", rating="2")
    stored = fresh(session_factory, ticket)
    assert stored.status == "dispatched"
    assert (stored.events[-1].kind, stored.events[-1].data) == ("rated", {"stars": 2})
