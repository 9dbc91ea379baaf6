"""Staff endpoints for webhook subscriptions and their deliveries (bearer auth).

Station staff and district operators only: integrations (service accounts)
receive webhooks, they do not register them. Anything outside the caller's
scope answers 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.auth.dependencies import StaffMemberDep
from api.auth.scope import StaffPrincipal
from api.clock import NowDep
from api.dependencies import SessionDep, SettingsDep
from api.row_ids import RowId
from api.webhooks.models import DeliveryStatus, WebhookSubscription
from api.webhooks.schemas import (
    CreatedSubscriptionView,
    DeliveryView,
    NewSubscription,
    SubscriptionView,
)
from api.webhooks.service import (
    NotYourStationError,
    StationRequiredError,
    SubscriptionConflictError,
    SubscriptionNotFoundError,
    create_subscription,
    deactivate_subscription,
    delivery_counts,
    get_subscription,
    list_deliveries,
    redeliver,
    require_manager,
    visible_subscriptions,
)
from api.webhooks.urls import URLPolicy, WebhookURLError

router = APIRouter(prefix="/api/staff/webhooks", tags=["对接 · Webhook 订阅"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "没有这个订阅，或不在您的管辖范围内"}
}
MANAGE: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "上级站点可以查看，但只有本站人员或区中心操作员可以修改"},
}


def _subscription(
    session: SessionDep, principal: StaffPrincipal, subscription_id: int, *, manage: bool = False
) -> WebhookSubscription:
    try:
        subscription = get_subscription(session, principal, subscription_id)
        if manage:
            require_manager(principal, subscription.station_code)
    except SubscriptionNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except NotYourStationError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    return subscription


@router.post(
    "",
    summary="登记 Webhook 订阅",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedSubscriptionView,
    responses={
        403: {"description": "只有本站人员或区中心操作员可以登记"},
        404: {"description": "站点不存在或不在管辖范围内"},
        409: {"description": "重复订阅或订阅数已满"},
        422: {"description": "回调地址不被允许（内网、回环、非 http/https 等）"},
    },
)
def register(
    body: NewSubscription,
    principal: StaffMemberDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> CreatedSubscriptionView:
    """Register a URL for the caller's station (or a station in scope); the secret is shown once."""
    policy = URLPolicy.from_settings(
        settings.webhook_allow_private, settings.webhook_allowed_networks
    )
    try:
        created = create_subscription(
            session,
            principal,
            url=body.url,
            station_code=body.station_code,
            policy=policy,
            now=now,
        )
    except SubscriptionNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except NotYourStationError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except SubscriptionConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except (WebhookURLError, StationRequiredError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    session.commit()
    counts = delivery_counts(session, [created.subscription])[created.subscription.id]
    view = SubscriptionView.of(created.subscription, counts)
    return CreatedSubscriptionView(**view.model_dump(), secret=created.secret)


@router.get("", summary="列出本站点范围的订阅", response_model=list[SubscriptionView])
def list_subscriptions(
    principal: StaffMemberDep,
    session: SessionDep,
    station_code: Annotated[str | None, Query(max_length=20)] = None,
    include_inactive: bool = False,
) -> list[SubscriptionView]:
    """The subscriptions of the stations in the caller's scope (never their secrets)."""
    subscriptions = visible_subscriptions(
        session, principal, station_code=station_code, include_inactive=include_inactive
    )
    counts = delivery_counts(session, subscriptions)
    return [SubscriptionView.of(s, counts[s.id]) for s in subscriptions]


@router.get(
    "/{subscription_id}",
    summary="查看一个订阅",
    response_model=SubscriptionView,
    responses=NOT_FOUND,
)
def show_subscription(
    subscription_id: RowId, principal: StaffMemberDep, session: SessionDep
) -> SubscriptionView:
    """One subscription with its delivery counts."""
    subscription = _subscription(session, principal, subscription_id)
    return SubscriptionView.of(
        subscription, delivery_counts(session, [subscription])[subscription.id]
    )


@router.delete(
    "/{subscription_id}",
    summary="停用订阅",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=MANAGE,
)
def deactivate(subscription_id: RowId, principal: StaffMemberDep, session: SessionDep) -> Response:
    """Stop a subscription; kept (inactive) with its delivery history, pending ones given up."""
    subscription = _subscription(session, principal, subscription_id, manage=True)
    deactivate_subscription(session, subscription)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{subscription_id}/deliveries",
    summary="查看推送记录",
    response_model=list[DeliveryView],
    responses=NOT_FOUND,
)
def deliveries(
    subscription_id: RowId,
    principal: StaffMemberDep,
    session: SessionDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_id: Annotated[RowId | None, Query()] = None,
) -> list[DeliveryView]:
    """Deliveries newest first: status, attempts, last status code or error."""
    subscription = _subscription(session, principal, subscription_id)
    return [
        DeliveryView.of(delivery, number)
        for delivery, number in list_deliveries(
            session, subscription, status=delivery_status, limit=limit, before_id=before_id
        )
    ]


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    summary="重新推送失败的记录",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryView,
    responses={**MANAGE, 409: {"description": "不是失败的投递，或订阅已停用"}},
)
def redeliver_failed(
    subscription_id: RowId,
    delivery_id: RowId,
    principal: StaffMemberDep,
    session: SessionDep,
    now: NowDep,
) -> DeliveryView:
    """Queue a failed delivery again, due now, with a fresh set of attempts."""
    subscription = _subscription(session, principal, subscription_id, manage=True)
    try:
        delivery, number = redeliver(session, subscription, delivery_id, now)
    except SubscriptionNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except SubscriptionConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return DeliveryView.of(delivery, number)
