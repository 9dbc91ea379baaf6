"""The plain data the conversation layer and the ticket service exchange.

Everything here is a value: no session, no ORM row, nothing that outlives its
call. The conversation layer (`actions/`) reads residents' words with the same
rules the ticket service files by, so those rules are named here too: places in
the registry, mobile numbers, ticket numbers and the words of a correction.
"""

from dataclasses import dataclass
from datetime import datetime

from api.conversations.corrections import CORRECTION_WORDS, looks_like_correction
from api.privacy import mask_phone, mask_phones_in
from api.stations.gazetteer import Gazetteer, MatchStatus, Place, Resolution
from api.stations.models import StationLevel, level_of_code
from api.tickets.contact import MOBILE_IN_TEXT, find_mobile
from api.tickets.numbers import find_ticket_number
from api.tickets.schemas import NewReport

__all__ = [
    "CORRECTION_WORDS",
    "MOBILE_IN_TEXT",
    "DeskUnavailableError",
    "FiledReport",
    "Gazetteer",
    "MatchStatus",
    "NewReport",
    "Place",
    "Resolution",
    "StationLevel",
    "TicketView",
    "find_mobile",
    "find_ticket_number",
    "level_of_code",
    "looks_like_correction",
    "mask_phone",
    "mask_phones_in",
]


class DeskUnavailableError(RuntimeError):
    """The ticket service cannot be reached now (its database is down or busy).

    Nothing was changed. A report is never refused this way: `file_report` keeps
    it for later instead.
    """


@dataclass(frozen=True)
class TicketView:
    """One of a resident's own tickets, as the resident may hear about it.

    Times are in the district's time zone.
    """

    number: str
    service_code: str
    status_name: str
    station_name: str
    contact_due_at: datetime
    # Not yet signed for by the station: the contact deadline still applies.
    awaiting_contact: bool
    resolved: bool
    # Resolved, and the resident has neither rated it nor asked to reopen it since.
    awaiting_rating: bool


@dataclass(frozen=True)
class FiledReport:
    """A ticket filed from a conversation, and where it went."""

    number: str
    service_code: str
    emergency: bool
    emergency_kind: str | None
    station_name: str
    has_phone: bool
    # "今天 17:30 前" or "2 小时内": when the station will be in touch.
    contact_by: str
