"""Residents who report through the chat and resend what got no answer with its message id.

A conversation is the chat page's full report: the problem, the place, a mobile
number, 确认提交. Every message has an id made by the resident's side; a request that
gets no answer (connection refused or cut, 5xx) is sent again with the same id until
it is answered, as the page's 重发 does. Each turn's answer is checked (the place is
asked for, then the mobile, then the report is read back, then a ticket card), so a
turn lost or applied twice shows as a wrong answer.
"""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, select

from api.conversations.answered import METADATA_KEY, tracker_read_url
from api.rasa.tracker import EVENTS
from faults.common import (
    RETRY_PAUSE_SECONDS,
    Outage,
    Replies,
    tickets_by,
)
from faults.open311 import Filing, file_until

PROBLEMS = (
    "我家天花板漏水了", "停水了，一直没来水", "家里停电了", "燃气表坏了，不走字",
    "电梯坏了，老人上不去楼", "垃圾桶满了没人收，臭得很", "路灯坏了，晚上黑黢黢的",
    "人行道的地砖翘起来了",
)  # fmt: skip
PLACES = (
    "杨家坪街道天宝路社区", "杨家坪街道西郊二村社区", "黄桷坪街道新市场社区",
    "黄桷坪街道唐家湾社区", "金凤镇龙凤社区",
)  # fmt: skip
CONFIRM = "/affirm"  # the payload of the 确认提交 button
# What each answer must hold, turn by turn: place asked, mobile asked, read-back, and a
# ticket card, or (the database could not take it) word that the report is kept.
KEPT = "已经记下了"
EXPECTED: tuple[tuple[str, ...], ...] = (("哪",), ("手机",), ("确认提交",), ("工单号", KEPT))
SAY_AGAIN = "稍后再说一次"  # the bot could not use the database for this turn
SAY_AGAIN_PAUSE_SECONDS = 1.0
SAY_AGAIN_FOR_SECONDS = 120.0


@dataclass
class Turn:
    """One message, its id, and every answer it got."""

    text: str
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    answer: Replies | None = None
    late_answer: Replies | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    """One resident's report from the problem to the ticket card."""

    sender: str
    turns: list[Turn]
    wrong: list[str] = field(default_factory=list)
    said_again: int = 0  # messages typed again after 稍后再说一次 (a new message id each)

    @property
    def card_number(self) -> str | None:
        """The ticket number the last answer's card names."""
        for message in reversed(self.turns[-1].answer or []):
            custom = message.get("custom") or {}
            if custom.get("type") == "ticket":
                return str(custom["number"])
        return None


def conversation(prefix: str, index: int) -> Conversation:
    """The `index`th report of a run: a problem, a place, a mobile, the confirmation."""
    phone = f"139{index:08d}"
    texts = (PROBLEMS[index % len(PROBLEMS)], PLACES[index % len(PLACES)], phone, CONFIRM)
    return Conversation(f"{prefix}-{index:04d}", [Turn(text) for text in texts])


def text_of(replies: Replies) -> str:
    return "\n".join(str(m.get("text") or "") for m in replies)


async def say(http: httpx.AsyncClient, sender: str, turn: Turn, *, once: bool = False) -> Replies:
    """Send the turn until it is answered with 200 (or once, when `once`); the replies."""
    body: dict[str, Any] = {"sender": sender, "message": turn.text, "message_id": turn.message_id}
    while True:
        turn.attempts += 1
        try:
            response = await http.post("/api/chat", json=body)
        except httpx.HTTPError as error:
            turn.failures.append(type(error).__name__)
        else:
            if response.status_code == 200:
                return list(response.json())
            turn.failures.append(f"{response.status_code} {_detail(response)}")
            if response.status_code < 500 and response.status_code != 429:
                raise RuntimeError(f"refused: {response.status_code} {response.text}")
        if once:
            return []
        await asyncio.sleep(RETRY_PAUSE_SECONDS)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except (ValueError, AttributeError):
        return response.text[:40]


async def play(http: httpx.AsyncClient, talk: Conversation) -> None:
    """Every turn in order, each sent until answered; wrong answers are noted."""
    for number, (turn, expected) in enumerate(zip(talk.turns, EXPECTED, strict=True), 1):
        turn.answer = await say(http, talk.sender, turn)
        deadline = asyncio.get_running_loop().time() + SAY_AGAIN_FOR_SECONDS
        while SAY_AGAIN in text_of(turn.answer) and asyncio.get_running_loop().time() < deadline:
            # The resident does as told: says it again a little later (a new message).
            await asyncio.sleep(SAY_AGAIN_PAUSE_SECONDS)
            talk.said_again += 1
            turn.message_id, turn.answer = uuid.uuid4().hex, None
            turn.answer = await say(http, talk.sender, turn)
        text = text_of(turn.answer)
        if not any(word in text for word in expected):
            talk.wrong.append(f"turn {number} ({turn.text}): {text[:80]!r}")


