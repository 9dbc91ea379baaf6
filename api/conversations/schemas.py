"""What the widget and staff tools send to the conversation endpoints, validated at the edge."""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.senders import SENDER_ID_PATTERN, SENDER_ID_RULE

MAX_MESSAGE_LENGTH = 2000


class Location(BaseModel):
    """A position the widget shares (WGS84)."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ChatMetadata(BaseModel):
    """What the widget may send along with a message."""

    model_config = ConfigDict(extra="forbid")

    location: Location | None = None


_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")


def _not_blank(value: str) -> str:
    if not _INVISIBLE.sub("", value):
        raise ValueError("must not be empty")
    return value


class ChatRequest(BaseModel):
    """One message from a resident."""

    model_config = ConfigDict(extra="forbid")

    sender: str = Field(pattern=SENDER_ID_PATTERN, description=SENDER_ID_RULE)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)
    metadata: ChatMetadata = Field(default_factory=ChatMetadata)
    # The widget's own id for this message; a retry carries the same id and is not
    # processed again.
    message_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{8,64}$")

    _message_not_blank = field_validator("message")(_not_blank)


class RestartRequest(BaseModel):
    """A resident clears the chat: the bot forgets the conversation so far."""

    model_config = ConfigDict(extra="forbid")

    sender: str = Field(pattern=SENDER_ID_PATTERN, description=SENDER_ID_RULE)


class Button(BaseModel):
    """A quick reply offered by the bot."""

    title: str
    payload: str


class BotMessage(BaseModel):
    """One bot message, in the shape of Rasa's REST channel."""

    text: str | None = None
    buttons: list[Button] | None = None
    custom: dict[str, Any] | None = None


class ParseRequest(BaseModel):
    """A text to understand without starting a conversation."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)

    _text_not_blank = field_validator("text")(_not_blank)


class IntentResult(BaseModel):
    """The intent NLU chose."""

    name: str | None
    confidence: float


class ParseResult(BaseModel):
    """What the bot understood of a text."""

    service_code: str | None
    emergency: bool
    emergency_kind: str | None = None
    intent: IntentResult
    entities: list[dict[str, Any]]
