"""What the operators' inbox copies from tickets is masked like the messages themselves."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.training.inbox import ingest_tickets
from api.training.models import ReviewItem
from tests.integration.retention_support import at, file, work


def test_the_review_inbox_masks_what_residents_wrote_on_a_ticket(
    session_factory: sessionmaker[Session],
) -> None:
    number = file(
        session_factory, f"web-{uuid.uuid4()}", at(2025, 3, 3), uuid.uuid4().hex[:6], lat=None
    )
    work(
        session_factory,
        number,
        ("sign", at(2025, 3, 3, 10)),
        ("resolve", at(2025, 3, 4)),
        ("resident reopens", at(2025, 3, 5)),
    )
    with transaction(session_factory) as session:
        ingest_tickets(session)
    with session_factory() as session:
        item = session.scalars(select(ReviewItem).where(ReviewItem.ticket_number == number)).one()
    assert item.context_note == "重办：还在漏，打【电话】"
