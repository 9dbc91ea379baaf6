"""The benchmark's reply checks: each step's question, the read-back and the ticket card."""

from typing import Any

from api.catalogue import SERVICE_NAMES
from bench.conversations import (
    PLACES,
    PROBLEMS,
    ConversationMix,
    check_reply,
    masked,
    report_conversation,
)

PHONE = "13812345678"
CONVERSATION = report_conversation(
    "water_leak", "我家天花板漏水了", "杨家坪街道天宝路社区", PHONE, "s1"
)
PROBLEM, PLACE, PHONE_TURN, CONFIRM = CONVERSATION.turns


def text(*lines: str) -> list[dict[str, Any]]:
    return [{"recipient_id": "s1", "text": line} for line in lines]


def card(category: str = "漏水渗水", number: str = "LY-20261204-0007") -> list[dict[str, Any]]:
    return [
        {"text": f"已为您登记，工单号 {number}。\n已转给天宝路社区老杨群工室"},
        {"custom": {"type": "ticket", "number": number, "category": category,
                    "station": "天宝路社区老杨群工室"}},
    ]  # fmt: skip


def test_the_expected_replies_pass() -> None:
    assert check_reply(PROBLEM, text("请问在哪里？告诉我街道或镇")) is None
    assert check_reply(PLACE, text("留个手机号，方便工作人员联系您？")) is None
    readback = "请核对一下：\n问题：我家天花板漏水了\n类别：漏水渗水\n电话：138****5678"
    assert check_reply(PHONE_TURN, text(readback)) is None
    assert check_reply(CONFIRM, card()) is None


def test_another_question_is_a_wrong_reply() -> None:
    assert check_reply(PROBLEM, text("留个手机号")) == "reply lacks '哪里'"
    assert check_reply(PLACE, text("有几个地方名字相近，您说的是哪一个？")) is not None


def test_the_read_back_must_name_the_category_and_mask_the_phone() -> None:
    wrong_code = "请核对一下：\n类别：供水问题\n电话：138****5678"
    assert check_reply(PHONE_TURN, text(wrong_code)) is not None
    unmasked = "请核对一下：\n类别：漏水渗水\n电话：13812345678"
    assert check_reply(PHONE_TURN, text(unmasked)) is not None


def test_the_confirmation_needs_a_right_ticket_card() -> None:
    assert check_reply(CONFIRM, text("已为您登记")) == "no ticket card"
    assert "category" in (check_reply(CONFIRM, card(category="供水问题")) or "")
    assert check_reply(CONFIRM, card(number="12345")) is not None
    unrepeated = card()
    unrepeated[0]["text"] = "已为您登记。"
    assert check_reply(CONFIRM, unrepeated) == "the text does not repeat the card's number"


def test_no_reply_or_garbage_is_wrong() -> None:
    assert check_reply(PROBLEM, []) == "no reply"
    assert check_reply(PROBLEM, {"detail": "busy"}) is not None
    assert check_reply(PROBLEM, ["哪里"]) is not None


def test_the_mix_varies_problems_places_and_senders_and_is_reproducible() -> None:
    mix, again = ConversationMix(seed=3), ConversationMix(seed=3)
    played = [mix.next() for _ in range(200)]
    replayed = [again.next() for _ in range(200)]
    assert [c.turns for c in played] == [c.turns for c in replayed]
    assert len({c.sender for c in played}) == 200
    assert {c.sender for c in played}.isdisjoint(c.sender for c in replayed)
    assert len({c.code for c in played}) == len({code for code, _ in PROBLEMS})
    assert {c.turns[1].message for c in played} == set(PLACES)


def test_every_scripted_conversation_is_a_full_report() -> None:
    for code, problem in PROBLEMS:
        conversation = report_conversation(code, problem, PLACES[0], PHONE, "s")
        assert [t.message for t in conversation.turns] == [problem, PLACES[0], PHONE, "/affirm"]
        assert conversation.turns[-1].expect_card == SERVICE_NAMES[code]
        assert masked(PHONE) in conversation.turns[2].expect_all
