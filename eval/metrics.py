"""Figures computed from (gold intent, predicted intent) pairs.

The outcome that matters to a resident is what the bot does with the message:
which service_code the ticket gets (the code of a report intent, or the code the
catalogue gives an emergency kind), whether it is handled as an emergency, or no
ticket at all (non-reports, `nlu_fallback`, `report_start`, form answers).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.catalogue import (
    SERVICE_CODES,
    emergency_for_intent,
    service_code_for_intent,
    ticket_code_for_intent,
)

FALLBACK_INTENT = "nlu_fallback"
NON_REPORT_INTENTS = frozenset(
    {"greet", "thanks", "capabilities", "ticket_status", "handoff", "rate", "out_of_scope"}
)
NO_CODE = "(none)"


# The ticket's service_code for a predicted or gold intent, emergencies included.
code_for = ticket_code_for_intent


def is_emergency(intent: str | None) -> bool:
    return emergency_for_intent(intent) is not None


def is_report(intent: str) -> bool:
    return service_code_for_intent(intent) is not None


@dataclass(frozen=True)
class Prediction:
    text: str
    gold: str
    predicted: str
    confidence: float
    group: str | None = None


def outcome_correct(p: Prediction) -> bool:
    """Did the bot do the right thing: right code and emergency flag, or no ticket."""
    if is_emergency(p.gold):
        return is_emergency(p.predicted)
    if is_report(p.gold):
        return code_for(p.predicted) == code_for(p.gold) and not is_emergency(p.predicted)
    return code_for(p.predicted) is None and not is_emergency(p.predicted)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def service_code_scores(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Per-code precision/recall/F1 over reports and non-reports (emergencies excluded).

    Non-reports are in so that a greeting filed as `other` costs `other` precision.
    """
    rows = [p for p in predictions if not is_emergency(p.gold)]
    gold = [code_for(p.gold) or NO_CODE for p in rows]
    pred = [code_for(p.predicted) or NO_CODE for p in rows]
    per_code: dict[str, dict[str, float | int]] = {}
    for code in SERVICE_CODES:
        tp = sum(g == code and q == code for g, q in zip(gold, pred, strict=True))
        fp = sum(g != code and q == code for g, q in zip(gold, pred, strict=True))
        fn = sum(g == code and q != code for g, q in zip(gold, pred, strict=True))
        precision, recall, f1 = _prf(tp, fp, fn)
        per_code[code] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": sum(g == code for g in gold),
        }
    reports = [p for p in predictions if is_report(p.gold)]
    coded = [p for p in predictions if code_for(p.gold) is not None]
    return {
        "macro_f1": sum(float(row["f1"]) for row in per_code.values()) / len(per_code),
        "accuracy": _ratio(
            sum(code_for(p.predicted) == code_for(p.gold) for p in reports), len(reports)
        ),
        "accuracy_with_emergencies": _ratio(
            sum(code_for(p.predicted) == code_for(p.gold) for p in coded), len(coded)
        ),
        "no_code_rate": _ratio(sum(code_for(p.predicted) is None for p in reports), len(reports)),
        "reports": len(reports),
        "per_code": per_code,
    }


def emergency_scores(predictions: Sequence[Prediction]) -> dict[str, Any]:
    gold_emergencies = [p for p in predictions if is_emergency(p.gold)]
    others = [p for p in predictions if not is_emergency(p.gold)]
    hard = [p for p in others if p.group == "hard_non_emergency"]
    per_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({p.gold for p in gold_emergencies}):
        rows = [p for p in gold_emergencies if p.gold == kind]
        per_kind[kind.removeprefix("emergency_")] = {
            "recall": _ratio(sum(is_emergency(p.predicted) for p in rows), len(rows)),
            "kind_accuracy": _ratio(sum(p.predicted == p.gold for p in rows), len(rows)),
            "support": len(rows),
        }
    return {
        "recall": _ratio(
            sum(is_emergency(p.predicted) for p in gold_emergencies), len(gold_emergencies)
        ),
        "kind_accuracy": _ratio(
            sum(p.predicted == p.gold for p in gold_emergencies), len(gold_emergencies)
        ),
        "false_alarm_rate": _ratio(sum(is_emergency(p.predicted) for p in others), len(others)),
        "false_alarms": sum(is_emergency(p.predicted) for p in others),
        "hard_false_alarm_rate": _ratio(sum(is_emergency(p.predicted) for p in hard), len(hard)),
        "emergencies": len(gold_emergencies),
        "non_emergencies": len(others),
        "per_kind": per_kind,
    }


