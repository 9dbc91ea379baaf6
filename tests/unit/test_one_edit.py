"""Near-duplicates one typing slip apart, and the blind sets kept apart from the training data."""

from pathlib import Path

import pytest

from eval.one_edit import one_edit_pairs, read_texts, within_one_edit

ROOT = Path(__file__).resolve().parents[2]
BLIND_MESSAGES = ROOT / "eval" / "blind" / "messages.jsonl"
# Blind messages one slip from an example when the blind set was committed: short phrases
# anyone writes (人工客服, 停水了). The blind scores also report the set without them; this
# number may only fall, so no blind text ever finds its way into the training data.
SHARED_WHEN_WRITTEN = {"nlu.yml": 35, "test_set.yml": 9}
TRAINING = [ROOT / "data" / "nlu.yml", ROOT / "tests" / "nlu" / "test_set.yml"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("停水了好几天", "停水了好几天"),
        ("停水了好几天", "停水啦好几天"),
        ("楼上漏水了", "楼上在漏水了"),
        ("楼上漏水", "楼上漏水了"),
    ],
)
def test_one_slip_apart(a: str, b: str) -> None:
    assert within_one_edit(a, b) and within_one_edit(b, a)


@pytest.mark.parametrize(
    ("a", "b"), [("停水了好几天", "停电了好几个月"), ("楼上漏水", "楼下漏水了吧")]
)
def test_two_slips_apart(a: str, b: str) -> None:
    assert not within_one_edit(a, b)


def test_pairs_are_found_through_punctuation_width_and_case() -> None:
    pairs = one_edit_pairs(
        ["WiFi断了，好几天！", "完全不一样的一句话"], ["ｗｉｆｉ断啦好几天", "别的"]
    )
    assert pairs == [("WiFi断了，好几天！", "wifi断啦好几天")]


def test_short_texts_are_not_counted() -> None:
    assert one_edit_pairs(["停电"], ["停水"]) == []


def test_no_blind_message_joins_the_training_or_dev_data() -> None:
    blind = read_texts(BLIND_MESSAGES)
    assert len(blind) >= 600
    for path in TRAINING:
        # Only the count: blind texts are not read one by one while the bot is tuned.
        shared = len(one_edit_pairs(blind, read_texts(path)))
        assert shared <= SHARED_WHEN_WRITTEN[path.name], path.name
