"""Choose the FallbackClassifier thresholds on a dev split of the training data.

The held-out test set stays untouched: 20% of data/nlu.yml (stratified by
intent, fixed seed) becomes a dev set, the pipeline is trained on the other
80%, and every (threshold, ambiguity_threshold) pair is scored on the dev
set by outcome accuracy (right code and emergency flag, or no ticket for a
non-report). The best pair whose non-report rejection stays >= 0.95 wins.

    .venv-rasa/bin/python -m eval.fallback_threshold
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from eval.dataset import ROOT, TRAINING_FILE
from eval.metrics import FALLBACK_INTENT, Prediction, is_emergency, is_report, outcome_correct
from eval.run import CONFIG_FILE, DOMAIN_FILE, load_agent, parse_all_rankings

DEV_SHARE = 0.2
SEED = 20261123
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
AMBIGUITIES = (0.0, 0.03, 0.05, 0.1)
MIN_REJECTION = 0.95


def split_training_data(out_dir: Path) -> tuple[Path, list[tuple[str, str]]]:
    """Write the 80% training part as NLU yml; return it and the dev (text, intent) pairs."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data(str(TRAINING_FILE))
    by_intent: dict[str, list] = defaultdict(list)
    for example in data.intent_examples:
        by_intent[example.get("intent")].append(example)
    rng = random.Random(SEED)
    train, dev = [], []
    for intent in sorted(by_intent):
        examples = sorted(by_intent[intent], key=lambda e: e.get("text"))
        rng.shuffle(examples)
        cut = max(1, round(len(examples) * DEV_SHARE))
        dev += examples[:cut]
        train += examples[cut:]
    part = TrainingData(training_examples=train, regex_features=data.regex_features)
    path = out_dir / "train.yml"
    path.write_text(part.nlu_as_yaml(), encoding="utf-8")
    return path, [(e.get("text"), e.get("intent")) for e in dev]


def train(nlu: Path, out_dir: Path) -> Path:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    command = [
        sys.executable, str(ROOT / "bot" / "rasa_cli.py"), "train", "nlu",
        "--config", str(CONFIG_FILE), "--nlu", str(nlu), "--domain", str(DOMAIN_FILE),
        "--out", str(out_dir), "--fixed-model-name", "dev",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return out_dir / "dev.tar.gz"


def apply_fallback(ranking: list[tuple[str, float]], threshold: float, ambiguity: float) -> str:
    """The intent the FallbackClassifier would leave for this ranking."""
    top, confidence = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    if confidence < threshold or confidence - second < ambiguity:
        return FALLBACK_INTENT
    return top


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fallback-dev-", dir=ROOT / "var"))
    try:
        nlu, dev = split_training_data(work)
        model = train(nlu, work)
        rankings = parse_all_rankings(load_agent(model), [text for text, _ in dev])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    non_reports = [
        i for i, (_, gold) in enumerate(dev) if not is_report(gold) and not is_emergency(gold)
    ]
    rows = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            predictions = [
                Prediction(text, gold, apply_fallback(ranking, threshold, ambiguity), 0.0)
                for (text, gold), ranking in zip(dev, rankings, strict=True)
            ]
            accuracy = sum(outcome_correct(p) for p in predictions) / len(predictions)
            rejected = sum(outcome_correct(predictions[i]) for i in non_reports) / len(non_reports)
            fallbacks = sum(p.predicted == FALLBACK_INTENT for p in predictions) / len(predictions)
            rows.append((accuracy, rejected, fallbacks, threshold, ambiguity))
    print(f"dev set: {len(dev)} examples ({DEV_SHARE:.0%} of {TRAINING_FILE.name}, seed {SEED})")
    print("threshold  ambiguity  outcome_acc  non_report_rejection  fallback_rate")
    for row in rows:
        accuracy, rejected, fallbacks, threshold, ambiguity = row
        cells = (f"{threshold:9.2f}", f"{ambiguity:9.2f}", f"{accuracy:11.3f}")
        print("  ".join((*cells, f"{rejected:20.3f}", f"{fallbacks:13.3f}")))
    eligible = [row for row in rows if row[1] >= MIN_REJECTION] or rows
    best = max(eligible, key=lambda row: (round(row[0], 3), row[3], row[4]))
    print(
        f"chosen: threshold {best[3]}, ambiguity_threshold {best[4]} "
        f"(outcome accuracy {best[0]:.3f}, non-report rejection {best[1]:.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