async def play_all(
    url: str,
    talks: list[Conversation],
    at_once: int,
    faults: Sequence[tuple[int, Callable[[], Outage]]] = (),
) -> list[Outage]:
    """Play the conversations, `at_once` at a time; each fault `(n, fault)` runs (in a
    thread, while the others go on) once `n` turns have been answered. Returns what each
    fault returned."""
    queue: asyncio.Queue[Conversation] = asyncio.Queue()
    for talk in talks:
        queue.put_nowait(talk)
    results: list[Outage] = []
    done = asyncio.Event()

    async def resident(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            await play(http, queue.get_nowait())

    async def trouble() -> None:
        for after, fault in faults:
            while answered(talks) < after and not done.is_set():
                await asyncio.sleep(0.02)
            results.append(await asyncio.to_thread(fault))

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        troublemaker = asyncio.create_task(trouble())
        await asyncio.gather(*(resident(http) for _ in range(at_once)))
        done.set()
        await troublemaker
    return results


def answered(talks: list[Conversation]) -> int:
    """Turns answered so far."""
    return sum(1 for talk in talks for turn in talk.turns if turn.answer is not None)


async def resend_all(url: str, talks: list[Conversation]) -> int:
    """Send every turn once more with its id; how many answers differ from the first."""
    differ = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for talk in talks:
            for turn in talk.turns:
                turn.late_answer = await say(http, talk.sender, Turn(turn.text, turn.message_id))
                differ += turn.late_answer != turn.answer
    return differ


def messages_in_rasa(tracker_url: str, prefix: str) -> dict[str, int]:
    """How many times Rasa took each message id of the run (its tracker store's user events)."""
    engine = create_engine(tracker_read_url(tracker_url))
    query = select(EVENTS.c.data).where(
        EVENTS.c.sender_id.like(f"{prefix}%"), EVENTS.c.type_name == "user"
    )
    with engine.connect() as conn:
        datas = list(conn.execute(query).scalars())
    engine.dispose()
    taken = Counter(str((json.loads(d).get("metadata") or {}).get(METADATA_KEY)) for d in datas)
    return dict(taken)


def verify_chat(
    database_url: str, tracker_url: str, prefix: str, talks: list[Conversation]
) -> dict[str, int]:
    """What the database holds for the conversations against what residents were told, and
    how often Rasa took each message."""
    tickets = tickets_by(database_url, "sender_id", prefix)
    taken = messages_in_rasa(tracker_url, prefix)
    ids = [turn.message_id for talk in talks for turn in talk.turns]
    return {
        "messages_rasa_took_twice": sum(1 for i in ids if taken.get(i, 0) > 1),
        "messages_rasa_never_took": sum(1 for i in ids if not taken.get(i)),
        "conversations": len(talks),
        "chat_tickets": sum(len(numbers) for numbers in tickets.values()),
        "chat_lost": sum(1 for t in talks if not tickets.get(t.sender)),
        "chat_duplicated": sum(len(numbers) - 1 for numbers in tickets.values()),
        "cards_not_matching_the_database": sum(
            1 for t in talks if t.card_number and [t.card_number] != tickets.get(t.sender)
        ),
        "confirmations_told_kept_for_later": sum(
            1 for t in talks if KEPT in text_of(t.turns[-1].answer or [])
        ),
        "messages_said_again_after_say_later": sum(t.said_again for t in talks),
        "turns_answered_wrongly": sum(len(t.wrong) for t in talks),
        "turns": sum(len(t.turns) for t in talks),
        "turns_retried": sum(1 for t in talks for turn in t.turns if turn.failures),
        "chat_attempts": sum(turn.attempts for t in talks for turn in t.turns),
    }


def chat_failures(counts: dict[str, int]) -> int:
    """Everything in `verify_chat`'s counts that must be 0."""
    keys = (
        "chat_lost", "chat_duplicated", "cards_not_matching_the_database",
        "turns_answered_wrongly", "messages_rasa_took_twice", "messages_rasa_never_took",
    )  # fmt: skip
    return sum(counts[key] for key in keys)


def failures_seen(talks: list[Conversation]) -> dict[str, int]:
    """How often each kind of failed attempt happened (an exception's name, or a status
    with the detail the resident was shown)."""
    return dict(Counter(f for talk in talks for turn in talk.turns for f in turn.failures))


async def load(
    url: str,
    api_key: str,
    run: str,
    talks: list[Conversation],
    at_once: int,
    faults: Sequence[tuple[int, Callable[[], Outage]]],
) -> tuple[list[Outage], list[Filing]]:
    """The conversations with their faults, and Open311 filings for as long as they last."""
    done = asyncio.Event()
    filer = asyncio.create_task(file_until(url, api_key, run, 2, done))
    outages = await play_all(url, talks, at_once, faults)
    done.set()
    return outages, await filer
