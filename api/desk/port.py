"""The conversation layer's one way into the ticket service.

`actions/` holds a `TicketDesk` and nothing else of the app: it never opens a
session, reads an ORM row or writes a file. Every call is one use case, done
(committed) before it returns, and answers with plain data (`api.desk.types`).
The implementation is `api.desk.service.SqlTicketDesk`.

A resident only ever reaches their own tickets: every lookup is by sender.
"""

from typing import Protocol

from api.desk.types import FiledReport, Gazetteer, NewReport, TicketView


class TicketDesk(Protocol):
    """What a conversation may ask of the ticket service.

    Calls that need the database raise `DeskUnavailableError` while it is down,
    except `places` (the names as last read), `station_near` (None) and
    `file_report` (kept for later).
    """

    def places(self) -> Gazetteer:
        """The registry's place names, to read a resident's words with."""
        ...

    def station_near(
        self, lat: float, lon: float, service_code: str, within_km: float
    ) -> str | None:
        """The short name of the nearest station that takes `service_code`, if it is
        within `within_km` of the point; None too while the database is down."""
        ...

    def file_report(self, report: NewReport) -> FiledReport | None:
        """File a report (once per idempotency key) and dispatch it.

        None when the database cannot take it now: the report is kept and filed
        as soon as it can be, never lost.
        """
        ...

    def recent_tickets(self, sender_id: str, limit: int) -> list[TicketView]:
        """The resident's latest tickets, newest first."""
        ...

    def ticket_of(self, sender_id: str, number: str) -> TicketView | None:
        """The resident's ticket with this number; None if it is not theirs."""
        ...

    def reopen(self, sender_id: str, number: str, reason: str) -> None:
        """没解决: the resident's resolved ticket goes back to its station (重办)."""
        ...

    def rate(self, sender_id: str, number: str, stars: int, comment: str) -> None:
        """The resident's 1–5 stars for their ticket (closes it once resolved)."""
        ...

    def hand_off(
        self, sender_id: str, last_message: str, problem: str | None, phone: str | None
    ) -> None:
        """The resident asks for a person: record it with what is known so far."""
        ...
