"""Ticket numbers: LY-YYYYMMDD-NNNN, unique even when many residents file at once."""

import re
import string
import unicodedata
from datetime import datetime

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.tickets.contact import normalised_with_origin
from api.tickets.models import TicketCounter

# A number as issued (LY-20261123-0007); a path may spell LY in lower case.
_DATE_AND_COUNT = r"-\d{8}-\d{4,6}$"
ISSUED_NUMBER = re.compile(rf"^LY{_DATE_AND_COUNT}")
TICKET_NUMBER_PATTERN = rf"^[Ll][Yy]{_DATE_AND_COUNT}"
# A number somewhere in a resident's words, spaced or dashed as typed.
TICKET_NUMBER = re.compile(r"(?<![A-Z0-9])LY[\s-]*(\d{8})[\s-]*(\d{4,6})(?!\d)", re.ASCII)
# Upper-casing ASCII only keeps every character where it was (str.upper may not: ß → SS).
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def next_ticket_number(session: Session, local_now: datetime) -> str:
    """Take the next number for the day, atomically, inside the caller's transaction."""
    day = local_now.strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement: Insert = insert_fn(TicketCounter).values(day=day, last=1)
    statement = statement.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[TicketCounter.day], set_={"last": TicketCounter.last + 1}
    ).returning(TicketCounter.last)
    value = session.execute(statement).scalar_one()
    return f"LY-{day}-{value:04d}"


def find_ticket_number(text: str) -> str | None:
    """The first ticket number written in a text, in canonical form."""
    match = TICKET_NUMBER.search(unicodedata.normalize("NFKC", text).upper())
    return f"LY-{match.group(1)}-{match.group(2)}" if match else None


def ticket_number_spans(text: str) -> list[tuple[int, int]]:
    """Where ticket numbers stand in a text as written: (start, end) of each, in order.

    Found as `find_ticket_number` finds them (full-width, lower case and spaced
    forms too), so a caller can leave them exactly as the resident typed them.
    """
    normalised, origin = normalised_with_origin(text)
    folded = normalised.translate(_ASCII_UPPER)
    return [
        (origin[match.start()], origin[match.end() - 1] + 1)
        for match in TICKET_NUMBER.finditer(folded)
    ]
