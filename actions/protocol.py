"""Rasa's action-server protocol (as Rasa 3.6 calls it), typed with pydantic.

Rasa posts `{next_action, sender_id, tracker, domain, version}` to /webhook and
expects `{events, responses}` back; failures are `{error, action_name}` with 400
(the action rejected its execution) or 404 (no such action).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TrackerState(BaseModel):
    """The conversation state Rasa sends with every call."""

    model_config = ConfigDict(extra="allow")

    sender_id: str
    slots: dict[str, Any] = Field(default_factory=dict)
    latest_message: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)
    active_loop: dict[str, Any] | None = Field(default_factory=dict)
    latest_action_name: str | None = None


class ActionCall(BaseModel):
    """One request to run an action."""

    model_config = ConfigDict(extra="allow")

    next_action: str = Field(min_length=1)
    sender_id: str
    tracker: TrackerState
    domain: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None


class ActionResult(BaseModel):
    """What the action did: events for the tracker, messages for the resident."""

    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


class ActionError(BaseModel):
    """The error body Rasa reads on 400 and 404."""

    error: str
    action_name: str | None
