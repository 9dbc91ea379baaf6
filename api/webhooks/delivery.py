"""The delivery worker: claim due deliveries, POST them signed, record what happened.

At-least-once: a delivery is claimed in a short transaction that counts the
attempt and pushes `next_attempt_at` forward by a lease, then sent outside any
transaction, then recorded. If the process dies in between, the row is still
pending and becomes due again when the lease runs out, so nothing is lost;
receivers drop duplicates by the delivery id. Claiming uses
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same
row; on SQLite every transaction already holds the single write lock. A worker
that comes back after its lease was taken over cannot overwrite the newer
attempt: it records only if the row still carries its own claim.
"""

import asyncio
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.settings import Settings
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks.outbox import Clock, utc_now
from api.webhooks.signing import sign
from api.webhooks.urls import (
    CheckedURL,
    Resolver,
    URLPolicy,
    WebhookURLError,
    check_url,
    system_resolver,
)

logger = logging.getLogger(__name__)

# Wait after the 1st, 2nd, … failed attempt; the last value repeats.
BACKOFF_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
JITTER = 0.2  # ±20 %, so receivers coming back are not hit by every retry at once
USER_AGENT = "laoyang-webhooks/1"
# A host with many addresses: try this many before calling the attempt failed.
MAX_ADDRESSES_TRIED = 3
SUBSCRIPTION_INACTIVE = "订阅已停用，不再投递"
INTERRUPTED_TOO_OFTEN = "投递多次中断未完成，已停止"


