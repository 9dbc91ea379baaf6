"""Messages to residents in WeChat: late replies and their tickets' progress.

Like the stations' webhooks (api/webhooks/outbox.py) this is a transactional outbox: a
`before_flush` listener turns each new 签收, 办结 or 转派 event of a ticket filed from
WeChat (sender `wx:…`) into a `wechat_outbound` row in the same commit, and a slow turn's
reply is queued the same way, so a restart loses none. The worker sends each row as a
customer-service message (客服消息) while the resident wrote within 48 hours, otherwise as a
template message. 45015 (window closed) and 45009 (quota) fall back to the template or
wait and try again; a row is never dropped before `MAX_ATTEMPTS`. After 办结 the resident
is asked for 1–5 stars, which the next number they send gives (api/wechat/conversation.py).
"""

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from api.catalogue import SERVICE_NAMES
from api.database import transaction
from api.privacy import note_for_resident
from api.senders import WECHAT_SENDER_PREFIX
from api.stations.models import Station
from api.tickets.models import RESIDENT_ACTOR, EventKind, Ticket, TicketEvent
from api.wechat.client import OUT_OF_WINDOW, QUOTA, UNREACHABLE, WechatApi, WechatApiError
from api.wechat.models import InboundState, OutboundStatus, WechatInbound, WechatOutbound
from api.wechat.models import WechatResident as Resident

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=48)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 20
# Kept this long: messages seen (WeChat retries within seconds), messages sent.
KEEP_INBOUND = timedelta(days=2)
KEEP_SENT = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=1), timedelta(hours=6))
RATING_ASK = "请回复 1–5 给这次办理打分（5 分最满意）；要是没解决，直接回复「没解决」。"
GIVE_UP = "unreachable"  # errors no later attempt can mend
_installed: "weakref.WeakSet[object]" = weakref.WeakSet()


def progress_text(session: Session, ticket: Ticket, ticket_event: TicketEvent) -> str | None:
    """What the resident reads about this change, or None when it is not news to them."""
    kind = str(ticket_event.kind)
    station = session.get(Station, ticket.station_code)
    where = station.name if station else "工作站"
    if kind == EventKind.SIGNED:
        step = f"{where}已签收，正在安排处理"
    elif kind == EventKind.TRANSFERRED:
        step = f"已转交{where}办理"
    elif kind == EventKind.RESOLVED:
        step = "已办结"
    else:
        return None
    category = SERVICE_NAMES.get(ticket.service_code, ticket.service_code)
    text = f"您的工单 {ticket.number}（{category}）有新进展：{step}。"
    note = note_for_resident(
        ticket_event.note,
        by_resident=ticket_event.actor == RESIDENT_ACTOR,
        resident_phone=ticket.contact_phone,
    )
    if note:
        text += f"\n处理说明：{note}"
    if kind == EventKind.RESOLVED:
        text += "\n\n" + RATING_ASK
    return text


def install_notifications(factory: sessionmaker[Session]) -> None:
    """Make this factory's sessions queue progress messages for WeChat residents' tickets."""
    if factory in _installed:
        return
    event.listen(factory, "before_flush", _queue_progress)
    _installed.add(factory)


