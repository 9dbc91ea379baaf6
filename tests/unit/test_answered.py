"""The bot's answers to a message, read back from Rasa's tracker events as the REST channel
sent them (the live comparison is tests/outage/test_chat_app_kill.py)."""

import json
from typing import Any

from api.conversations.answered import _answers


def user(text: str, message_id: str | None) -> tuple[str, str]:
    metadata = {"message_id": message_id, "model_id": "m"} if message_id else {"model_id": "m"}
    return "user", json.dumps({"event": "user", "text": text, "metadata": metadata})


def bot(text: str | None, **data: Any) -> tuple[str, str]:
    full = {"elements": None, "quick_replies": None, "buttons": None, "attachment": None,
            "image": None, "custom": None} | data  # fmt: skip
    return "bot", json.dumps({"event": "bot", "text": text, "data": full})


BUTTONS = [{"title": "确认提交", "payload": "/affirm"}]
CARD = {"type": "ticket", "number": "LY-20261205-0001"}


def test_the_answers_between_the_message_and_the_next_one() -> None:
    events = [
        user("漏水了", "a1"),
        bot("请问在哪里？"),
        user("/affirm", "a2"),
        bot("已登记。\n\n想查进度随时问我。", custom=CARD),
        bot("请核对", buttons=BUTTONS),
        user("谢谢", "a3"),
        bot("不客气"),
    ]
    assert _answers(events, "a2") == [
        {"text": "已登记。"},
        {"text": "想查进度随时问我。"},
        {"custom": CARD},
        {"text": "请核对", "buttons": BUTTONS},
    ]
    assert _answers(events, "a1") == [{"text": "请问在哪里？"}]


def test_a_message_rasa_never_took_has_no_answers_and_a_silent_one_has_none() -> None:
    events = [user("你好", None), bot("您好"), user("嗯", "b1")]
    assert _answers(events, "b9") is None
    assert _answers(events, "b1") == []
