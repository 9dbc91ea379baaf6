"""Rasa's check of the action server's replies keeps its contract with one validator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jsonschema import ValidationError  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402

from bot import action_validation  # noqa: E402

GOOD_REPLY = {
    "events": [{"event": "slot", "name": "place", "value": "杨家坪街道"}],
    "responses": [{"text": "好的，记下了。"}],
}


@pytest.fixture()
def action() -> RemoteAction:
    action_validation.install()
    return RemoteAction("action_file_report", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_a_valid_reply_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(GOOD_REPLY) is True


@pytest.mark.parametrize(
    "reply",
    [
        {"events": [{"name": "place"}]},  # an event without its type
        {"events": {"event": "slot"}},  # events must be a list
        {"events": [], "responses": ["好的"]},  # a response must be an object
        {"events": [{"event": "no_such_event"}]},
    ],
)
def test_an_invalid_reply_is_refused_with_rasas_hint(
    action: RemoteAction, reply: dict[str, object]
) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(reply)


def test_the_schema_is_checked_once() -> None:
    action_validation.response_validator.cache_clear()
    first = action_validation.response_validator()
    assert action_validation.response_validator() is first
