"""What actions need from the app: the ticket service's port and the NLU model."""

from collections.abc import Callable
from dataclasses import dataclass

from api.desk.port import TicketDesk


@dataclass(frozen=True)
class ActionContext:
    """Collaborators injected into every action (no import-time globals).

    `code_of(text)` is the service code Rasa's model gives a few words (a
    corrected problem), or None when it cannot tell or cannot be asked.
    """

    desk: TicketDesk
    code_of: Callable[[str], str | None]
