"""Compare char n-gram regression variants (typing-noise augmentation, pinyin view) on dev splits.

Like eval/blend_search.py, but DIET's dev rankings are computed once per split
and cached under var/robust-search/, so regression variants can be compared
without retraining DIET. The held-out test set is never read.

    .venv-rasa/bin/python -m eval.robust_search diet [--splits 2]   # train DIET, cache rankings
    .venv-rasa/bin/python -m eval.robust_search score [--splits 2]  # fit variants, blend, score
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from eval.blend_search import blend, diet_only_config, figures, with_rules
from eval.config_search import SEEDS, split, train
from eval.dataset import ROOT, Example, load_examples
from eval.metrics import apply_fallback
from eval.noise import noise_text

CACHE = ROOT / "var" / "robust-search"
NOISE_SEED = 20261123


def cache_diet(splits: int) -> None:
    from eval.run import load_agent, parse_all_rankings

    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="robust-search-", dir=ROOT / "var"))
    try:
        config = diet_only_config(work)
        for seed in SEEDS[:splits]:
            nlu, dev = split(seed, work)
            clean = [e.text for e in dev]
            noised = [noise_text(t, NOISE_SEED) for t in clean]
            model, seconds = train(config, nlu, work, f"diet-{seed}")
            print(f"split {seed}: DIET trained in {seconds:.0f} s", flush=True)
            agent = load_agent(model)
            entry = {
                "train": load_examples(nlu),
                "dev": dev,
                "clean": clean,
                "noised": noised,
                "diet_clean": parse_all_rankings(agent, clean),
                "diet_noised": parse_all_rankings(agent, noised),
            }
            (CACHE / f"split-{seed}.pkl").write_bytes(pickle.dumps(entry))
    finally:
        shutil.rmtree(work, ignore_errors=True)


VARIANTS: dict[str, dict] = {
    "base": {},
    "pinyin": {"pinyin_view": True},
    "aug1": {"augment": 1},
    "aug2": {"augment": 2},
    "pinyin+aug1": {"pinyin_view": True, "augment": 1},
    "pinyin+aug2": {"pinyin_view": True, "augment": 2},
    "fuzzy": {"pinyin_view": True, "pinyin_fuzzy": True},
}
WEIGHTS = (0.0, 0.2, 0.3)
THRESHOLDS = (0.15, 0.2, 0.25)


def score(splits: int, names: list[str]) -> None:
    from bot.components.char_ngram_blend import CharNgramBlend

    cells: dict[tuple[str, float, float, int], dict[str, float]] = defaultdict(dict)
    for seed in SEEDS[:splits]:
        entry = pickle.loads((CACHE / f"split-{seed}.pkl").read_bytes())
        train_part: list[Example] = entry["train"]
        for name in names:
            config = {**CharNgramBlend.get_default_config(), **VARIANTS[name]}
            start = time.perf_counter()
            model = CharNgramBlend.fit_model(
                [e.text for e in train_part], [e.intent for e in train_part], config
            )
            seconds = time.perf_counter() - start
            classes = [str(c) for c in model.classes_]
            for copy in ("clean", "noised"):
                texts = entry[copy]
                probabilities = model.predict_proba(
                    [CharNgramBlend.features_text(t, config) for t in texts]
                )
                lr = [list(zip(classes, map(float, row), strict=True)) for row in probabilities]
                for weight in WEIGHTS:
                    blended = [
                        with_rules(text, blend(d, r, weight))
                        for text, d, r in zip(texts, entry[f"diet_{copy}"], lr, strict=True)
                    ]
                    for threshold in THRESHOLDS:
                        predicted = [apply_fallback(b, threshold, 0.0) for b in blended]
                        row = figures(entry["dev"], texts, predicted)
                        row = {(k if copy == "clean" else f"n_{k}"): v for k, v in row.items()}
                        row["fit_s"] = seconds
                        cells[(name, weight, threshold, seed)].update(row)
            print(f"split {seed}: {name} fitted in {seconds:.1f} s", flush=True)
    rows: dict[tuple[str, float, float], list[dict[str, float]]] = defaultdict(list)
    for (name, weight, threshold, _seed), row in cells.items():
        rows[(name, weight, threshold)].append(row)
    columns = ("outcome", "code_acc", "code_f1", "em_recall", "false_alarm", "rejection")
    print(f"\nmean over {splits} dev split(s) of 20% (weight = DIET's share):")
    print(
        f"{'variant':<14} weight thresh "
        + " ".join(f"{c:>11}" for c in columns)
        + "  n_outcome n_code_acc n_em_recall  fit_s"
    )
    for (name, weight, threshold), parts in rows.items():
        mean = {k: sum(p[k] for p in parts) / len(parts) for k in parts[0]}
        cells = " ".join(f"{100 * mean[c]:11.1f}" for c in columns)
        print(
            f"{name:<14} {weight:6.2f} {threshold:6.2f} {cells}  {100 * mean['n_outcome']:9.1f}"
            f" {100 * mean['n_code_acc']:10.1f} {100 * mean['n_em_recall']:11.1f}"
            f"  {mean['fit_s']:5.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("diet", "score"))
    parser.add_argument("--splits", type=int, default=2)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if args.step == "diet":
        cache_diet(args.splits)
    else:
        score(args.splits, args.variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