def rejection_scores(predictions: Sequence[Prediction]) -> dict[str, Any]:
    rows = [p for p in predictions if p.gold in NON_REPORT_INTENTS]
    per_intent = {}
    for intent in sorted({p.gold for p in rows}):
        mine = [p for p in rows if p.gold == intent]
        per_intent[intent] = {
            "rejection_rate": _ratio(sum(outcome_correct(p) for p in mine), len(mine)),
            "intent_accuracy": _ratio(sum(p.predicted == p.gold for p in mine), len(mine)),
            "support": len(mine),
        }
    return {
        "rejection_rate": _ratio(sum(outcome_correct(p) for p in rows), len(rows)),
        "intent_accuracy": _ratio(sum(p.predicted == p.gold for p in rows), len(rows)),
        "non_reports": len(rows),
        "per_intent": per_intent,
    }


def confusions(predictions: Sequence[Prediction], top: int = 12) -> dict[str, list[Any]]:
    """The most frequent intent errors and service_code errors."""
    intents = Counter((p.gold, p.predicted) for p in predictions if p.gold != p.predicted)
    codes = Counter(
        (code_for(p.gold) or NO_CODE, code_for(p.predicted) or NO_CODE)
        for p in predictions
        if is_report(p.gold) and code_for(p.gold) != code_for(p.predicted)
    )
    return {
        "intent": [[g, q, n] for (g, q), n in intents.most_common(top)],
        "service_code": [[g, q, n] for (g, q), n in codes.most_common(top)],
    }


def by_group(predictions: Sequence[Prediction]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Prediction]] = {}
    for p in predictions:
        groups.setdefault(p.group or "-", []).append(p)
    return {
        name: {
            "outcome_accuracy": _ratio(sum(map(outcome_correct, rows)), len(rows)),
            "n": len(rows),
        }
        for name, rows in sorted(groups.items())
    }


def summarise(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Every figure of one model on one copy (clean or noised) of the test set."""
    n = len(predictions)
    return {
        "messages": n,
        "intent_accuracy": _ratio(sum(p.predicted == p.gold for p in predictions), n),
        "outcome_accuracy": _ratio(sum(map(outcome_correct, predictions)), n),
        "fallback_rate": _ratio(sum(p.predicted == FALLBACK_INTENT for p in predictions), n),
        "service_code": service_code_scores(predictions),
        "emergency": emergency_scores(predictions),
        "non_report": rejection_scores(predictions),
        "by_group": by_group(predictions),
        "confusions": confusions(predictions),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# The figures the CI thresholds refer to, as dotted paths into a summary.
HEADLINE: dict[str, str] = {
    "service_code_macro_f1": "service_code.macro_f1",
    "service_code_accuracy": "service_code.accuracy",
    "emergency_recall": "emergency.recall",
    "emergency_false_alarm_rate": "emergency.false_alarm_rate",
    "non_report_rejection_rate": "non_report.rejection_rate",
    "outcome_accuracy": "outcome_accuracy",
}


def lookup(summary: dict[str, Any], path: str) -> Any:
    value: Any = summary
    for key in path.split("."):
        value = value[key]
    return value


def apply_fallback(ranking: list[tuple[str, float]], threshold: float, ambiguity: float) -> str:
    """The intent the FallbackClassifier would leave for this ranking."""
    top, confidence = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    if confidence < threshold or confidence - second < ambiguity:
        return FALLBACK_INTENT
    return top
