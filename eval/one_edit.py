"""Texts one typing slip apart: equal after normalising, or one character added, dropped or changed.

A 3-gram Jaccard threshold misses these in short texts (停水了 / 停水啦 share one
3-gram of three), so a held-out or blind text that is one edit from a training
example would be scored as unseen. Two strings are within one edit exactly when
they share a key of their "deletion neighbourhood" (the string itself and every
string with one character removed), which finds all such pairs in linear time.

    .venv/bin/python -m eval.one_edit FILE_A FILE_B   (each .yml NLU data or .jsonl with "text")
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

# Shorter texts ("好的", "停电") are legitimately shared by any two sets.
MIN_LENGTH = 4


def normalise(text: str) -> str:
    """Width and case folded; only letters, digits and CJK characters kept."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _keys(text: str) -> set[str]:
    return {text} | {text[:i] + text[i + 1 :] for i in range(len(text))}


def within_one_edit(a: str, b: str) -> bool:
    """Whether two normalised texts are at most one insertion, deletion or change apart."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def one_edit_pairs(texts: Sequence[str], others: Iterable[str]) -> list[tuple[str, str]]:
    """Every (text, other) pair within one edit, for texts of at least MIN_LENGTH characters."""
    index: dict[str, set[str]] = defaultdict(set)
    for other in others:
        clean = normalise(other)
        if len(clean) >= MIN_LENGTH - 1:
            for key in _keys(clean):
                index[key].add(clean)
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        clean = normalise(text)
        if len(clean) < MIN_LENGTH:
            continue
        for key in _keys(clean):
            for other in index.get(key, ()):
                if within_one_edit(clean, other):
                    pairs.add((text, other))
    return sorted(pairs)


def read_texts(path: Path) -> list[str]:
    """Texts of an NLU YAML file (examples) or a JSON Lines file (`text` of each line)."""
    if path.suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [str(json.loads(line)["text"]) for line in lines if line.strip()]
    from eval.dataset import load_examples  # PyYAML: only needed for NLU files

    return [example.text for example in load_examples(path)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print how many texts of the first file are one edit from the second; 1 when any."""
    first, second = (Path(arg) for arg in (argv or sys.argv[1:]))
    pairs = one_edit_pairs(read_texts(first), read_texts(second))
    print(f"{len(pairs)} texts of {first} are within one edit of {second}")
    return 1 if pairs else 0


if __name__ == "__main__":
    raise SystemExit(main())
