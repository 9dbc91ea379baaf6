"""Rasa's check of the action server's replies, with its validator built once.

Rasa 3.6 checks every reply of the action server with `jsonschema.validate`
(`RemoteAction._validate_action_result`). That call checks the large events
schema against the meta-schema and builds a new validator on every reply;
under load it was about half of the Rasa process's CPU. The replacement keeps
the same contract (a valid reply passes, an invalid one raises
`jsonschema.ValidationError` with Rasa's hint appended) but checks the schema
once and reuses one validator. `bot/rasa_cli.py` installs it before Rasa starts.
"""

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

HINT = (
    ". Failed to validate Action server response from API, make sure your response "
    f"from the Action endpoint is valid. For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """The validator of an action server reply; its schema is checked here, once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result`, with the cached validator."""
    try:
        response_validator().validate(result)
    except ValidationError as error:
        error.message += HINT
        raise
    return True


def install() -> None:
    """Make every `RemoteAction` of this process use the cached validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
