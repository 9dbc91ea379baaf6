"""The typing-noise generator used to augment the char n-gram regression, and its pinyin view."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.components.char_ngram_blend import fold  # noqa: E402
from bot.components.typing_noise import (  # noqa: E402
    READING,
    confusions,
    mistype,
    mistype_characters,
    noisy_copies,
    split_syllables,
    to_pinyin,
    type_in_pinyin,
)


def test_the_table_covers_common_and_domain_characters() -> None:
    assert len(READING) > 3000
    for char, reading in {"水": "shui", "电": "dian", "梯": "ti", "困": "kun", "燃": "ran"}.items():
        assert READING[char] == reading


def test_homophones_share_the_reading_and_exclude_the_character() -> None:
    same, near = confusions("电")
    assert "电" not in same and "电" not in near
    assert same and all(READING[c] == "dian" for c in same)
    # n/l and front/back nasals are near readings
    assert any(READING.get(c) == "lan" for c in confusions("男")[1])
    assert any(READING.get(c) == "ting" for c in confusions("亭")[0])


def test_look_alikes_are_offered() -> None:
    assert "已" in confusions("己")[1]


@pytest.mark.parametrize("seed", range(20))
def test_mistyped_characters_keep_the_length(seed: int) -> None:
    text = "楼上漏水漏到我家天花板了"
    noised = mistype_characters(text, random.Random(seed))
    assert len(noised) == len(text)
    assert 1 <= sum(a != b for a, b in zip(text, noised, strict=True)) <= 2


def test_pinyin_fragments_are_letters_for_characters() -> None:
    for seed in range(20):
        noised = type_in_pinyin("停电了", random.Random(seed))
        assert noised != "停电了"
        assert any(ch.isascii() and ch.isalpha() for ch in noised)


def test_copies_are_deterministic_and_differ_from_the_source() -> None:
    texts = ["电梯困人了", "燃气打不燃", "小区垃圾没人收"]
    first = noisy_copies(texts, 3, seed=42)
    assert first == noisy_copies(texts, 3, seed=42)
    assert first != noisy_copies(texts, 3, seed=43)
    for text, copies in zip(texts, first, strict=True):
        assert len(copies) == 3
        assert all(copy != text for copy in copies)


def test_a_copy_of_a_text_without_chinese_may_only_change_layout() -> None:
    assert mistype("123", random.Random(0)) is not None


@pytest.mark.parametrize(
    ("letters", "syllables"),
    [
        ("laji", ("la", "ji")),
        ("xiexie", ("xie", "xie")),
        ("zhaohuo", ("zhao", "huo")),
        ("tiao", ("tiao",)),
        ("gas", None),
        ("wifi", None),
    ],
)
def test_letter_runs_are_cut_into_syllables(
    letters: str, syllables: tuple[str, ...] | None
) -> None:
    assert split_syllables(letters) == syllables


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("楼上漏水", "lou shang lou shui"),
        ("楼上lou水", "lou shang lou shui"),
        ("楼上 LOU SHUI！", "lou shang lou shui"),
        ("gas表坏了", "gas biao huai le"),
        ("3栋停电", "3 dong ting dian"),
    ],
)
def test_the_pinyin_view_reads_typos_and_fragments_alike(text: str, view: str) -> None:
    assert to_pinyin(fold(text)) == view