def retry_delay(failed_attempts: int, rng: random.Random) -> timedelta:
    """How long to wait after this many failed attempts (exponential-ish, with jitter)."""
    base = BACKOFF_SCHEDULE[min(failed_attempts, len(BACKOFF_SCHEDULE)) - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


@dataclass(frozen=True)
class DeliveryConfig:
    """How deliveries are made; built from the settings."""

    policy: URLPolicy
    timeout_seconds: float = 5.0
    max_attempts: int = 8
    lease: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> "DeliveryConfig":
        """The delivery configuration the settings describe.

        The lease is never shorter than an attempt can take (connect, write and
        read timeouts on each address tried), or a slow attempt would be sent twice.
        """
        longest = 3 * settings.webhook_timeout_seconds * MAX_ADDRESSES_TRIED + 5
        return cls(
            policy=URLPolicy.from_settings(
                settings.webhook_allow_private, settings.webhook_allowed_networks
            ),
            timeout_seconds=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            lease=timedelta(seconds=max(settings.webhook_lease_seconds, longest)),
        )


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds until `lease_until`, with all it needs to send it."""

    id: int
    url: str
    secret: str
    event_type: str
    body: bytes
    attempt: int
    lease_until: datetime


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None


@dataclass
class PassSummary:
    """What one pass over the due deliveries did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        """Attempts made in this pass."""
        return self.delivered + self.retrying + self.failed


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the stored payload plus the ids known only after the flush."""
    document = {"delivery_id": delivery.id, "event_id": delivery.event_id, **delivery.payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookDeliverer:
    """Claims, sends and records deliveries; one instance per process is enough."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        config: DeliveryConfig,
        *,
        clock: Clock = utc_now,
        wall_clock: Callable[[], float] = time.time,
        resolver: Resolver = system_resolver,
        rng: random.Random | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.config = config
        self.clock = clock
        self.wall_clock = wall_clock
        self.resolver = resolver
        self.rng = rng or random.Random()
        self._stopping = threading.Event()
        self.client = httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds),
            follow_redirects=False,
            trust_env=False,  # no proxy may route around the address check
            headers={"User-Agent": USER_AGENT},
        )

    def claim(self) -> ClaimedDelivery | None:
        """Take the next due delivery for one lease, or None when nothing is due."""
        with transaction(self.session_factory) as session:
            while True:
                now = self.clock()
                delivery = session.scalars(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.status == DeliveryStatus.PENDING.value)
                    .where(WebhookDelivery.next_attempt_at <= now)
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if delivery is None:
                    return None
                subscription = session.get(WebhookSubscription, delivery.subscription_id)
                if subscription is None or not subscription.active:
                    _give_up(delivery, SUBSCRIPTION_INACTIVE)
                    continue
                if delivery.attempts >= self.config.max_attempts:
                    _give_up(delivery, INTERRUPTED_TOO_OFTEN)
                    continue
                delivery.attempts += 1
                delivery.next_attempt_at = now + self.config.lease
                return ClaimedDelivery(
                    id=delivery.id,
                    url=subscription.url,
                    secret=subscription.secret,
                    event_type=delivery.event_type,
                    body=delivery_body(delivery),
                    attempt=delivery.attempts,
                    lease_until=delivery.next_attempt_at,
                )

    def send(self, claimed: ClaimedDelivery) -> Outcome:
        """POST the delivery to the address we vetted just now; never follow redirects."""
        try:
            checked = check_url(claimed.url, self.config.policy, self.resolver)
        except WebhookURLError as exc:
            return Outcome(False, error=str(exc))
        timestamp = int(self.wall_clock())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Laoyang-Event": claimed.event_type,
            "X-Laoyang-Delivery": str(claimed.id),
            "X-Laoyang-Timestamp": str(timestamp),
            "X-Laoyang-Signature": sign(claimed.secret, timestamp, claimed.body),
        }
        error = "连接接收方失败"
        for address in checked.addresses[:MAX_ADDRESSES_TRIED]:
            url, host_headers, extensions = _pinned(checked, address)
            try:
                with self.client.stream(
                    "POST",
                    url,
                    content=claimed.body,
                    headers={**headers, **host_headers},
                    extensions=extensions,
                ) as response:
                    code = response.status_code  # the body is never read: it may be huge
                break
            except httpx.ConnectError as exc:
                error = f"连接接收方失败（{type(exc).__name__}）"
                continue  # the host's next address, if it has one
            except httpx.TimeoutException:
                return Outcome(
                    False, error=f"接收方在 {self.config.timeout_seconds:g} 秒内没有响应"
                )
            except httpx.HTTPError as exc:
                return Outcome(False, error=f"与接收方通信失败（{type(exc).__name__}）")
        else:
            return Outcome(False, error=error)
        if 200 <= code < 300:
            return Outcome(True, status_code=code)
        if 300 <= code < 400:
            return Outcome(False, code, f"接收方返回重定向 HTTP {code}，回调不跟随重定向")
        return Outcome(False, code, f"接收方返回 HTTP {code}")

    def record(self, claimed: ClaimedDelivery, outcome: Outcome) -> DeliveryStatus | None:
        """Store the outcome and schedule a retry; None if our claim was taken over."""
        with transaction(self.session_factory) as session:
            delivery = session.get(WebhookDelivery, claimed.id, with_for_update=True)
            if (
                delivery is None
                or delivery.status != DeliveryStatus.PENDING.value
                or delivery.attempts != claimed.attempt
                or delivery.next_attempt_at != claimed.lease_until
            ):
                return None
            now = self.clock()
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            if outcome.delivered:
                delivery.status = DeliveryStatus.DELIVERED.value
                delivery.delivered_at = now
                return DeliveryStatus.DELIVERED
            if delivery.attempts >= self.config.max_attempts:
                delivery.status = DeliveryStatus.FAILED.value
                return DeliveryStatus.FAILED
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, self.rng)
            return DeliveryStatus.PENDING

    def deliver_next(self) -> DeliveryStatus | None:
        """Claim, send and record one delivery; None when nothing was due."""
        claimed = self.claim()
        if claimed is None:
            return None
        outcome = self.send(claimed)
        status = self.record(claimed, outcome)
        if outcome.delivered:
            logger.info("webhook delivery %d delivered", claimed.id)
        else:
            logger.warning(
                "webhook delivery %d attempt %d failed: %s",
                claimed.id,
                claimed.attempt,
                outcome.error,
            )
        return status or DeliveryStatus.PENDING

    def run_once(self, limit: int = 200) -> PassSummary:
        """Deliver what is due now (at most `limit` attempts), then return."""
        summary = PassSummary()
        while summary.attempted < limit and not self._stopping.is_set():
            status = self.deliver_next()
            if status is None:
                break
            if status is DeliveryStatus.DELIVERED:
                summary.delivered += 1
            elif status is DeliveryStatus.FAILED:
                summary.failed += 1
            else:
                summary.retrying += 1
        return summary

    def close(self) -> None:
        """Stop after the current attempt and release the HTTP connections."""
        self._stopping.set()
        self.client.close()


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    delivery.status = DeliveryStatus.FAILED.value
    delivery.last_error = reason


def _pinned(checked: CheckedURL, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL rewritten to a vetted address, keeping the Host header and the TLS name."""
    original = httpx.URL(checked.url)
    url = original.copy_with(host=address)
    headers = {"Host": original.netloc.decode("ascii")}
    extensions = {}
    if checked.scheme == "https":
        extensions["sni_hostname"] = original.raw_host.decode("ascii")
    return url, headers, extensions


async def run_delivery_loop(deliverer: WebhookDeliverer, interval_seconds: float) -> None:
    """The app's background worker: a delivery pass, then a pause, until cancelled."""
    while True:
        try:
            summary = await run_in_threadpool(deliverer.run_once)
            if summary.attempted:
                logger.info(
                    "webhooks: %d delivered, %d to retry, %d failed",
                    summary.delivered,
                    summary.retrying,
                    summary.failed,
                )
        except Exception:  # the loop must outlive a database hiccup
            logger.exception("webhook delivery pass failed")
        await asyncio.sleep(interval_seconds)
