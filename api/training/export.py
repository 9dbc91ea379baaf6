"""Operators' accepted labels into a generated training file beside data/nlu.yml.

The hand-written `data/nlu.yml` stays hand-owned; `data/nlu_reviewed.yml` is
rewritten whole from the decisions each time, sorted, so it diffs cleanly.
Examples already in the hand-written data, texts of the held-out test set, and
texts operators labelled two different ways are left out and counted.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.settings import PROJECT_ROOT
from api.training.labels import domain_intents
from api.training.models import ReviewItem, ReviewStatus
from api.training.nlu_files import Example, load_examples, render_nlu_yaml

GENERATED_NAME = "nlu_reviewed.yml"
TEST_SET = PROJECT_ROOT / "tests" / "nlu" / "test_set.yml"
HEADER = """Generated from operators' review decisions (`laoyang training export`, or the
operators' page at /operator.html). Do not edit by hand: relabel in the review
inbox instead. Phone, ID and house numbers are masked. data/nlu.yml is the
hand-written training data."""


@dataclass
class ExportSummary:
    """What an export wrote and what it left out, and why."""

    path: Path
    written: int = 0
    already_in_data: int = 0
    held_out: int = 0
    conflicting: list[str] = field(default_factory=list)
    by_intent: dict[str, int] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def hand_written_texts(data_dir: Path) -> set[str]:
    """Every example text in the training data other than the generated file."""
    texts: set[str] = set()
    for path in sorted(data_dir.rglob("*.yml")):
        if path.name != GENERATED_NAME:
            texts |= {_key(example.text) for example in load_examples(path)}
    return texts


def accepted_labels(session: Session) -> dict[str, set[str]]:
    """Each accepted text (masked) with the intents operators gave it."""
    query = select(ReviewItem.text, ReviewItem.label_intent).where(
        ReviewItem.status.in_((ReviewStatus.CONFIRMED.value, ReviewStatus.RELABELLED.value)),
        ReviewItem.label_intent.is_not(None),
    )
    labels: dict[str, set[str]] = defaultdict(set)
    for text, intent in session.execute(query):
        if intent:
            labels[" ".join(text.split())].add(intent)
    return labels


def export_training_file(
    session: Session, data_dir: Path, test_set: Path = TEST_SET
) -> ExportSummary:
    """Write the generated training file from the decisions; returns what went in and what not."""
    summary = ExportSummary(path=data_dir / GENERATED_NAME)
    existing = hand_written_texts(data_dir)
    held_out = {_key(e.text) for e in load_examples(test_set)} if test_set.is_file() else set()
    known = set(domain_intents())
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intents in sorted(accepted_labels(session).items()):
        key = _key(text)
        if len(intents) > 1:
            summary.conflicting.append(text)
        elif key in existing:
            summary.already_in_data += 1
        elif key in held_out:
            summary.held_out += 1
        elif (intent := next(iter(intents))) in known:
            by_intent[intent].append(text)
    ordered = {intent: sorted(by_intent[intent]) for intent in sorted(by_intent)}
    summary.path.write_text(render_nlu_yaml(ordered, HEADER), encoding="utf-8")
    summary.by_intent = {intent: len(texts) for intent, texts in ordered.items()}
    summary.written = sum(summary.by_intent.values())
    summary.examples = [Example(t, i) for i, texts in ordered.items() for t in texts]
    return summary
