"""Every table of the app, imported in one place for Alembic and the tests."""

from api.auth.models import AccessToken, LoginAttempt, StaffAccount
from api.conversations.models import HandoffRequest
from api.stations.models import Station
from api.tickets.models import Ticket, TicketCounter, TicketEvent
from api.training.models import (
    IngestCursor,
    ModelVersion,
    PromotionRecord,
    ReviewDecision,
    ReviewItem,
    TrainingJob,
)
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.wechat.models import WechatAccessToken, WechatInbound, WechatOutbound, WechatResident

__all__ = [
    "AccessToken",
    "HandoffRequest",
    "IngestCursor",
    "LoginAttempt",
    "ModelVersion",
    "PromotionRecord",
    "ReviewDecision",
    "ReviewItem",
    "StaffAccount",
    "Station",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TrainingJob",
    "WebhookDelivery",
    "WebhookSubscription",
    "WechatAccessToken",
    "WechatInbound",
    "WechatOutbound",
    "WechatResident",
]