def _queue_progress(session: Session, _context: UOWTransaction, _instances: object) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, TicketEvent)]
    with session.no_autoflush:
        for ticket_event in new_events:
            ticket = ticket_event.ticket or (
                session.get(Ticket, ticket_event.ticket_id) if ticket_event.ticket_id else None
            )
            if ticket is None or not (ticket.sender_id or "").startswith(WECHAT_SENDER_PREFIX):
                continue
            text = progress_text(session, ticket, ticket_event)
            if text is None:
                continue
            now = datetime.now(UTC)
            session.add(
                WechatOutbound(
                    openid=(ticket.sender_id or "")[len(WECHAT_SENDER_PREFIX) :],
                    kind="progress",
                    ticket_number=ticket.number,
                    event_kind=str(ticket_event.kind),
                    text=text,
                    status=OutboundStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )


def enqueue_reply(
    factory: sessionmaker[Session], key: str, text: str, now: datetime, openid: str
) -> None:
    """Queue a slow turn's reply and mark its message as answered by push."""
    with transaction(factory) as session:
        row = session.get(WechatInbound, key)
        if row is not None:
            row.state, row.reply = InboundState.PUSHED.value, text
        session.add(
            WechatOutbound(
                openid=openid,
                kind="reply",
                text=text,
                status=OutboundStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


@dataclass(frozen=True)
class Claimed:
    """A row this worker holds for one attempt."""

    id: int
    openid: str
    kind: str
    text: str
    ticket_number: str | None
    event_kind: str | None
    attempts: int
    in_window: bool


class Notifier:
    """Sends due outbound rows; one per app."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        api: WechatApi,
        template_id: str,
        keep_followers: timedelta = timedelta(days=180),
    ) -> None:
        self.factory = factory
        self.api = api
        self.template_id = template_id
        self.keep_followers = keep_followers  # RETENTION_DAYS
        self._pruned: datetime | None = None

    def _prune(self, now: datetime) -> None:
        """Forget messages seen long ago, messages long sent, and followers silent for the
        retention period (openids and texts are personal data, PIPL Art. 19)."""
        with transaction(self.factory) as session:
            session.execute(
                delete(Resident).where(Resident.last_inbound_at < now - self.keep_followers)
            )
            session.execute(
                delete(WechatInbound).where(WechatInbound.received_at < now - KEEP_INBOUND)
            )
            session.execute(
                delete(WechatOutbound)
                .where(WechatOutbound.status != OutboundStatus.PENDING.value)
                .where(WechatOutbound.created_at < now - KEEP_SENT)
            )
        self._pruned = now

    def _claim(self, now: datetime) -> list[Claimed]:
        with transaction(self.factory) as session:
            query = (
                select(WechatOutbound)
                .where(WechatOutbound.status == OutboundStatus.PENDING.value)
                .where(WechatOutbound.next_attempt_at <= now)
                .order_by(WechatOutbound.id)
                .limit(20)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(query):
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                resident = session.get(Resident, row.openid)
                recent = resident is not None and resident.last_inbound_at > now - WINDOW
                claimed.append(
                    Claimed(row.id, row.openid, row.kind, row.text, row.ticket_number,
                            row.event_kind, row.attempts, recent)
                )  # fmt: skip
            return claimed

    def _record(self, item: Claimed, channel: str | None, error: str | None) -> None:
        now = datetime.now(UTC)
        with transaction(self.factory) as session:
            row = session.get(WechatOutbound, item.id)
            if row is None:
                return
            if channel is not None:
                row.status, row.channel, row.sent_at = OutboundStatus.SENT.value, channel, now
                if item.event_kind == EventKind.RESOLVED:
                    resident = session.get(Resident, item.openid)
                    if resident is not None:
                        resident.rating_ticket, resident.choices = item.ticket_number, []
                return
            row.last_error = error
            if item.attempts >= MAX_ATTEMPTS or (error or "").startswith(GIVE_UP):
                row.status = OutboundStatus.FAILED.value
                logger.error("wechat message %d given up: %s", item.id, error)
            else:
                row.next_attempt_at = now + BACKOFF[min(item.attempts, len(BACKOFF)) - 1]

    async def _send(self, item: Claimed) -> tuple[str | None, str | None]:
        """(channel used, None) or (None, why it is still waiting)."""
        if item.in_window or item.kind == "reply":
            try:
                await self.api.send_text(item.openid, item.text)
                return "custom", None
            except WechatApiError as exc:
                if exc.code in UNREACHABLE:
                    return None, f"{GIVE_UP}: {exc}"
                if exc.code not in (OUT_OF_WINDOW, QUOTA) or item.kind == "reply":
                    return None, str(exc)
                logger.info("wechat custom message %d: %s, trying the template", item.id, exc)
        if not self.template_id:
            return None, "window closed and no WECHAT_TEMPLATE_ID: waiting for the resident"
        try:
            await self.api.send_template(item.openid, self.template_id, _template_data(item))
            return "template", None
        except WechatApiError as exc:
            return None, f"{GIVE_UP}: {exc}" if exc.code in UNREACHABLE else str(exc)

    async def run_once(self) -> int:
        """Send what is due; returns how many were sent."""
        sent, now = 0, datetime.now(UTC)
        if self._pruned is None or now - self._pruned > PRUNE_EVERY:
            await run_in_threadpool(self._prune, now)
        for item in await run_in_threadpool(self._claim, now):
            channel, error = await self._send(item)
            await run_in_threadpool(self._record, item, channel, error)
            sent += channel is not None
        return sent


def _template_data(item: Claimed) -> dict[str, str]:
    head, _, rest = item.text.partition("\n")
    return {
        "first": head,
        "keyword1": item.ticket_number or "",
        "keyword2": rest.strip() or head,
        "remark": "回复公众号即可继续和智慧杨对话。",
    }


async def run_notifier(notifier: Notifier, poll_seconds: float, wake: asyncio.Event) -> None:
    """Send due rows every `poll_seconds`, or at once when woken."""
    while True:
        wake.clear()
        try:
            await notifier.run_once()
        except Exception:  # the loop must outlive any one bad pass
            logger.exception("wechat notifier pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), poll_seconds)
