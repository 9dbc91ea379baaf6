"""Score a candidate model against the serving one before it may be promoted.

Both models parse the same held-out test set (tests/nlu/test_set.yml) and the
messages operators just labelled; the JSON written to --out holds each model's
headline figures, per-code F1 side by side, the code confusions that changed
and every message whose outcome flipped. The app's training job runs this in
the Rasa environment and the promotion guard reads it.

    .venv-rasa/bin/python -m eval.compare --serving A.tar.gz --candidate B.tar.gz \
        [--reviewed labelled.json] [--test tests/nlu/test_set.yml] --out comparison.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.dataset import TEST_FILE, Example, load_examples
from eval.metrics import NO_CODE, Prediction, code_for, is_report, outcome_correct, summarise
from eval.run import load_agent, parse_all

HEADLINE_PATHS = {
    "service_code_macro_f1": ("service_code", "macro_f1"),
    "service_code_accuracy": ("service_code", "accuracy"),
    "emergency_recall": ("emergency", "recall"),
    "emergency_false_alarm_rate": ("emergency", "false_alarm_rate"),
    "non_report_rejection_rate": ("non_report", "rejection_rate"),
    "outcome_accuracy": ("outcome_accuracy",),
}


def predict(agent: Any, examples: Sequence[Example]) -> list[Prediction]:
    """The model's intent for every example, fallback included."""
    parsed, _ = parse_all(agent, [e.text for e in examples])
    return [
        Prediction(e.text, e.intent, intent, confidence, e.group)
        for e, (intent, confidence, _, _) in zip(examples, parsed, strict=True)
    ]


def headline(summary: dict[str, Any]) -> dict[str, float | None]:
    """The figures the promotion guard and the operators' page show."""
    figures: dict[str, float | None] = {}
    for name, path in HEADLINE_PATHS.items():
        value: Any = summary
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        figures[name] = value
    return figures


def per_code(serving: dict[str, Any], candidate: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-code F1 of both models, with the change."""
    rows = []
    for code, before in serving["service_code"]["per_code"].items():
        after = candidate["service_code"]["per_code"][code]
        rows.append(
            {
                "code": code,
                "support": before["support"],
                "serving_f1": before["f1"],
                "candidate_f1": after["f1"],
                "delta": after["f1"] - before["f1"],
            }
        )
    return rows


def _code_errors(predictions: Sequence[Prediction]) -> Counter[tuple[str, str]]:
    return Counter(
        (code_for(p.gold) or NO_CODE, code_for(p.predicted) or NO_CODE)
        for p in predictions
        if is_report(p.gold) and code_for(p.gold) != code_for(p.predicted)
    )


def changed_confusions(
    serving: Sequence[Prediction], candidate: Sequence[Prediction]
) -> list[dict[str, Any]]:
    """Code confusions (gold -> predicted) whose count changed, biggest change first."""
    before, after = _code_errors(serving), _code_errors(candidate)
    pairs = set(before) | set(after)
    rows = [
        {"gold": g, "predicted": q, "serving": before[(g, q)], "candidate": after[(g, q)]}
        for g, q in pairs
        if before[(g, q)] != after[(g, q)]
    ]
    return sorted(rows, key=lambda r: (-abs(r["candidate"] - r["serving"]), r["gold"]))


def flipped(serving: Sequence[Prediction], candidate: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Messages the two models handle differently (right to wrong, or wrong to right)."""
    rows = []
    for before, after in zip(serving, candidate, strict=True):
        was, now = outcome_correct(before), outcome_correct(after)
        if was != now:
            rows.append(
                {
                    "text": before.text,
                    "gold": before.gold,
                    "serving": before.predicted,
                    "candidate": after.predicted,
                    "fixed": now,
                }
            )
    return rows


def _reviewed(path: Path | None) -> list[Example]:
    if path is None:
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Example(str(row["text"]), str(row["intent"]), "reviewed") for row in rows]


def compare(
    serving_model: Path, candidate_model: Path, test: list[Example], reviewed: list[Example]
) -> dict[str, Any]:
    """Everything the operators' page and the promotion guard need, as one JSON document."""
    results: dict[str, dict[str, list[Prediction]]] = {}
    for role, model in (("serving", serving_model), ("candidate", candidate_model)):
        agent = load_agent(model)
        results[role] = {"test": predict(agent, test), "reviewed": predict(agent, reviewed)}
        del agent
    summaries = {role: summarise(r["test"]) for role, r in results.items()}
    reviewed_correct = {
        role: sum(map(outcome_correct, r["reviewed"])) for role, r in results.items()
    }
    return {
        "test_messages": len(test),
        "serving": {"model": str(serving_model), "headline": headline(summaries["serving"])},
        "candidate": {"model": str(candidate_model), "headline": headline(summaries["candidate"])},
        "per_code": per_code(summaries["serving"], summaries["candidate"]),
        "confusions_changed": changed_confusions(
            results["serving"]["test"], results["candidate"]["test"]
        ),
        "flipped": flipped(results["serving"]["test"], results["candidate"]["test"]),
        "reviewed": {
            "messages": len(reviewed),
            "serving_correct": reviewed_correct["serving"],
            "candidate_correct": reviewed_correct["candidate"],
            "flipped": flipped(results["serving"]["reviewed"], results["candidate"]["reviewed"]),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serving", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--reviewed", type=Path)
    parser.add_argument("--test", type=Path, default=TEST_FILE)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    result = compare(
        args.serving, args.candidate, load_examples(args.test), _reviewed(args.reviewed)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    c = result["candidate"]["headline"]
    s = result["serving"]["headline"]
    print(
        f"macro-F1 {s['service_code_macro_f1']:.4f} -> {c['service_code_macro_f1']:.4f}; "
        f"reviewed {result['reviewed']['serving_correct']} -> "
        f"{result['reviewed']['candidate_correct']} of {result['reviewed']['messages']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
