"""Robustness of bot.components.tokenizer.SafeJiebaTokenizer.

Needs the Rasa environment; run from the repository root with
``.venv-rasa/bin/python -m pytest tests/bot --confcutdir tests/bot`` (`make test-bot`).
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    import jieba  # noqa: F401
    import rasa  # noqa: F401
except ImportError:  # the project venv has no Rasa; these tests belong to .venv-rasa
    import pytest

    pytest.skip("needs the Rasa environment (.venv-rasa)", allow_module_level=True)

from rasa.nlu.constants import TOKENS_NAMES  # noqa: E402
from rasa.shared.nlu.constants import TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.components.tokenizer import SafeJiebaTokenizer, normalise  # noqa: E402

USER_DICT = ROOT / "bot" / "jieba"

HOSTILE_INPUTS = [
    "  楼上 lou水 了！！",
    "ＡＢＣ１２３停电",
    "天花板\u200b漏水",
    "😭😭屋头莫得水",
    "",
    "   ",
    "LY-20261123-0001",
    "\u200b\u200d\ufeff",
    "\t\n\r\u3000\u00a0",
    "漏\u200b水",
    "❤️\u200d🔥 燃气 ok?",
    "我电话是139 1234 5678",
    "杨家坪街道天宝路社区3栋楼上漏水到我屋头了，电话13812345678",
    "ﬁx 一下 ㍿ ①②",
    "\x00控制字符\x07",
    "\ud800孤立代理",
    "e\u0301 café",
]


def _tokenizer() -> SafeJiebaTokenizer:
    config = {**SafeJiebaTokenizer.get_default_config(), "dictionary_path": str(USER_DICT)}
    SafeJiebaTokenizer._load_custom_dictionary(str(USER_DICT))
    return SafeJiebaTokenizer(config, None, None)  # type: ignore[arg-type]


TOKENIZER = _tokenizer()


def _visible(text: str) -> str:
    """What a token's text should be for a span of the original text."""
    normalised, _ = normalise(text)
    return normalised


def test_hostile_inputs_give_clean_tokens_with_original_offsets() -> None:
    for text in HOSTILE_INPUTS:
        tokens = TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT)
        previous_end = 0
        for token in tokens:
            assert token.text, (text, token)
            assert token.text.strip() == token.text, (text, token)
            assert 0 <= token.start < token.end <= len(text), (text, token)
            assert token.start >= previous_end, (text, token)
            assert _visible(text[token.start : token.end]) == token.text, (text, token)
            previous_end = token.end


def test_blank_inputs_give_no_tokens() -> None:
    for text in ["", "   ", "\u200b", "\t\n", "\u3000\u200d\ufeff"]:
        assert TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT) == []


def test_full_width_is_folded_and_offsets_kept() -> None:
    tokens = TOKENIZER.tokenize(Message(data={TEXT: "ＡＢＣ１２３停电"}), TEXT)
    assert [(t.text, t.start, t.end) for t in tokens] == [("ABC123", 0, 6), ("停电", 6, 8)]


def test_zero_width_characters_do_not_split_words() -> None:
    tokens = TOKENIZER.tokenize(Message(data={TEXT: "漏\u200b水"}), TEXT)
    assert [(t.text, t.start, t.end) for t in tokens] == [("漏水", 0, 3)]


def test_domain_words_and_places_from_user_dictionary() -> None:
    text = "😭😭屋头莫得水，天宝路社区"
    words = [t.text for t in TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT)]
    assert "屋头" in words
    assert "莫得" in words
    assert "天宝路" in words


def test_phone_with_spaces_keeps_digit_groups_at_their_offsets() -> None:
    text = "我电话是139 1234 5678"
    tokens = TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT)
    assert [(t.text, text[t.start : t.end]) for t in tokens if t.text.isdigit()] == [
        ("139", "139"),
        ("1234", "1234"),
        ("5678", "5678"),
    ]


def test_process_sets_tokens_on_messages() -> None:
    messages = [Message(data={TEXT: text}) for text in HOSTILE_INPUTS]
    TOKENIZER.process(messages)
    for message in messages:
        for token in message.get(TOKENS_NAMES[TEXT]):
            assert token.text.strip()


def test_normalise_is_per_character() -> None:
    for text in HOSTILE_INPUTS:
        normalised, origin = normalise(text)
        assert len(normalised) == len(origin)
        assert origin == sorted(set(origin))
        for char, index in zip(normalised, origin, strict=True):
            source = text[index]
            folded = unicodedata.normalize("NFKC", source)
            assert char in {source, folded, " "}
