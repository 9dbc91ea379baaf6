"""Compare NLU pipelines on dev splits of the training data, never on the test set.

For each split (stratified by intent, fixed seeds) the pipeline of every given
config file is trained on the rest of data/nlu.yml and scored on the dev part
and on its noised copy; the char n-gram baseline is scored on the same splits.
Figures: outcome accuracy (what the bot does), service_code accuracy on
reports, emergency recall and non-report rejection, averaged over the splits.

    .venv-rasa/bin/python -m eval.config_search config.yml var/candidate.yml [--splits 2]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from eval.dataset import ROOT, TRAINING_FILE, Example
from eval.metrics import Prediction, summarise
from eval.noise import noise_text
from eval.run import DOMAIN_FILE, load_agent, parse_all

DEV_SHARE = 0.2
SEEDS = (20261123, 7, 99)
NOISE_SEED = 20261123


def split(seed: int, out_dir: Path) -> tuple[Path, list[Example]]:
    """Write the training part of one split as NLU yml; return it and the dev examples."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data(str(TRAINING_FILE))
    by_intent: dict[str, list] = defaultdict(list)
    for example in data.intent_examples:
        by_intent[example.get("intent")].append(example)
    rng = random.Random(seed)
    train, dev = [], []
    for intent in sorted(by_intent):
        examples = sorted(by_intent[intent], key=lambda e: e.get("text"))
        rng.shuffle(examples)
        cut = max(1, round(len(examples) * DEV_SHARE))
        dev += examples[:cut]
        train += examples[cut:]
    part = TrainingData(training_examples=train, regex_features=data.regex_features)
    path = out_dir / f"train-{seed}.yml"
    path.write_text(part.nlu_as_yaml(), encoding="utf-8")
    return path, [Example(e.get("text"), e.get("intent")) for e in dev]


def train(config: Path, nlu: Path, out_dir: Path, name: str) -> tuple[Path, float]:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    command = [
        sys.executable, str(ROOT / "bot" / "rasa_cli.py"), "train", "nlu",
        "--config", str(config), "--nlu", str(nlu), "--domain", str(DOMAIN_FILE),
        "--out", str(out_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return out_dir / f"{name}.tar.gz", time.perf_counter() - start


def figures(predictions: list[Prediction]) -> dict[str, float]:
    summary = summarise(predictions)
    return {
        "outcome": summary["outcome_accuracy"],
        "code_acc": summary["service_code"]["accuracy"],
        "code_f1": summary["service_code"]["macro_f1"],
        "em_recall": summary["emergency"]["recall"],
        "false_alarm": summary["emergency"]["false_alarm_rate"],
        "rejection": summary["non_report"]["rejection_rate"],
    }


def score(predicted: list[tuple[str, float]], dev: list[Example], texts: list[str]) -> dict:
    return figures(
        [
            Prediction(text, example.intent, intent, confidence)
            for example, text, (intent, confidence) in zip(dev, texts, predicted, strict=True)
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--splits", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    work = Path(tempfile.mkdtemp(prefix="config-search-", dir=ROOT / "var"))
    totals: dict[str, list[dict[str, float]]] = defaultdict(list)
    try:
        for seed in SEEDS[: args.splits]:
            nlu, dev = split(seed, work)
            clean = [example.text for example in dev]
            noised = [noise_text(text, NOISE_SEED) for text in clean]
            for config in args.configs:
                model, seconds = train(config, nlu, work, f"{config.stem}-{seed}")
                agent = load_agent(model)
                parsed_clean, _ = parse_all(agent, clean)
                parsed_noised, _ = parse_all(agent, noised)
                row = score([p[:2] for p in parsed_clean], dev, clean)
                row |= {
                    f"n_{k}": v
                    for k, v in score([p[:2] for p in parsed_noised], dev, noised).items()
                }
                row["train_s"] = seconds
                totals[config.name].append(row)
                print(seed, config.name, {k: round(v, 3) for k, v in row.items()}, flush=True)
            if not args.no_baseline:
                from eval.baseline import train as train_baseline

                examples = [Example(t, i) for t, i in _read(nlu)]
                baseline = train_baseline(examples)
                row = score(baseline.predict(clean), dev, clean)
                row |= {
                    f"n_{k}": v for k, v in score(baseline.predict(noised), dev, noised).items()
                }
                totals["baseline"].append(row)
                print(seed, "baseline", {k: round(v, 3) for k, v in row.items()}, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nmean over {args.splits} dev split(s) of {DEV_SHARE:.0%}:")
    for name, rows in totals.items():
        mean = {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}
        print(f"  {name:<28}", "  ".join(f"{k} {v:.3f}" for k, v in mean.items()))
    return 0


def _read(path: Path) -> list[tuple[str, str]]:
    from eval.dataset import load_examples

    return [(example.text, example.intent) for example in load_examples(path)]


if __name__ == "__main__":
    sys.exit(main())
