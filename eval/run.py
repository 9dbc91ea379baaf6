"""Evaluate the NLU model on the held-out test set and its noised copy.

Full run (`make eval`): train the NLU pipeline of config.yml on data/nlu.yml into
var/eval/ (through bot/rasa_cli.py, so nothing leaves the machine), parse every
test message in-process, score it and the char-n-gram baseline, and write
results/nlu-eval/report.md and report.json.

Quick run (`make eval-ci`): score an existing model (default models/zhihuiyang.tar.gz)
without retraining and without the baseline, write var/eval/quick/, and exit 1
when a figure is past its floor or ceiling in eval/thresholds.json.

    .venv-rasa/bin/python -m eval.run [--model PATH] [--quick] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eval.dataset import ROOT, TEST_FILE, TRAINING_FILE, Example, load_examples
from eval.metrics import (
    FALLBACK_INTENT,
    HEADLINE,
    Prediction,
    lookup,
    outcome_correct,
    percentile,
    summarise,
)
from eval.noise import noise_text
from eval.overlap import overlap_summary

CONFIG_FILE = ROOT / "config.yml"
DOMAIN_FILE = ROOT / "bot" / "domain.yml"
DEFAULT_MODEL = ROOT / "models" / "zhihuiyang.tar.gz"
THRESHOLDS_FILE = Path(__file__).resolve().parent / "thresholds.json"
FULL_OUT = ROOT / "results" / "nlu-eval"
QUICK_OUT = ROOT / "var" / "eval" / "quick"
TRAIN_DIR = ROOT / "var" / "eval" / "model"
TRAINED_NAME = "nlu-eval"
NOISE_SEED = 20261123
WARM_UP = 3


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def train_nlu() -> tuple[Path, float]:
    """Train the NLU pipeline from scratch (a private, empty Rasa cache): (model, seconds)."""
    TRAIN_DIR.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.mkdtemp(prefix="rasa-cache-", dir=TRAIN_DIR.parent))
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=str(cache))
    command = [
        sys.executable, str(ROOT / "bot" / "rasa_cli.py"), "train", "nlu",
        "--config", str(CONFIG_FILE), "--nlu", str(TRAINING_FILE), "--domain", str(DOMAIN_FILE),
        "--out", str(TRAIN_DIR), "--fixed-model-name", TRAINED_NAME,
    ]  # fmt: skip
    print("training the NLU model (DIET) for the evaluation …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    seconds = time.perf_counter() - start
    return TRAIN_DIR / f"{TRAINED_NAME}.tar.gz", seconds


def load_agent(model: Path) -> Any:
    """Rasa's Agent for the model, with telemetry and crash reporting off."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    import sanic  # noqa: F401  # switches DeprecationWarnings back on when imported

    warnings.simplefilter("ignore")
    import rasa.telemetry

    rasa.telemetry.initialize_error_reporting = lambda: None  # type: ignore[assignment]
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's per-message debug events
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba sets its own logger to DEBUG when imported
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return Agent.load(str(model))


# intent, confidence, the best intent other than the fallback, its confidence
Parsed = tuple[str, float, str, float]


async def _parse_all(agent: Any, texts: list[str]) -> tuple[list[Parsed], list[float]]:
    for text in texts[:WARM_UP]:
        await agent.parse_message(text)
    results, timings = [], []
    for text in texts:
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        timings.append((time.perf_counter() - start) * 1000)
        intent = parsed.get("intent") or {}
        ranking = [
            r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT
        ]
        top = ranking[0] if ranking else intent
        results.append(
            (
                str(intent.get("name")),
                float(intent.get("confidence") or 0.0),
                str(top.get("name")),
                float(top.get("confidence") or 0.0),
            )
        )
    return results, timings


def parse_all(agent: Any, texts: list[str]) -> tuple[list[Parsed], list[float]]:
    return asyncio.run(_parse_all(agent, texts))


def blend_components(agent: Any) -> list[Any]:
    """The CharNgramBlend components of a loaded model's prediction graph, if any."""
    runner = getattr(agent.processor, "graph_runner", None)
    nodes = getattr(runner, "_instantiated_nodes", {}) or {}
    components = [getattr(node, "_component", None) for node in nodes.values()]
    return [c for c in components if type(c).__name__ == "CharNgramBlend"]


