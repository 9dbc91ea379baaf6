"""A resident's message that Rasa already took, found again in Rasa's tracker store.

The chat page sends every message with an id and resends it with the same id when
it got no answer. The app hands that id to Rasa in the message's metadata, so Rasa
keeps it on the message's event in its SQL tracker store, and it saves that event
together with the bot's answers to it, in one write at the end of the turn. So the
store knows exactly which messages were taken and what was answered, across any
restart of the app:

- the message's event is there: Rasa took the message, and the bot's events after
  it (up to the resident's next message) are the answers. They are handed back and
  the message does not reach Rasa a second time;
- it is not there: Rasa never took it (a turn cut off half-way, because the app or
  Rasa died, is dropped whole: Rasa cancels it when the app's connection closes),
  so it is sent.

And after Rasa answered, its answer counts only if the turn is in the store. Rasa 3.6
does not fail when its store is down (with the PostgreSQL server it shares with the
app): it reads an empty conversation, answers from that ("好的，请说说遇到了什么问题？"
to a resident who just gave the place of their report) and keeps the turn in its
memory only. Such an answer is not passed on: the resident gets the 503 of a Rasa
that cannot be reached, the page keeps the message with 重发, and the resend (same
id) reaches Rasa again once the store is back. Except an emergency's answer: the
number to call matters more than the conversation (its report is filed or spooled
under the message id, so the resend does not file it twice).

Only the process's memory (api/conversations/replay.py) knew this before, and a
retry after the app had been killed and started again reached Rasa twice. A table of
the app's own could not tell the two cases apart when the app dies between Rasa's
write and its own. Read only, with the app's driver; the last `LOOKBACK` events of
the sender are read (a page resends within minutes, never hundreds of turns later).
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import SQLAlchemyError

from api.database import failure_reason, is_sqlite
from api.rasa.tracker import EVENTS

Replies = list[dict[str, Any]]
METADATA_KEY = "message_id"  # the page's message id, in the metadata Rasa keeps
LOOKBACK = 200
TIMEOUT_SECONDS = 5


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    if is_sqlite(url):
        return create_engine(url, connect_args={"timeout": TIMEOUT_SECONDS})
    return create_engine(
        url, pool_pre_ping=True, pool_size=2, connect_args={"connect_timeout": TIMEOUT_SECONDS}
    )


def tracker_read_url(tracker_url: str) -> str:
    """The tracker store's URL with the app's own driver."""
    return tracker_url.replace("postgresql://", "postgresql+psycopg://", 1)


class TrackerUnreadableError(RuntimeError):
    """Rasa's tracker store could not be read (it is down with the database server)."""


def tracker_in_use(tracker_url: str) -> bool:
    """Whether there is a store to look in: configured (TRACKER_URL, which `laoyang run`
    always sets) and, on SQLite, made by Rasa already."""
    if not tracker_url:
        return False
    url = tracker_read_url(tracker_url)
    return not is_sqlite(url) or Path(url.split("///", 1)[-1]).is_file()


def answered_turn(tracker_url: str, sender: str, message_id: str) -> Replies | None:
    """The bot's answers to this message if Rasa took it (and kept it), None if it did not.

    TrackerUnreadableError when the store cannot be read; call only if `tracker_in_use`.
    """
    url = tracker_read_url(tracker_url)
    query = (
        select(EVENTS.c.type_name, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender, EVENTS.c.type_name.in_(("user", "bot")))
        .order_by(EVENTS.c.id.desc())
        .limit(LOOKBACK)
    )
    try:
        with _engine(url).connect() as conn:
            rows = [(str(kind), str(data or "{}")) for kind, data in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise TrackerUnreadableError(failure_reason(exc)) from exc
    return _answers(list(reversed(rows)), message_id)


def _answers(events: list[tuple[str, str]], message_id: str) -> Replies | None:
    """The bot's messages after the resident's message with this id, oldest first."""
    replies: Replies | None = None
    for kind, data in events:
        event = json.loads(data)
        if kind == "user":
            if replies is not None:
                break  # the resident's next message
            if (event.get("metadata") or {}).get(METADATA_KEY) == message_id:
                replies = []
        elif replies is not None:
            replies += _as_sent(event.get("text"), event.get("data") or {})
    return replies


def _as_sent(text: str | None, data: dict[str, Any]) -> Replies:
    """One bot event as Rasa's REST channel sent it (its CollectingOutputChannel): text
    with its buttons in one message, plain text split at blank lines, custom apart."""
    messages: Replies = []
    if data.get("buttons"):
        messages.append({"text": text, "buttons": data["buttons"]})
    elif text:
        messages += [{"text": part} for part in text.strip().split("\n\n")]
    if data.get("custom"):
        messages.append({"custom": data["custom"]})
    return messages
