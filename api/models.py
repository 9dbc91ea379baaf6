"""Every table of the app, imported in one place for Alembic and the tests."""

from api.conversations.models import HandoffRequest
from api.stations.models import Station
from api.tickets.models import Ticket, TicketCounter, TicketEvent

__all__ = ["HandoffRequest", "Station", "Ticket", "TicketCounter", "TicketEvent"]
