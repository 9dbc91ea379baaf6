"""Every table of the app, imported in one place for Alembic and the tests."""

from api.auth.models import AccessToken, LoginAttempt, StaffAccount
from api.conversations.models import HandoffRequest
from api.stations.models import Station
from api.tickets.models import Ticket, TicketCounter, TicketEvent
from api.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "AccessToken",
    "HandoffRequest",
    "LoginAttempt",
    "StaffAccount",
    "Station",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "WebhookDelivery",
    "WebhookSubscription",
]
