"""Ticket numbers as residents type them when they ask about progress."""

import pytest

from api.tickets.numbers import find_ticket_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lY-20261123-0007", "LY-20261123-0007"),
        ("LY-20261123-0007", "LY-20261123-0007"),
        ("LY202611230007", "LY-20261123-0007"),
        ("ly 20261123 0007", "LY-20261123-0007"),
        ("LY-20261123-0007。", "LY-20261123-0007"),
        ("my ticket is LY-20261123-0007, thanks", "LY-20261123-0007"),
        ("LY-20261123-10234", "LY-20261123-10234"),
    ],
)
def test_find_ticket_number_in_canonical_form(text: str, expected: str) -> None:
    assert find_ticket_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工单号 LY-20261123-0012 怎么样了",
        "工单号LY-20261123-0012",
        "查一下LY-20261123-0012的进度",
        "LY-20261123-0012怎么还没人联系我",
    ],
)
def test_find_ticket_number_next_to_chinese_text(text: str) -> None:
    # Residents write the number straight after 工单号 or before 怎么样了.
    assert find_ticket_number(text) == "LY-20261123-0012"


@pytest.mark.parametrize(
    "text",
    [
        "我想查一下工单",
        "LY-2026112-0007",  # seven-digit date
        "LY-20261123-007",  # three-digit sequence
        "XLY-20261123-0007",  # part of a longer code
        "13812345678",
    ],
)
def test_find_ticket_number_ignores_what_is_not_a_ticket_number(text: str) -> None:
    assert find_ticket_number(text) is None
