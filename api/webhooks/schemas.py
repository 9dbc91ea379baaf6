"""What the webhook endpoints take and return; the secret appears only on creation."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.webhooks.models import WebhookDelivery, WebhookSubscription


class NewSubscription(BaseModel):
    """A station registers a URL; operators (no station of their own) name the station."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=500, description="http(s) 回调地址")
    station_code: str | None = Field(
        default=None, max_length=20, description="站点编码；默认为本人所在站点"
    )


class SubscriptionView(BaseModel):
    """A subscription as listed (no secret)."""

    id: int
    station_code: str
    url: str
    active: bool
    created_by: str
    created_at: datetime
    deliveries: dict[str, int] = Field(
        default_factory=dict, description="各状态的投递数：pending/delivered/failed"
    )

    @classmethod
    def of(
        cls, subscription: WebhookSubscription, counts: dict[str, int] | None = None
    ) -> "SubscriptionView":
        """The view of a stored subscription."""
        return cls(
            id=subscription.id,
            station_code=subscription.station_code,
            url=subscription.url,
            active=subscription.active,
            created_by=subscription.created_by,
            created_at=subscription.created_at,
            deliveries=counts or {},
        )


class CreatedSubscriptionView(SubscriptionView):
    """The answer to a registration: the only time the signing secret is shown."""

    secret: str = Field(description="HMAC-SHA256 签名密钥，只显示这一次，请妥善保存")
    notice: str = "签名密钥只显示这一次，请立即保存；丢失后只能停用并重新登记。"


class DeliveryView(BaseModel):
    """One delivery attempt record as staff see it."""

    id: int
    event_id: int | None
    event_type: str
    ticket_number: str
    status: str
    attempts: int
    next_attempt_at: datetime | None = Field(description="待投递时下次尝试的时间")
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery, ticket_number: str) -> "DeliveryView":
        """The view of a stored delivery."""
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            ticket_number=ticket_number,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )
