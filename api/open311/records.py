"""How an Open311 request lives in a ticket, and what of it may be published.

Filing is `api.open311.intake`, publishing `api.open311.publishing`.

Filing goes through `file_report` like every other channel, so dispatch, the
ticket number, deadlines and the event log are the same. Open311 has no
columns of its own: a request is recognised by its idempotency key
(`open311:<token>`), and the reporter's contact fields are kept after a
marker at the end of the ticket text, where station staff read them and the
public never does.

What is published (GET requests is open to anyone, as the spec says):
- tickets posted through Open311: the posted description, address and
  coordinates (the client chose to post them to a public API);
- tickets from the chat: only a generic description and the area's code —
  residents told the bot about their home, not the world.
In every published text, phone-like digit runs and e-mail addresses are
blanked (`api.privacy.hide_contacts`), and contact fields are never published.
"""

from typing import Final

from api.tickets.models import Ticket, TicketStatus

KEY_PREFIX: Final = "open311:"
PRIVATE_MARKER: Final = "【Open311 报告人信息，仅工作人员可见】"
MEDIA_LABEL: Final = "图片："
CLOSED_STATUSES: Final = frozenset({TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value})


def is_open311(ticket: Ticket) -> bool:
    """Whether a ticket was posted through Open311."""
    return bool(ticket.idempotency_key and ticket.idempotency_key.startswith(KEY_PREFIX))


def open311_status(status: str) -> str:
    """open or closed: closed once resolved (已办结) or closed (归档); anything else is open."""
    return "closed" if status in CLOSED_STATUSES else "open"
