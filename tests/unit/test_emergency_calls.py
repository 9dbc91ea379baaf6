"""The call buttons of each emergency are the numbers its advice tells the resident to call."""

import re

from api.catalogue import EMERGENCY_KINDS


def test_every_emergency_has_a_number_to_call_first() -> None:
    for kind in EMERGENCY_KINDS.values():
        assert kind.calls, kind.kind


def test_the_buttons_call_the_numbers_the_advice_and_hotline_name() -> None:
    for kind in EMERGENCY_KINDS.values():
        said = set(re.findall(r"\d{3,}", kind.hotline + kind.advice))
        assert {call.number for call in kind.calls} == said, kind.kind
        assert kind.calls[0].number in kind.advice, kind.kind
