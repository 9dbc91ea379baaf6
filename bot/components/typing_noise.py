"""How residents mistype on a phone: a training-time noise generator and a pinyin view.

Built independently of the evaluation's noise (eval/noise.py and its small
tables are not used or imported here). The source is general knowledge of how
Chinese is typed with a pinyin IME:

* **homophones**: the IME offers every character with the same pinyin, and a
  hurried resident picks a wrong one (水 -> 谁/税/睡, 电 -> 点/店/垫). The
  candidates are *all* common characters of the same toneless reading, from
  bot/components/pinyin_table.py (3 546 characters under 398 syllables, made by
  eval/make_pinyin_table.py from jieba's general dictionary frequencies and the
  pypinyin package's readings), more frequent candidates being likelier;
* **near pinyin**: readings residents (and Chongqing speakers in particular)
  confuse: n/l (男/蓝), front and back nasals (in/ing, en/eng, an/ang),
  flat and retroflex initials (z/zh, c/ch, s/sh), f/h (飞/灰);
* **look-alikes**: a short hand-written list of characters that are commonly
  confused by shape (己/已, 未/末, 拨/拔 ...);
* **pinyin fragments**: one to three characters typed as letters because the
  IME was in Latin mode or the resident gave up choosing (漏水 -> lou水 or
  loushui or lou shui), occasionally as initials (物业 -> wy);
* layout noise: full-width letters and digits, dropped punctuation, stray
  spaces, emoji, repeated exclamation marks.

`noisy_copies` makes deterministic noised copies of training texts (labels are
the caller's business). `to_pinyin` is the pinyin *view* of a folded text: each
common character replaced by its toneless reading and letter runs cut into
syllables, so a homophone typo or a pinyin fragment reads the same as the
intended characters (漏水, 露水 and lou水 all give ``lou shui``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from functools import cache, lru_cache

from bot.components.pinyin_table import GROUPS

# character -> its toneless reading
READING: dict[str, str] = {char: reading for reading, chars in GROUPS.items() for char in chars}
SYLLABLES = frozenset(GROUPS)
_MAX_SYLLABLE = max(map(len, SYLLABLES))

# Pairs of characters commonly confused by shape (written from general knowledge).
LOOK_ALIKES: tuple[str, ...] = (
    "己已巳", "未末", "拨拔", "候侯", "析折", "干千于", "土士", "人入八", "日曰", "买卖",
    "刀力", "办为", "免兔", "住往", "今令", "问间", "决诀", "栏拦", "渴喝", "辩辨",
    "峰蜂", "赔陪", "坏怀", "墙蔷", "睛晴请清", "梯悌", "闸押", "燥躁", "漏扁", "帐账",
    "很狠", "持特", "侍待", "冶治", "汗汁", "拆折", "楼搂", "困因", "苦若", "鸟乌",
)  # fmt: skip
_LOOK_ALIKE: dict[str, str] = {}
for _group in LOOK_ALIKES:
    for _char in _group:
        _LOOK_ALIKE[_char] = _LOOK_ALIKE.get(_char, "") + _group.replace(_char, "")

EMOJI: tuple[str, ...] = (
    "😭", "😡", "😤", "🙏", "🙏🙏", "😢", "😰", "😱", "🤦", "👍", "😅", "😂", "💢", "‼", "🆘",
    "🥺", "😠", "🤬", "😩", "😞", "😓", "🙄", "👀", "❗", "❓", "😔",
)  # fmt: skip
_PUNCTUATION = frozenset("，。！？、；：,.!?;:~…“”\"'（）()")


def _near_readings(reading: str) -> list[str]:
    """Readings a resident may type instead of this one (n/l, nasals, z/zh, f/h)."""
    near = set()
    swaps = (("zh", "z"), ("ch", "c"), ("sh", "s"))
    for retroflex, flat in swaps:
        if reading.startswith(retroflex):
            near.add(flat + reading[len(retroflex) :])
        elif reading.startswith(flat):
            near.add(retroflex + reading[len(flat) :])
    for a, b in (("n", "l"), ("f", "h")):
        if reading.startswith(a) and not reading.startswith(a + "g"):
            near.add(b + reading[1:])
        elif reading.startswith(b):
            near.add(a + reading[1:])
    for front, back in (("in", "ing"), ("en", "eng"), ("an", "ang")):
        if reading.endswith(back):
            near.add(reading[: -len(back)] + front)
        elif reading.endswith(front):
            near.add(reading + "g")
    return sorted(r for r in near if r in SYLLABLES and r != reading)


@cache
def confusions(char: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(same-reading candidates, near-reading or look-alike candidates), likeliest first."""
    reading = READING.get(char)
    same = tuple(c for c in GROUPS.get(reading, "") if c != char) if reading else ()
    near: list[str] = []
    if reading:
        for other in _near_readings(reading):
            near += GROUPS[other][:4]
    near += _LOOK_ALIKE.get(char, "")
    return same[:12], tuple(dict.fromkeys(c for c in near if c != char))