def parse_diet_alone(agent: Any, texts: list[str]) -> list[Parsed] | None:
    """Parse with the blend weight set to 1: DIET's own ranking, then rules and fallback."""
    blends = blend_components(agent)
    if not blends:
        return None
    saved = [dict(blend._config) for blend in blends]
    try:
        for blend in blends:
            blend._config["weight"] = 1.0
        return parse_all(agent, texts)[0]
    finally:
        for blend, config in zip(blends, saved, strict=True):
            blend._config = config


async def _rankings(agent: Any, texts: list[str]) -> list[list[tuple[str, float]]]:
    rankings = []
    for text in texts:
        parsed = await agent.parse_message(text)
        rankings.append(
            [
                (str(r.get("name")), float(r.get("confidence") or 0.0))
                for r in parsed.get("intent_ranking") or []
                if r.get("name") != FALLBACK_INTENT
            ]
            or [(FALLBACK_INTENT, 0.0)]
        )
    return rankings


def parse_all_rankings(agent: Any, texts: list[str]) -> list[list[tuple[str, float]]]:
    """Each text's intent ranking as DIET (and the rule layer) left it, fallback removed."""
    return asyncio.run(_rankings(agent, texts))


def _predictions(
    examples: list[Example], texts: list[str], predicted: list[tuple[str, float]]
) -> list[Prediction]:
    return [
        Prediction(text, example.intent, intent, confidence, example.group)
        for example, text, (intent, confidence) in zip(examples, texts, predicted, strict=True)
    ]


def _errors(
    examples: list[Example], texts: list[str], parsed: list[Parsed]
) -> list[dict[str, Any]]:
    """Every clean-test message whose outcome is wrong, with what DIET thought."""
    rows = []
    for example, text, (intent, confidence, top, top_confidence) in zip(
        examples, texts, parsed, strict=True
    ):
        if not outcome_correct(Prediction(text, example.intent, intent, confidence, example.group)):
            rows.append(
                {
                    "text": text,
                    "group": example.group,
                    "gold": example.intent,
                    "predicted": intent,
                    "confidence": round(confidence, 3),
                    "top_intent": top,
                    "top_confidence": round(top_confidence, 3),
                }
            )
    return rows


def _model_note(model: Path) -> str:
    """Whether the project's model was trained from the current inputs."""
    if model.resolve() != DEFAULT_MODEL.resolve():
        return ""
    stamp = DEFAULT_MODEL.with_name("zhihuiyang.fingerprint")
    try:
        from bot.train_model import fingerprint

        current = stamp.is_file() and stamp.read_text().strip() == fingerprint()
    except (ImportError, OSError):
        return ""
    return "matches the current data" if current else "trained from older data"


def headline(results: dict[str, Any]) -> dict[str, float | None]:
    """The flat figures eval/thresholds.json refers to."""
    clean, noised = results["diet"]["clean"], results["diet"]["noised"]
    figures: dict[str, float | None] = {key: lookup(clean, path) for key, path in HEADLINE.items()}
    figures["noised_outcome_accuracy"] = noised["outcome_accuracy"]
    figures["noised_service_code_accuracy"] = noised["service_code"]["accuracy"]
    figures["near_duplicate_rate"] = results["overlap"]["near_duplicate_rate"]
    return figures


def check_thresholds(figures: dict[str, float | None], thresholds: dict[str, Any]) -> list[str]:
    """Human-readable failures; empty when every figure is within its bound."""
    failures = []
    for key, floor in thresholds.get("min", {}).items():
        value = figures.get(key)
        if value is None or value < floor:
            failures.append(f"{key} = {value} is below the floor {floor}")
    for key, ceiling in thresholds.get("max", {}).items():
        value = figures.get(key)
        if value is None or value > ceiling:
            failures.append(f"{key} = {value} is above the ceiling {ceiling}")
    return failures


