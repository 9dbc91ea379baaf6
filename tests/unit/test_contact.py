"""Residents' phone numbers: finding them in what they type, and never showing them in full."""

import logging

import pytest

from api.logging_setup import PhoneMaskingFilter
from api.privacy import mask_phone, mask_phones_in
from api.tickets.contact import find_mobile, is_mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我电话139 1234 5678", "13912345678"),
        ("+86 13812345678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("８６１３８１２３４５６７８", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("电话：(138)1234-5678，打不通就发短信", "13812345678"),
        ("我家天花板漏水了，我在杨家坪街道天宝路社区，电话13812345678", "13812345678"),
        ("13812345678", "13812345678"),
        ("先打 19912345678，再打 13812345678", "19912345678"),
    ],
)
def test_find_mobile_reads_the_ways_residents_type_a_number(text: str, expected: str) -> None:
    assert find_mobile(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "138123456789",  # 12 digits: not a mobile number
        "我的卡号 6213812345678901",  # a longer digit run that contains one
        "023-68881234",  # a Chongqing landline
        "(023) 6888 1234",
        "12345678901",  # second digit must be 3-9
        "10086",
        "1381234567",  # 10 digits
        "电话还没想好",
        "",
    ],
)
def test_find_mobile_rejects_what_is_not_a_mobile_number(text: str) -> None:
    assert find_mobile(text) is None


def test_is_mobile_is_exact() -> None:
    assert is_mobile("13812345678")
    assert is_mobile("138 1234 5678")
    assert is_mobile("+86 138-1234-5678")
    assert not is_mobile("电话13812345678")
    assert not is_mobile("138123456789")
    assert not is_mobile("02368881234")


def test_mask_phone_keeps_the_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None
    assert mask_phone("") is None
    # Too short to show any part of it.
    assert mask_phone("1234567") == "****"


@pytest.mark.parametrize(
    "text",
    [
        "我电话13812345678，快来",
        "两个号码 13812345678 和 13987654321",
        "１３８１２３４５６７８",
        "+86 13812345678",
        "+8613812345678",
        "我电话138 1234 5678",
        "138-1234-5678",
    ],
)
def test_mask_phones_in_leaves_no_number_anyone_could_call(text: str) -> None:
    # Whatever format find_mobile accepts from a resident must be masked in logs too.
    masked = mask_phones_in(text)
    assert find_mobile(masked) is None, masked
    assert "****" in masked


def test_mask_phones_in_leaves_other_numbers_alone() -> None:
    masked = mask_phones_in("3栋2单元502，座机023-68881234，工单 LY-20261123-0007")
    for kept in ("3栋2单元502", "023-68881234", "LY-20261123-0007"):
        assert kept in masked
    assert "****" not in masked


def test_log_records_never_carry_a_full_number() -> None:
    record = logging.LogRecord(
        "actions", logging.INFO, __file__, 1, "filed %s: %s", ("LY-1", "电话13812345678"), None
    )
    assert PhoneMaskingFilter().filter(record)
    assert record.getMessage() == "filed LY-1: 电话138****5678"


def test_mask_phones_in_changes_nothing_but_the_number() -> None:
    text = "请联系：１３８ １２３４ ５６７８（晚上），谢谢！"
    assert mask_phones_in(text) == "请联系：138****5678（晚上），谢谢！"
