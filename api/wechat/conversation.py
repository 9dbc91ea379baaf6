"""One resident message from WeChat through the same chat path the web page uses.

The sender is `wx:<openid>` and the message id `wx-<MsgId>`, so Rasa hears a message
once however often WeChat retries it (api/conversations/replay.py, answered.py). WeChat
text has no buttons: the bot's buttons become numbered choices, kept per follower, and
a number alone is taken as that button. After 办结 the notifier asks for 1–5 stars;
the next number is then the rating, and 没解决 sends the ticket back.
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.conversations.schemas import MAX_MESSAGE_LENGTH, BotMessage, ChatMetadata, ChatRequest
from api.conversations.schemas import Location as ChatLocation
from api.conversations.views import chat
from api.database import transaction
from api.senders import WECHAT_SENDER_PREFIX
from api.tickets.models import Ticket
from api.tickets.resident.service import TicketStateError, rate_resolved, reopen_resolved
from api.wechat.models import WechatResident
from api.wechat.protocol import Inbound

WELCOME = (
    "您好，感谢关注！我是智慧杨：家里漏水、停水停电、邻里纠纷，直接发文字告诉我，"
    "也可以发送位置，我帮您转给附近的老杨工作站。"
)
WELCOME_CHOICES = [
    {"title": "家里漏水", "payload": "家里漏水了"},
    {"title": "停电了", "payload": "家里停电了"},
    {"title": "邻里纠纷", "payload": "和邻居有矛盾，想请老杨调解"},
    {"title": "查工单进度", "payload": "查工单进度"},
]
UNSUPPORTED = (
    "抱歉，图片、语音、视频和表情我还看不懂。请用文字告诉我遇到了什么问题，也可以发送位置。"
)
BUSY = "智慧杨这会儿有点忙，请稍等一会儿再发一次。"
LOCATION_MESSAGE = "我的位置"  # what the web page's 发送位置 sends along with the position
RATED = "谢谢您的评价！有别的事随时找老杨。"
REOPENED = "收到，工单已退回工作站重新办理，有进展会在这里告诉您。"
NOT_SOLVED = frozenset({"没解决", "没有解决", "还没解决", "还是没解决"})
_RATING = re.compile(r"^([1-5])\s*(分|星)?$")


def sender_of(openid: str) -> str:
    """The conversation's sender id for a follower."""
    return WECHAT_SENDER_PREFIX + openid


def render(replies: Sequence[BotMessage]) -> tuple[str, list[dict[str, str]]]:
    """The bot's messages as one WeChat text, and the buttons offered as numbered choices."""
    texts: list[str] = []
    choices: list[dict[str, str]] = []
    for reply in replies:
        if reply.text:
            texts.append(reply.text.strip())
        choices = [{"title": b.title, "payload": b.payload} for b in reply.buttons or []] or choices
    return "\n\n".join(t for t in texts if t) + numbered(choices), choices


def numbered(choices: Sequence[dict[str, Any]]) -> str:
    """The line offering choices: "回复 1 确认提交，2 改地点" (empty without choices)."""
    if not choices:
        return ""
    return "\n\n回复 " + "，".join(f"{i} {c['title']}" for i, c in enumerate(choices, 1))


def chosen(text: str, choices: Sequence[dict[str, Any]]) -> str | None:
    """The payload of the choice a bare number names, else None."""
    number = unicodedata.normalize("NFKC", text).strip().rstrip(".。、")
    if number.isdigit() and 1 <= int(number) <= len(choices):
        return str(choices[int(number) - 1]["payload"])
    return None


def touch_resident(factory: sessionmaker[Session], openid: str, now: datetime) -> WechatResident:
    """The follower's state, with this message's time (the 48-hour window starts anew)."""
    for _ in range(2):
        try:
            with transaction(factory) as session:
                resident = session.get(WechatResident, openid)
                if resident is None:
                    resident = WechatResident(openid=openid, choices=[], last_inbound_at=now)
                    session.add(resident)
                resident.last_inbound_at = now
                session.flush()
                session.expunge(resident)
                return resident
        except IntegrityError:  # another request made the row first
            continue
    raise RuntimeError("could not record the follower")


def save_choices(
    factory: sessionmaker[Session], openid: str, choices: list[dict[str, str]]
) -> None:
    """Remember the choices just offered; new choices end a pending rating."""
    with transaction(factory) as session:
        resident = session.get(WechatResident, openid)
        if resident is not None:
            resident.choices = choices
            if choices:
                resident.rating_ticket = None


def rate_by_reply(
    factory: sessionmaker[Session], openid: str, text: str, now: datetime
) -> str | None:
    """After 办结: 1–5 rates the ticket the notifier asked about, 没解决 reopens it (as the
    page's buttons do). Returns what to answer, or None when the text is for the bot."""
    plain = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！")
    match = _RATING.match(plain)
    if match is None and plain not in NOT_SOLVED:
        return None
    with factory() as session:
        resident = session.get(WechatResident, openid)
        if resident is None or not resident.rating_ticket:
            return None
        number, resident.rating_ticket = resident.rating_ticket, None
        session.commit()
        ticket = session.scalar(
            select(Ticket).where(Ticket.number == number, Ticket.sender_id == sender_of(openid))
        )
        if ticket is None:
            return None
        try:
            if match is None:
                reopen_resolved(session, ticket, None, now)
                session.commit()
                return REOPENED
            rate_resolved(session, ticket, int(match.group(1)), None, now)
            session.commit()
        except TicketStateError:
            return None
    return RATED


async def ask_bot(request: Request, message: Inbound, text: str) -> list[BotMessage]:
    """The bot's replies through /api/chat's own handler; BUSY text when Rasa is out."""
    location = None
    if message.msg_type == "location" and message.lat is not None and message.lon is not None:
        location = ChatLocation(lat=message.lat, lon=message.lon)
    chat_request = ChatRequest(
        sender=sender_of(message.openid),
        message=text[:MAX_MESSAGE_LENGTH],
        metadata=ChatMetadata(location=location),
        message_id=f"wx-{message.msg_id}" if message.msg_id else None,
    )
    try:
        return await chat(chat_request, request.app.state.rasa, request)
    except HTTPException:
        return [BotMessage(text=BUSY)]
