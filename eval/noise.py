"""Deterministic noising of resident messages, as typed on a phone in a hurry.

Each text gets its own random generator seeded from (seed, text), so the noised
copy of a message does not depend on the order or the number of messages.
Operations, each applied with some probability:

- homophone or look-alike character typos from a small table (水->谁, 闸->匣, 梯->提);
- a known word written in pinyin (漏水 -> lou水, 跳闸 -> tiao闸);
- ASCII digits and letters turned full-width (3栋 -> ３栋);
- punctuation dropped;
- spaces inserted at random positions;
- an emoji that carries no meaning for the label (🙏, 😭, 😡).

Every noised text differs from its source; labels are never touched.
Standard library only, so it runs in both environments.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

# Characters residents commonly type wrong: same or near pinyin (IME picks) or look-alikes.
TYPOS: dict[str, tuple[str, ...]] = {
    "水": ("谁", "税"),
    "电": ("店", "点"),
    "停": ("挺", "亭", "听"),
    "漏": ("露", "楼"),
    "梯": ("提", "题"),
    "燃": ("然",),
    "气": ("汽", "起"),
    "闸": ("匣", "扎"),
    "灯": ("等", "登"),
    "路": ("陆", "露"),
    "邻": ("林",),
    "居": ("局",),
    "坏": ("怀", "环"),
    "垃": ("拉",),
    "吵": ("炒",),
    "修": ("休",),
    "墙": ("强",),
    "渗": ("参",),
    "晕": ("孕", "云"),
    "困": ("捆",),
    "谢": ("写",),
    "烦": ("凡",),
    "帮": ("邦",),
    "单": ("担",),
    "在": ("再",),
    "的": ("得", "地"),
    "已": ("己",),
    "拆": ("折",),
    "没": ("莫", "每"),
    "哪": ("那",),
    "噪": ("燥",),
    "楼": ("搂",),
    "费": ("废",),
}

# Words residents sometimes type half in pinyin.
PINYIN: dict[str, str] = {
    "漏水": "lou水",
    "跳闸": "tiao闸",
    "停电": "ting电",
    "停水": "ting水",
    "垃圾": "laji",
    "电梯": "dian梯",
    "噪音": "zao音",
    "邻居": "lin居",
    "物业": "wu业",
    "燃气": "ran气",
    "路灯": "lu灯",
    "谢谢": "xiexie",
    "工单": "gong单",
}

# Emoji that say nothing about the problem (no 🔥, 💧 or ⚡).
EMOJI: tuple[str, ...] = ("🙏", "😭", "😡", "😓", "👍", "😂", "🤔", "❗", "😢")

PUNCTUATION = frozenset("，。！？、；：,.!?;:~…")

P_TYPO = 0.6
P_PINYIN = 0.3
P_FULL_WIDTH = 0.7
P_DROP_PUNCTUATION = 0.5
P_SPACES = 0.5
P_EMOJI = 0.25
MAX_TYPOS = 2


def _rng(text: str, seed: int) -> random.Random:
    # A str seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
    return random.Random(f"{seed}\x1f{text}")


def to_full_width(text: str) -> str:
    """ASCII digits and letters to their full-width forms (NFKC undoes it)."""
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


def _typos(text: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(text) if ch in TYPOS]
    if not positions:
        return text
    chars = list(text)
    for i in rng.sample(positions, min(len(positions), rng.randint(1, MAX_TYPOS))):
        chars[i] = rng.choice(TYPOS[chars[i]])
    return "".join(chars)


def _pinyin(text: str, rng: random.Random) -> str:
    words = [word for word in PINYIN if word in text]
    if not words:
        return text
    word = rng.choice(words)
    return text.replace(word, PINYIN[word], 1)


def _insert_spaces(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        chars.insert(rng.randint(1, max(len(chars) - 1, 1)), " ")
    return "".join(chars)


def _emoji(text: str, rng: random.Random) -> str:
    emoji = rng.choice(EMOJI) * rng.randint(1, 3)
    return emoji + text if rng.random() < 0.3 else text + emoji


def noise_text(text: str, seed: int = 0) -> str:
    """The noised form of one message; the same (text, seed) always gives the same result."""
    rng = _rng(text, seed)
    noised = unicodedata.normalize("NFC", text)
    if rng.random() < P_TYPO:
        noised = _typos(noised, rng)
    if rng.random() < P_PINYIN:
        noised = _pinyin(noised, rng)
    if rng.random() < P_FULL_WIDTH:
        noised = to_full_width(noised)
    if rng.random() < P_DROP_PUNCTUATION:
        noised = "".join(ch for ch in noised if ch not in PUNCTUATION) or noised
    if rng.random() < P_SPACES:
        noised = _insert_spaces(noised, rng)
    if rng.random() < P_EMOJI:
        noised = _emoji(noised, rng)
    if noised == text:  # every message gets at least one change
        noised = _insert_spaces(noised, rng) if len(noised) > 1 else noised + rng.choice(EMOJI)
    return noised


Label = TypeVar("Label")


def noise_examples(examples: Iterable[tuple[str, Label]], seed: int = 0) -> list[tuple[str, Label]]:
    """Noised copies of (text, label) pairs, in the same order, labels unchanged."""
    return [(noise_text(text, seed), label) for text, label in examples]


def noise_texts(texts: Sequence[str], seed: int = 0) -> list[str]:
    return [noise_text(text, seed) for text in texts]