def _pick(rng: random.Random, candidates: tuple[str, ...]) -> str:
    # Frequent characters come first in the IME's list: rank r is picked with weight 1/(r+1).
    weights = [1 / (rank + 1) for rank in range(len(candidates))]
    return rng.choices(candidates, weights)[0]


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def mistype_characters(text: str, rng: random.Random, most: int = 2) -> str:
    """Replace one to `most` characters with a homophone, near-homophone or look-alike."""
    positions = [i for i, ch in enumerate(text) if any(confusions(ch))]
    if not positions:
        return text
    chars = list(text)
    for i in rng.sample(positions, min(len(positions), rng.randint(1, most))):
        same, near = confusions(chars[i])
        pool = same if same and (not near or rng.random() < 0.75) else near
        chars[i] = _pick(rng, pool)
    return "".join(chars)


def type_in_pinyin(text: str, rng: random.Random) -> str:
    """One to three consecutive characters typed as pinyin letters (or, rarely, initials)."""
    starts = [i for i, ch in enumerate(text) if ch in READING]
    if not starts:
        return text
    start = rng.choice(starts)
    end = start
    length = rng.choice((1, 2, 2, 2, 3))
    while end < len(text) and end - start < length and text[end] in READING:
        end += 1
    readings = [READING[ch] for ch in text[start:end]]
    roll = rng.random()
    if roll < 0.1 and len(readings) > 1:
        letters = "".join(r[0] for r in readings)
    elif roll < 0.3:
        letters = " ".join(readings)
    else:
        letters = "".join(readings)
    if rng.random() < 0.15:
        letters = letters.upper()
    return text[:start] + letters + text[end:]


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


def _layout(text: str, rng: random.Random) -> str:
    if rng.random() < 0.4:
        text = full_width(text)
    if rng.random() < 0.4:
        text = "".join(ch for ch in text if ch not in _PUNCTUATION) or text
    if rng.random() < 0.4 and len(text) > 1:
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            chars.insert(rng.randint(1, len(chars) - 1), " ")
        text = "".join(chars)
    if rng.random() < 0.3:
        emoji = rng.choice(EMOJI)
        text = emoji + text if rng.random() < 0.3 else text + emoji
    if rng.random() < 0.1:
        text += rng.choice(("！！！", "!!", "？？", "。。。"))
    return text


def mistype(text: str, rng: random.Random) -> str:
    """One noised copy of a message; differs from it whenever it has a Chinese character."""
    noised = text
    for _ in range(3):
        if rng.random() < 0.75:
            noised = mistype_characters(noised, rng)
        if rng.random() < 0.4:
            noised = type_in_pinyin(noised, rng)
        noised = _layout(noised, rng)
        if noised != text:
            break
    return noised


def noisy_copies(texts: Iterable[str], copies: int, seed: int = 0) -> list[list[str]]:
    """For each text, `copies` noised copies; each text has its own seeded generator."""
    result = []
    for text in texts:
        rng = random.Random(f"{seed}\x1f{text}")
        result.append([mistype(text, rng) for _ in range(copies)])
    return result


@lru_cache(maxsize=4096)
def split_syllables(letters: str) -> tuple[str, ...] | None:
    """A run of letters cut into pinyin syllables (fewest pieces), or None if it is not pinyin."""
    n = len(letters)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and letters[start:end] in SYLLABLES:
                candidate = (*head, letters[start:end])
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    return best[n]


def fuzzy_syllable(syllable: str) -> str:
    """A syllable with the distinctions residents blur removed: zh/z, ch/c, sh/s, n/l, -ng/-n."""
    for retroflex in ("zh", "ch", "sh"):
        if syllable.startswith(retroflex):
            syllable = syllable[0] + syllable[2:]
            break
    if syllable.startswith("n") and len(syllable) > 1:
        syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def to_fuzzy_pinyin(folded: str) -> str:
    """`to_pinyin` with near readings merged (停 ting and 亭 ting, 山 shan and 三 san)."""
    return " ".join(fuzzy_syllable(token) for token in to_pinyin(folded).split())


_RUN = re.compile(r"[a-z]+|[0-9#]+|.", re.S)


def to_pinyin(folded: str) -> str:
    """The pinyin view of a folded text: readings and letter runs as space-separated syllables.

    Characters outside the table are kept as they are; a letter run that is not
    pinyin (gas, wifi) stays one token.
    """
    tokens: list[str] = []
    for piece in _RUN.findall(folded.lower()):
        if piece.isspace():
            continue
        if piece[0].isascii() and piece[0].isalpha():
            syllables = split_syllables(piece) if len(piece) <= 24 else None
            tokens.extend(syllables or (piece,))
        else:
            tokens.append(READING.get(piece, piece))
    return " ".join(tokens)
