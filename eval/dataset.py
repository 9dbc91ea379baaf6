"""Where the NLU files are; reading them is shared with the app (api/training/nlu_files.py)."""

from __future__ import annotations

from pathlib import Path

from api.training.nlu_files import Example, load_examples, parse_nlu_yaml, strip_annotations

ROOT = Path(__file__).resolve().parent.parent
TRAINING_FILE = ROOT / "data" / "nlu.yml"
TEST_FILE = ROOT / "tests" / "nlu" / "test_set.yml"

__all__ = [
    "ROOT",
    "TEST_FILE",
    "TRAINING_FILE",
    "Example",
    "load_examples",
    "parse_nlu_yaml",
    "strip_annotations",
]