def evaluate(model: Path, *, quick: bool, training_seconds: float | None) -> dict[str, Any]:
    examples = load_examples(TEST_FILE)
    clean_texts = [example.text for example in examples]
    noised_texts = [noise_text(text, NOISE_SEED) for text in clean_texts]

    agent = load_agent(model)
    clean_parsed, clean_ms = parse_all(agent, clean_texts)
    noised_parsed, noised_ms = parse_all(agent, noised_texts)
    clean = _predictions(examples, clean_texts, [p[:2] for p in clean_parsed])
    noised = _predictions(examples, noised_texts, [p[:2] for p in noised_parsed])
    timings = clean_ms + noised_ms

    note = _model_note(model)
    try:
        model_name = str(model.resolve().relative_to(ROOT))
    except ValueError:
        model_name = str(model)
    results: dict[str, Any] = {
        "run": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "quick" if quick else "full",
            "commit": _git("rev-parse", "--short", "HEAD"),
            "dirty": bool(_git("status", "--porcelain", "--", "data", "config.yml", "bot")),
            "model": model_name + (f" ({note})" if note else ""),
            "training_seconds": training_seconds,
            "training_sha256": _sha256(TRAINING_FILE),
            "config_sha256": _sha256(CONFIG_FILE),
            "test_sha256": _sha256(TEST_FILE),
            "noise_seed": NOISE_SEED,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}",
        },
        "overlap": overlap_summary(),
        "diet": {
            "clean": summarise(clean),
            "noised": summarise(noised),
            # What the FallbackClassifier costs: the best other intent always wins.
            "no_fallback": summarise(
                _predictions(examples, clean_texts, [p[2:] for p in clean_parsed])
            ),
            "parse_ms": {
                "n": len(timings),
                "p50": percentile(timings, 50),
                "p95": percentile(timings, 95),
                "mean": sum(timings) / len(timings),
            },
        },
    }
    if not quick:
        alone_clean = parse_diet_alone(agent, clean_texts)
        alone_noised = parse_diet_alone(agent, noised_texts)
        if alone_clean is not None and alone_noised is not None:
            results["diet"]["diet_alone"] = {
                "clean": summarise(
                    _predictions(examples, clean_texts, [p[:2] for p in alone_clean])
                ),
                "noised": summarise(
                    _predictions(examples, noised_texts, [p[:2] for p in alone_noised])
                ),
            }
        from eval.baseline import train as train_baseline

        baseline = train_baseline(load_examples(TRAINING_FILE))
        results["baseline"] = {
            "c": baseline.c,
            "training_seconds": baseline.training_seconds,
            "clean": summarise(_predictions(examples, clean_texts, baseline.predict(clean_texts))),
            "noised": summarise(
                _predictions(examples, noised_texts, baseline.predict(noised_texts))
            ),
        }
    results["errors"] = _errors(examples, clean_texts, clean_parsed)
    results["headline"] = headline(results)
    return results


def write(results: dict[str, Any], out: Path) -> None:
    from eval.report import render

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
    (out / "report.md").write_text(render(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="evaluate this model instead of training one")
    parser.add_argument("--quick", action="store_true", help="CI run: no training, no baseline")
    parser.add_argument("--check", action="store_true", help="apply eval/thresholds.json")
    parser.add_argument("--thresholds", type=Path, default=THRESHOLDS_FILE)
    parser.add_argument("--out", type=Path, help="where report.md and report.json go")
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # the pipeline's jieba dictionary path is relative to the project

    training_seconds = None
    if args.model:
        model = args.model
    elif args.quick:
        model = DEFAULT_MODEL
    else:
        model, training_seconds = train_nlu()
    if not model.is_file():
        print(f"no model at {model}: run `make model` first or pass --model", file=sys.stderr)
        return 2

    # Rasa's dependencies (TensorFlow, keras, jax, jieba) warn about their own code,
    # some of it imported lazily at the first parse.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = evaluate(model, quick=args.quick, training_seconds=training_seconds)
    out = (args.out or (QUICK_OUT if args.quick else FULL_OUT)).resolve()
    write(results, out)

    figures = results["headline"]
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"  {key:<{width}}  {'–' if value is None else f'{value:.3f}'}")
    report = out / "report.md"
    print(f"report: {report.relative_to(ROOT) if report.is_relative_to(ROOT) else report}")
    if args.quick or args.check:
        thresholds = json.loads(args.thresholds.read_text(encoding="utf-8"))
        failures = check_thresholds(figures, thresholds)
        for failure in failures:
            print(f"FAIL  {failure}", file=sys.stderr)
        if failures:
            return 1
        print("all figures within eval/thresholds.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
