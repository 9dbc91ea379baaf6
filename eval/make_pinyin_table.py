"""Write bot/components/pinyin_table.py: common Chinese characters grouped by toneless pinyin.

The table is built from general sources only, never from the evaluation's noise
tables or the test set: the characters are the most frequent ones in jieba's
general dictionary (each character weighted by the frequencies of the words it
occurs in), plus every character of the training data (data/nlu.yml); their
reading comes from the `pypinyin` package's dictionary (its most common reading
of a heteronym: 谁 shui, 长 chang). pypinyin is only needed to
regenerate the table, in a scratch environment:

    python3 -m venv /tmp/pyv && /tmp/pyv/bin/pip install pypinyin pyyaml
    /tmp/pyv/bin/python eval/make_pinyin_table.py /path/to/jieba/dict.txt
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "components" / "pinyin_table.py"
COMMON = 3500


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def main(dictionary: str) -> None:
    from pypinyin import Style, pinyin

    frequency: Counter[str] = Counter()
    for line in Path(dictionary).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            for char in parts[0]:
                if is_han(char):
                    frequency[char] += int(parts[1])
    chars = [char for char, _ in frequency.most_common(COMMON)]
    training = (ROOT / "data" / "nlu.yml").read_text(encoding="utf-8")
    chars += sorted({c for c in training if is_han(c)} - set(chars), key=lambda c: -frequency[c])
    groups: dict[str, list[str]] = defaultdict(list)
    for char in chars:
        reading = pinyin(char, style=Style.NORMAL)[0][0].replace("ü", "v")
        if reading.isascii() and reading.isalpha():
            groups[reading].append(char)
    lines = [
        '"""Common Chinese characters by toneless pinyin, most frequent first (generated).',
        "",
        "Written by eval/make_pinyin_table.py from jieba's general dictionary (character",
        "frequencies) and the pypinyin package's readings; see that script. Do not edit by hand.",
        '"""',
        "",
        "# fmt: off",
        "GROUPS: dict[str, str] = {",
    ]
    for reading in sorted(groups):
        lines.append(f'    "{reading}": "{"".join(groups[reading])}",')
    lines += ["}", "# fmt: on", ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(chars)} characters, {len(groups)} syllables -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
