"""The scripted report conversations the load runs play, and the check of every reply.

A conversation is the chat page's full report: the problem, the place, a phone
number, 确认提交. Each turn has what the reply must say: after the problem the
bot asks where, after the place it asks for a mobile, after the phone it reads
the report back (with the category and the masked phone), and the confirmation
gets a ticket card of the right category whose number the text repeats.

Problems cover every service code and places cover four towns, so that runs
do not follow one cached path; the mix is drawn from a seeded generator, so
two runs play the same conversations in the same order.
"""

import random
import re
import uuid
from dataclasses import dataclass
from typing import Any

from api.catalogue import SERVICE_NAMES

Reply = list[dict[str, Any]]

TICKET_NUMBER = re.compile(r"^LY-\d{8}-\d{4,6}$")

# (service code, what the resident types first): plain reports, no emergency words.
PROBLEMS: tuple[tuple[str, str], ...] = (
    ("water_leak", "我家天花板漏水了"),
    ("water_leak", "卫生间顶上一直在渗水"),
    ("water_leak", "厨房水管爆了，水流了一地"),
    ("water_supply", "停水了，一直没来水"),
    ("water_supply", "水龙头放出来的水是黄的"),
    ("power_outage", "家里停电了"),
    ("power_outage", "整栋楼都没电了"),
    ("gas", "燃气灶打不着火"),
    ("gas", "燃气表坏了，不走字"),
    ("dispute", "楼上邻居天天半夜吵闹，说了也不听"),
    ("dispute", "邻居家的狗天天在楼道里叫"),
    ("housing_repair", "电梯坏了，老人上不去楼"),
    ("housing_repair", "单元门的门禁坏了，关不上"),
    ("environment", "垃圾桶满了没人收，臭得很"),
    ("environment", "楼下餐馆把泔水倒在路边"),
    ("public_facility", "路灯坏了，晚上黑黢黢的"),
    ("public_facility", "人行道的地砖翘起来了"),
    ("welfare", "家里困难，想申请低保"),
    ("other", "想给社区提个建议，多搞点文化活动"),
)

# Town and community as residents type them; every one is in the demo registry too.
PLACES: tuple[str, ...] = (
    "杨家坪街道天宝路社区",
    "杨家坪街道西郊二村社区",
    "杨家坪街道团结路社区",
    "杨家坪街道新华一村社区",
    "黄桷坪街道新市场社区",
    "黄桷坪街道唐家湾社区",
    "黄桷坪街道九龙花园社区",
    "金凤镇龙凤社区",
    "金凤镇九凤村",
    "铜罐驿镇英雄湾村",
    "铜罐驿镇冬笋坝社区",
)

MOBILE_PREFIXES = ("138", "139", "150", "151", "158", "186", "187", "133", "177")


@dataclass(frozen=True)
class Turn:
    """What the resident sends, and what the reply must contain."""

    message: str
    expect_all: tuple[str, ...] = ()
    expect_card: str | None = None  # the category the ticket card must carry


@dataclass(frozen=True)
class Conversation:
    """One resident's report from the first message to the ticket card."""

    sender: str
    code: str
    turns: tuple[Turn, ...]


def masked(phone: str) -> str:
    """The phone as the read-back shows it (138****5678)."""
    return f"{phone[:3]}****{phone[-4:]}"


def report_conversation(
    code: str, problem: str, place: str, phone: str, sender: str
) -> Conversation:
    """The four turns of a report and what each reply must say."""
    category = SERVICE_NAMES[code]
    return Conversation(
        sender=sender,
        code=code,
        turns=(
            Turn(problem, expect_all=("哪里",)),
            Turn(place, expect_all=("手机号",)),
            Turn(phone, expect_all=("请核对", f"类别：{category}", masked(phone))),
            Turn("/affirm", expect_card=category),
        ),
    )


class ConversationMix:
    """An endless, reproducible supply of varied report conversations."""

    def __init__(self, seed: int = 2026, prefix: str = "bench") -> None:
        self._rng = random.Random(seed)
        self._prefix = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self._count = 0

    def next(self) -> Conversation:
        """The next conversation, with a sender id never used before."""
        self._count += 1
        code, problem = self._rng.choice(PROBLEMS)
        place = self._rng.choice(PLACES)
        phone = self._rng.choice(MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
        sender = f"{self._prefix}-{self._count:06d}"
        return report_conversation(code, problem, place, phone, sender)


def reply_text(replies: Reply) -> str:
    """Every text of the bot's messages, one per line."""
    return "\n".join(str(message.get("text") or "") for message in replies)


def ticket_cards(replies: Reply) -> list[dict[str, Any]]:
    """The ticket cards (custom payloads of type "ticket") among the replies."""
    cards = []
    for message in replies:
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("type") == "ticket":
            cards.append(custom)
    return cards


def check_reply(turn: Turn, replies: Any) -> str | None:
    """None when the reply is what this turn must get, else why not (a short reason)."""
    if not isinstance(replies, list) or not all(isinstance(m, dict) for m in replies):
        return "reply is not a list of messages"
    if not replies:
        return "no reply"
    text = reply_text(replies)
    missing = [part for part in turn.expect_all if part not in text]
    if missing:
        return f"reply lacks {missing[0]!r}"
    if turn.expect_card is None:
        return None
    cards = ticket_cards(replies)
    if not cards:
        return "no ticket card"
    card = cards[-1]
    if card.get("category") != turn.expect_card:
        return f"card category {card.get('category')!r}, expected {turn.expect_card!r}"
    number = str(card.get("number") or "")
    if not TICKET_NUMBER.match(number):
        return f"card number {number!r} is not a ticket number"
    if number not in text:
        return "the text does not repeat the card's number"
    if not card.get("station"):
        return "card names no station"
    return None
