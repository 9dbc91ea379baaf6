"""Questions about the resident's own tickets: which 办结 ticket is not fixed, what asks
after a ticket (no model needed)."""

from datetime import datetime

import pytest

from actions.followups import ASKS_ABOUT_TICKET, not_fixed_ticket
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


@pytest.mark.parametrize(
    "text", ["我的ticket number是多少？", "那个工单到哪一步了", "工单处理得咋样了"]
)
def test_asking_after_a_ticket_by_name_is_a_follow_up(text: str) -> None:
    assert ASKS_ABOUT_TICKET.search(text)


@pytest.mark.parametrize("text", ["帮我提个工单，楼上漏水了", "我想开个ticket，路灯坏了"])
def test_asking_for_a_new_ticket_is_not(text: str) -> None:
    assert ASKS_ABOUT_TICKET.search(text) is None
