"""A report the database cannot take is spooled, then filed once the database is back."""

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.context import ActionContext
from actions.framework import Dispatcher, Tracker
from actions.report_lifecycle import SubmitReport
from api.database import make_engine, make_session_factory
from api.settings import Settings
from api.tickets.models import Ticket
from api.tickets.service import report_filer
from api.tickets.spool import replay_spool


def _tracker(sender: str) -> Tracker:
    state = {
        "slots": {
            "problem": "楼道灯坏了好几天",
            "service_code": "housing_repair",
            "place": "杨家坪街道天宝路社区",
            "place_code": "500107001011",
            "phone": "13812345678",
            "confirm": True,
        },
        "latest_message": {"text": "/affirm", "intent": {"name": "affirm"}, "message_id": "m1"},
        "events": [],
    }
    return Tracker(state, sender)


def test_report_survives_an_unusable_database(
    tmp_path: Path, session_factory: sessionmaker[Session], registry: Path
) -> None:
    broken = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'not-migrated.db'}"))
    spool = tmp_path / "spool"
    settings = Settings(spool_dir=spool)
    sender = f"spool-{uuid.uuid4().hex[:8]}"
    dispatcher = Dispatcher()

    SubmitReport(ActionContext(session_factory=broken, settings=settings)).run(
        dispatcher, _tracker(sender)
    )

    assert "记下了" in dispatcher.messages[0]["text"]
    assert len(list(spool.glob("*.json"))) == 1

    file = report_filer(ActionContext(session_factory, settings).tz, "500107")
    numbers = replay_spool(spool, session_factory, file)
    assert len(numbers) == 1 and list(spool.glob("*.json")) == []
    assert replay_spool(spool, session_factory, file) == []
    with session_factory() as session:
        tickets = session.scalars(select(Ticket).where(Ticket.sender_id == sender)).all()
    assert [t.number for t in tickets] == numbers
    assert tickets[0].station_code == "500107001011"
    assert tickets[0].contact_phone == "13812345678"
