"""tests/nlu/test_set.yml: valid labels, the promised coverage, no leak from training.

Runs in the Rasa environment, which has PyYAML (`make test-bot`, `make eval-ci`);
elsewhere the module is skipped.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    import yaml
except ImportError:  # the app environment; these checks run in .venv-rasa
    import pytest

    pytest.skip("needs PyYAML (the Rasa environment)", allow_module_level=True)

from api.catalogue import EMERGENCY_KINDS, SERVICE_CODES  # noqa: E402
from eval.dataset import TEST_FILE, TRAINING_FILE, load_examples  # noqa: E402
from eval.metrics import NON_REPORT_INTENTS  # noqa: E402
from eval.overlap import near_duplicates  # noqa: E402

EXAMPLES = load_examples(TEST_FILE)
GROUPS = {
    "plain", "dialect", "terse", "narrative", "polite", "angry", "typo_mixed",
    "confusable", "hard_non_emergency", "emergency", "non_report",
}  # fmt: skip


def test_intents_are_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert {example.intent for example in EXAMPLES} <= set(domain["intents"])


def test_every_example_has_a_known_group() -> None:
    assert {example.group for example in EXAMPLES} <= GROUPS


def test_groups_match_labels() -> None:
    for example in EXAMPLES:
        if example.group == "emergency":
            assert example.intent.startswith("emergency_"), example
        elif example.group == "non_report":
            assert example.intent in NON_REPORT_INTENTS, example
        else:
            assert example.intent.startswith("report_"), example


def test_coverage() -> None:
    counts = Counter(example.intent for example in EXAMPLES)
    for code in SERVICE_CODES:
        assert counts[f"report_{code}"] >= 20, code
    for kind in EMERGENCY_KINDS:
        assert counts[f"emergency_{kind}"] >= 8, kind
    for intent in NON_REPORT_INTENTS:
        assert counts[intent] >= 15, intent
    assert sum(example.group == "hard_non_emergency" for example in EXAMPLES) >= 20


def test_terse_messages_are_short() -> None:
    for example in EXAMPLES:
        if example.group == "terse":
            assert 2 <= len(example.text) <= 6, example.text


def test_no_duplicates_within_the_test_set() -> None:
    texts = Counter(example.text for example in EXAMPLES)
    assert [text for text, n in texts.items() if n > 1] == []


def test_no_near_duplicates_of_training_examples() -> None:
    train = [example.text for example in load_examples(TRAINING_FILE)]
    _, duplicates = near_duplicates([example.text for example in EXAMPLES], train)
    assert [(d.test_text, d.train_text, round(d.similarity, 2)) for d in duplicates] == []
