"""Which 办结 ticket a message says is not fixed (no model needed)."""

from datetime import datetime

import pytest

from actions.followups import not_fixed_ticket
from api.desk.types import TicketView


def _resolved(number: str, code: str) -> TicketView:
    return TicketView(
        number=number,
        service_code=code,
        status_name="已办结",
        station_name="天宝路社区老杨群工室",
        contact_due_at=datetime(2026, 12, 1, 9, 0),
        awaiting_contact=False,
        resolved=True,
        awaiting_rating=True,
    )


LIGHT = _resolved("LY-20261201-0001", "public_facility")


@pytest.mark.parametrize(
    "text",
    ["凭啥子就结案了", "你们咋个就显示办完了", "跟原来一模一样", "修了等于白修", "师傅根本没来过"],
)
def test_words_about_the_closing_reopen_whatever_is_named(text: str) -> None:
    assert not_fixed_ticket(text, [LIGHT], "water_leak") is LIGHT


def test_weaker_words_reopen_only_a_ticket_of_the_same_problem() -> None:
    assert not_fixed_ticket("路灯又黑了", [LIGHT], "public_facility") is LIGHT
    assert not_fixed_ticket("路灯又黑了", [LIGHT], None) is LIGHT
    assert not_fixed_ticket("家里又停电了", [LIGHT], "power_outage") is None


def test_nothing_is_reopened_without_a_resolved_ticket_or_a_complaint() -> None:
    assert not_fixed_ticket("凭啥子就结案了", [], None) is None
    assert not_fixed_ticket("谢谢你们，修得很好", [LIGHT], None) is None
