"""Stations' webhook subscriptions: register, list, deactivate, inspect and redeliver.

Scope works as for tickets: staff see the subscriptions of their station and
the stations below it, operators every station; one outside the scope is
reported as missing (404), so its existence is not revealed. Registering,
stopping and redelivering is for the station's own staff and for operators
(`can_act`): a parent station sees its rooms' subscriptions but does not
change them (403).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.scope import StaffPrincipal
from api.stations.models import Station
from api.tickets.models import Ticket
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks.signing import new_secret
from api.webhooks.urls import Resolver, URLPolicy, check_url, system_resolver

MAX_SUBSCRIPTIONS_PER_STATION = 5
SUBSCRIPTION_MISSING = "没有这个回调订阅"
STATION_MISSING = "没有这个站点，或它不在您的管辖范围内"
DELIVERY_MISSING = "这个订阅没有这条投递记录"
DEACTIVATED = "订阅已停用，未投递"


class SubscriptionNotFoundError(LookupError):
    """Missing, or outside the caller's scope (the caller cannot tell which)."""


class SubscriptionConflictError(ValueError):
    """The request clashes with the current state (reason in Chinese)."""


class NotYourStationError(PermissionError):
    """Visible, but only the station's own staff or an operator may change it."""


NOT_YOUR_STATION = "只有本站人员或区中心操作员可以管理这个站点的回调订阅"


class StationRequiredError(ValueError):
    """An account without a station must say which station it registers for."""


@dataclass(frozen=True)
class CreatedSubscription:
    """A new subscription and its secret, which is only ever shown here."""

    subscription: WebhookSubscription
    secret: str


def create_subscription(
    session: Session,
    principal: StaffPrincipal,
    *,
    url: str,
    station_code: str | None,
    policy: URLPolicy,
    now: datetime,
    resolver: Resolver = system_resolver,
) -> CreatedSubscription:
    """Register a URL for a station in scope; WebhookURLError when the URL is refused."""
    code = station_code or principal.station_code
    if code is None:
        raise StationRequiredError("请指定要订阅的站点编码 station_code")
    if session.get(Station, code) is None or not principal.can_see(code):
        raise SubscriptionNotFoundError(STATION_MISSING)
    require_manager(principal, code)
    checked = check_url(url, policy, resolver)
    active = session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.station_code == code)
        .where(WebhookSubscription.active.is_(True))
    ).all()
    if any(existing.url == checked.url for existing in active):
        raise SubscriptionConflictError("这个站点已经订阅了这个回调地址")
    if len(active) >= MAX_SUBSCRIPTIONS_PER_STATION:
        raise SubscriptionConflictError(
            f"每个站点最多 {MAX_SUBSCRIPTIONS_PER_STATION} 个有效订阅，请先停用不用的订阅"
        )
    secret = new_secret()
    subscription = WebhookSubscription(
        station_code=code,
        url=checked.url,
        secret=secret,
        active=True,
        created_by=principal.actor,
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    return CreatedSubscription(subscription, secret)


def visible_subscriptions(
    session: Session,
    principal: StaffPrincipal,
    *,
    station_code: str | None = None,
    include_inactive: bool = False,
) -> list[WebhookSubscription]:
    """The subscriptions the principal may manage, newest first."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if principal.visible_stations is not None:
        query = query.where(WebhookSubscription.station_code.in_(principal.visible_stations))
    if station_code is not None:
        query = query.where(WebhookSubscription.station_code == station_code)
    if not include_inactive:
        query = query.where(WebhookSubscription.active.is_(True))
    return list(session.scalars(query))


def get_subscription(
    session: Session, principal: StaffPrincipal, subscription_id: int
) -> WebhookSubscription:
    """One subscription in scope, else SubscriptionNotFoundError."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or not principal.can_see(subscription.station_code):
        raise SubscriptionNotFoundError(SUBSCRIPTION_MISSING)
    return subscription


def require_manager(principal: StaffPrincipal, station_code: str) -> None:
    """Raise NotYourStationError unless the principal may change this station's subscriptions."""
    if not principal.can_act(station_code):
        raise NotYourStationError(NOT_YOUR_STATION)


def deactivate_subscription(session: Session, subscription: WebhookSubscription) -> int:
    """Stop a subscription; its waiting deliveries are given up. Returns how many."""
    subscription.active = False
    pending = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING.value)
    ).all()
    for delivery in pending:
        delivery.status = DeliveryStatus.FAILED.value
        delivery.last_error = DEACTIVATED
    session.flush()
    return len(pending)


def delivery_counts(
    session: Session, subscriptions: Sequence[WebhookSubscription]
) -> dict[int, dict[str, int]]:
    """How many deliveries each subscription has in each status (one query for all)."""
    counts = {s.id: {status.value: 0 for status in DeliveryStatus} for s in subscriptions}
    if not counts:
        return counts
    rows = session.execute(
        select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.subscription_id.in_(list(counts)))
        .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
    ).all()
    for subscription_id, status, count in rows:
        counts[subscription_id][str(status)] = int(count)
    return counts


def list_deliveries(
    session: Session,
    subscription: WebhookSubscription,
    *,
    status: DeliveryStatus | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[tuple[WebhookDelivery, str]]:
    """A subscription's deliveries with their ticket numbers, newest first."""
    query = (
        select(WebhookDelivery, Ticket.number)
        .join(Ticket, Ticket.id == WebhookDelivery.ticket_id)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status.value)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return [(delivery, number) for delivery, number in session.execute(query)]


def redeliver(
    session: Session, subscription: WebhookSubscription, delivery_id: int, now: datetime
) -> tuple[WebhookDelivery, str]:
    """Put a failed delivery back in the queue, due now, with a fresh set of attempts."""
    found = session.execute(
        select(WebhookDelivery, Ticket.number)
        .join(Ticket, Ticket.id == WebhookDelivery.ticket_id)
        .where(WebhookDelivery.id == delivery_id)
        .where(WebhookDelivery.subscription_id == subscription.id)
    ).first()
    if found is None:
        raise SubscriptionNotFoundError(DELIVERY_MISSING)
    delivery, number = found
    if not subscription.active:
        raise SubscriptionConflictError("订阅已停用，不能重新投递")
    if delivery.status != DeliveryStatus.FAILED.value:
        raise SubscriptionConflictError("只有投递失败的记录可以重新投递")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = now
    session.flush()
    return delivery, number
