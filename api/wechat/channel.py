"""A push from WeChat answered within its 5 seconds, and answered once.

Each message is worked in a task of its own. The request waits for it up to the reply
budget (`WECHAT_REPLY_BUDGET_SECONDS`, 4.5 s); a slower turn gets `success` at once (so
WeChat neither retries nor shows its error), and its reply goes through the outbox and
the customer-service API when it is ready. A retry of a message still being worked waits
for the same task; one arriving later, or in another process, finds the message in the
database (`wechat_inbound`) and gets the same reply, or `success` when the reply was
pushed. A message whose turn never finished (the app died) is worked again: the chat path
hands Rasa the message id, so Rasa still takes it once and no second ticket is filed.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.settings import Settings
from api.wechat import conversation as talk
from api.wechat.crypto import MessageCrypto
from api.wechat.models import InboundState, WechatInbound
from api.wechat.notifier import enqueue_reply
from api.wechat.protocol import (
    Inbound,
    Query,
    check_signature,
    open_body,
    read_message,
    seal_reply,
    text_reply,
)

logger = logging.getLogger(__name__)
MAX_TIMESTAMP_SKEW_SECONDS = 300.0
TURN_MEMORY_SECONDS = 120.0  # WeChat's retries come within about 15 s


@dataclass
class Turn:
    """A message being worked: its task, and whether its reply goes out later."""

    task: "asyncio.Future[str]"
    openid: str
    deferred: bool = False
    started: float = field(default_factory=time.monotonic)


def _claim(factory: sessionmaker[Session], message: Inbound, now: datetime) -> WechatInbound | None:
    """Record the message as seen; returns the earlier record when it was seen before."""
    for _ in range(2):
        try:
            with transaction(factory) as session:
                prior = session.get(WechatInbound, message.key)
                if prior is not None:
                    session.expunge(prior)
                    return prior
                session.add(
                    WechatInbound(
                        key=message.key,
                        openid=message.openid,
                        state=InboundState.OPEN.value,
                        received_at=now,
                    )
                )
            return None
        except IntegrityError:  # a retry in another process claimed it meanwhile
            continue
    raise RuntimeError("could not record the message")


def _answered(factory: sessionmaker[Session], key: str, reply: str) -> None:
    with transaction(factory) as session:
        row = session.get(WechatInbound, key)
        if row is not None and row.state == InboundState.OPEN:
            row.state, row.reply = InboundState.REPLIED.value, reply


class WechatChannel:
    """Checks, opens and answers pushes for one account."""

    def __init__(
        self, settings: Settings, factory: sessionmaker[Session], wake: Callable[[], None]
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.wake = wake
        self.crypto = (
            MessageCrypto(
                token=settings.wechat_token,
                aes_key=settings.wechat_aes_key,
                app_id=settings.wechat_app_id,
            )
            if settings.wechat_aes_key
            else None
        )
        self._turns: dict[str, Turn] = {}
        self._pushing: set[asyncio.Future[None]] = set()

    def verify(self, query: Query) -> None:
        """RejectedError unless the query is signed with our token and fresh."""
        check_signature(self.settings.wechat_token, query, MAX_TIMESTAMP_SKEW_SECONDS, time.time())

    async def handle(self, request: Request, query: Query, body: bytes) -> str:
        """The HTTP answer to one push: reply XML (sealed when it came encrypted) or `success`.

        RejectedError (403) and MalformedError (400) before anything is processed.
        """
        started = time.monotonic()
        self.verify(query)
        xml, mode = open_body(body, query, self.crypto)
        message = read_message(xml)
        budget = self.settings.wechat_reply_budget_seconds - (time.monotonic() - started)
        text = await self._answer(request, message, budget)
        if not text:
            return "success"
        reply = text_reply(message, text)
        return seal_reply(reply, self.crypto) if mode == "aes" and self.crypto else reply

    async def _answer(self, request: Request, message: Inbound, budget: float) -> str:
        turn = self._turns.get(message.key)
        if turn is None:
            turn = Turn(asyncio.ensure_future(self._work(request, message)), message.openid)
            self._turns[message.key] = turn
            turn.task.add_done_callback(functools.partial(self._done, message.key, turn))
        if turn.deferred:
            return ""
        try:
            text = await asyncio.wait_for(asyncio.shield(turn.task), max(budget, 0.0))
        except TimeoutError:
            if turn.task.done():
                return turn.task.result()
            turn.deferred = True  # the reply goes through the customer-service API
            return ""
        except Exception:
            logger.exception("wechat message %s failed", message.key)
            return "" if turn.deferred else talk.BUSY
        # A retry that waited while an earlier request gave the turn up: it is pushed.
        return "" if turn.deferred else text

    def _done(self, key: str, turn: Turn, _task: object) -> None:
        loop = asyncio.get_running_loop()
        failed = turn.task.cancelled() or turn.task.exception() is not None
        if failed:
            self._turns.pop(key, None)  # a retry works it again
        else:
            loop.call_later(TURN_MEMORY_SECONDS, self._forget, key, turn)
        text = talk.BUSY if failed else turn.task.result()
        if turn.deferred and text:  # the resident was told nothing yet
            pushing = asyncio.ensure_future(self._push(key, turn.openid, text))
            self._pushing.add(pushing)
            pushing.add_done_callback(self._pushing.discard)

    def _forget(self, key: str, turn: Turn) -> None:
        if self._turns.get(key) is turn:
            del self._turns[key]

    async def _push(self, key: str, openid: str, text: str) -> None:
        try:
            await run_in_threadpool(enqueue_reply, self.factory, key, text, _now(), openid)
        except Exception:
            logger.exception("could not queue the late reply to %s", key)
            return
        self.wake()

    async def _work(self, request: Request, message: Inbound) -> str:
        """The reply text for a message, worked once ("" when nothing is to be said)."""
        prior = await run_in_threadpool(_claim, self.factory, message, _now())
        if prior is not None and prior.state == InboundState.REPLIED:
            return prior.reply or ""
        if prior is not None and prior.state == InboundState.PUSHED:
            return ""
        text = await self._respond(request, message)
        await run_in_threadpool(_answered, self.factory, message.key, text)
        return text

    async def _respond(self, request: Request, message: Inbound) -> str:
        now = _now()
        resident = await run_in_threadpool(talk.touch_resident, self.factory, message.openid, now)
        if message.msg_type == "event":
            if message.event != "subscribe":
                return ""
            await run_in_threadpool(
                talk.save_choices, self.factory, message.openid, talk.WELCOME_CHOICES
            )
            return talk.WELCOME + talk.numbered(talk.WELCOME_CHOICES)
        if message.msg_type == "text" and (message.content or "").strip():
            text = (message.content or "").strip()
            thanks = await run_in_threadpool(
                talk.rate_by_reply, self.factory, message.openid, text, now
            )
            if thanks:
                return thanks
            text = talk.chosen(text, resident.choices or []) or text
        elif message.msg_type == "location" and message.lat is not None:
            text = talk.LOCATION_MESSAGE
        else:
            return talk.UNSUPPORTED
        reply, choices = talk.render(await talk.ask_bot(request, message, text))
        await run_in_threadpool(talk.save_choices, self.factory, message.openid, choices)
        return reply


def _now() -> datetime:
    return datetime.now(UTC)
