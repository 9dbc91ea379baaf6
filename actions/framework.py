"""A small action runtime: tracker view, dispatcher, events and executor.

It mirrors what rasa_sdk offers, typed for the app's Python, so actions stay
thin translators between the conversation and the ticket service.
"""

from collections.abc import Iterable
from typing import Any, Protocol

from actions.protocol import ActionCall, ActionResult
from api.catalogue import ranking_from

Event = dict[str, Any]
Button = dict[str, str]

REQUESTED_SLOT = "requested_slot"


def slot_set(name: str, value: Any) -> Event:
    """Set a slot."""
    return {"event": "slot", "name": name, "value": value, "timestamp": None}


def active_loop(name: str | None) -> Event:
    """Activate a loop (form), or deactivate the current one with None."""
    return {"event": "active_loop", "name": name, "timestamp": None}


def button(title: str, payload: str) -> Button:
    """A quick-reply button."""
    return {"title": title, "payload": payload}


class Tracker:
    """Read access to the conversation, plus the slot changes made so far."""

    def __init__(self, state: dict[str, Any], sender_id: str) -> None:
        self.sender_id = sender_id
        self.slots: dict[str, Any] = dict(state.get("slots") or {})
        self.latest_message: dict[str, Any] = dict(state.get("latest_message") or {})
        self.events: list[Event] = list(state.get("events") or [])
        self.active_loop_name: str | None = (state.get("active_loop") or {}).get("name")

    def get_slot(self, name: str) -> Any:
        """A slot's value, or None."""
        return self.slots.get(name)

    def apply(self, events: Iterable[Event]) -> None:
        """Reflect slot events in this view, so later reads see them."""
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]

    @property
    def text(self) -> str:
        """The resident's latest message, as typed."""
        return str(self.latest_message.get("text") or "")

    @property
    def intent(self) -> str | None:
        """The latest message's intent name."""
        intent = self.latest_message.get("intent") or {}
        name = intent.get("name")
        return str(name) if name else None

    @property
    def intent_ranking(self) -> list[tuple[str, float]]:
        """Every intent NLU considered for the latest message, with its confidence."""
        return ranking_from(self.latest_message)

    @property
    def intent_confidence(self) -> float:
        """How sure NLU was of the latest intent."""
        intent = self.latest_message.get("intent") or {}
        return float(intent.get("confidence") or 0.0)

    def entity(self, name: str) -> Any:
        """The first value of an entity in the latest message."""
        for entity in self.latest_message.get("entities") or []:
            if entity.get("entity") == name:
                return entity.get("value")
        return None

    def _latest_user_event(self) -> Event:
        for event in reversed(self.events):
            if event.get("event") == "user":
                return event
        return {}

    @property
    def message_id(self) -> str | None:
        """Rasa's id of the latest user message (stable across action retries)."""
        value = self.latest_message.get("message_id") or self._latest_user_event().get("message_id")
        return str(value) if value else None

    @property
    def turn_id(self) -> str | None:
        """The chat page's id of the latest message when it gave one, else Rasa's.

        The page's id is the same on every resend of the message, also when the
        message reaches Rasa anew after the app or Rasa died mid-turn; Rasa's is not.
        """
        page = self.metadata.get("message_id")
        return str(page) if page else self.message_id

    @property
    def metadata(self) -> dict[str, Any]:
        """What the channel sent along with the latest message (e.g. the widget's location)."""
        metadata = self.latest_message.get("metadata") or self._latest_user_event().get("metadata")
        return dict(metadata) if isinstance(metadata, dict) else {}


class Dispatcher:
    """Collects the messages an action sends to the resident."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def utter(
        self,
        text: str | None = None,
        *,
        buttons: list[Button] | None = None,
        custom: dict[str, Any] | None = None,
        response: str | None = None,
    ) -> None:
        """Send a message, or a domain response by name."""
        message: dict[str, Any] = {}
        if text:
            message["text"] = text
        if buttons:
            message["buttons"] = buttons
        if custom:
            message["custom"] = custom
        if response:
            message["response"] = response
        self.messages.append(message)


class Action(Protocol):
    """One custom action."""

    name: str

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        """Do the action and return the events for the tracker."""
        ...


class ActionNotFoundError(LookupError):
    """Rasa asked for an action this server does not have (404)."""

    def __init__(self, action_name: str) -> None:
        super().__init__(f"No registered action found for name '{action_name}'.")
        self.action_name = action_name


class ActionRejectedError(Exception):
    """The action refuses to run in this state (400), letting Rasa choose another."""

    def __init__(self, action_name: str, message: str) -> None:
        super().__init__(message)
        self.action_name = action_name


class ActionExecutor:
    """Looks actions up by name and runs them."""

    def __init__(self, actions: Iterable[Action]) -> None:
        self._actions = {action.name: action for action in actions}

    @property
    def names(self) -> list[str]:
        """Every registered action name."""
        return sorted(self._actions)

    def run(self, call: ActionCall) -> ActionResult:
        """Run the named action against the call's tracker."""
        action = self._actions.get(call.next_action)
        if action is None:
            raise ActionNotFoundError(call.next_action)
        tracker = Tracker(call.tracker.model_dump(), call.sender_id)
        dispatcher = Dispatcher()
        events = action.run(dispatcher, tracker)
        return ActionResult(events=events, responses=dispatcher.messages)
