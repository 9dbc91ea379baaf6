"""Near-duplicate check between the test set and the training data.

A test message is a near-duplicate when its character 3-gram set has a Jaccard
similarity of at least 0.6 with some training example (after NFKC folding,
lower-casing and dropping whitespace and punctuation). Texts shorter than three
characters count as a single gram, so they only match themselves.

    .venv-rasa/bin/python -m eval.overlap [--threshold 0.6]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import TEST_FILE, TRAINING_FILE, load_examples

THRESHOLD = 0.6
NGRAM = 3


def normalise(text: str) -> str:
    """Fold width and case; keep letters, digits and CJK characters only."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def char_ngrams(text: str, n: int = NGRAM) -> frozenset[str]:
    """The set of character n-grams of the normalised text."""
    clean = normalise(text)
    if len(clean) < n:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i : i + n] for i in range(len(clean) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Match:
    test_text: str
    train_text: str
    similarity: float


def nearest(test_texts: Sequence[str], train_texts: Iterable[str]) -> list[Match]:
    """For every test text, its most similar training text."""
    train = [(text, char_ngrams(text)) for text in dict.fromkeys(train_texts)]
    index: dict[str, list[int]] = defaultdict(list)
    for position, (_, grams) in enumerate(train):
        for gram in grams:
            index[gram].append(position)
    matches = []
    for text in test_texts:
        grams = char_ngrams(text)
        candidates = {position for gram in grams for position in index.get(gram, ())}
        best = Match(text, "", 0.0)
        for position in candidates:
            score = jaccard(grams, train[position][1])
            if score > best.similarity:
                best = Match(text, train[position][0], score)
        matches.append(best)
    return matches


def near_duplicates(
    test_texts: Sequence[str], train_texts: Iterable[str], threshold: float = THRESHOLD
) -> tuple[list[Match], list[Match]]:
    """(all nearest matches, those at or above the threshold)."""
    matches = nearest(test_texts, train_texts)
    return matches, [m for m in matches if m.similarity >= threshold]


def overlap_summary(
    test_file: Path = TEST_FILE, train_file: Path = TRAINING_FILE, threshold: float = THRESHOLD
) -> dict[str, object]:
    """The figures the report shows: rate, count, worst pairs."""
    test_texts = [example.text for example in load_examples(test_file)]
    train_texts = [example.text for example in load_examples(train_file)]
    matches, duplicates = near_duplicates(test_texts, train_texts, threshold)
    worst = sorted(matches, key=lambda m: -m.similarity)[:5]
    return {
        "threshold": threshold,
        "test_messages": len(test_texts),
        "training_examples": len(set(train_texts)),
        "near_duplicates": len(duplicates),
        "near_duplicate_rate": len(duplicates) / len(test_texts) if test_texts else 0.0,
        "mean_max_similarity": sum(m.similarity for m in matches) / len(matches)
        if matches
        else 0.0,
        "pairs": [
            {"test": m.test_text, "train": m.train_text, "similarity": round(m.similarity, 3)}
            for m in sorted(duplicates, key=lambda m: -m.similarity)
        ],
        "most_similar": [
            {"test": m.test_text, "train": m.train_text, "similarity": round(m.similarity, 3)}
            for m in worst
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", type=Path, default=TEST_FILE)
    parser.add_argument("--train", type=Path, default=TRAINING_FILE)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--show", type=int, default=10, help="print the N most similar pairs")
    args = parser.parse_args(argv)
    test_texts = [example.text for example in load_examples(args.test)]
    train_texts = [example.text for example in load_examples(args.train)]
    matches, duplicates = near_duplicates(test_texts, train_texts, args.threshold)
    print(
        f"{len(duplicates)}/{len(test_texts)} test messages are near-duplicates "
        f"(3-gram Jaccard >= {args.threshold}) of a training example: "
        f"{len(duplicates) / max(len(test_texts), 1):.1%}"
    )
    for match in sorted(matches, key=lambda m: -m.similarity)[: args.show]:
        print(f"  {match.similarity:.2f}  {match.test_text}  <->  {match.train_text}")
    return 1 if duplicates else 0


if __name__ == "__main__":
    sys.exit(main())
