"""The promotion guard: a candidate may not serve if it scores worse than the serving model.

It reads the comparison written by eval/compare.py. Refused when service-code
macro-F1 drops by more than its margin, when any code's F1 drops by more than
the per-code margin, or when emergency recall drops at all. An operator may
overrule it, with a reason that is kept.
"""

from dataclasses import dataclass
from typing import Any

from api.catalogue import SERVICE_NAMES


@dataclass(frozen=True)
class GuardMargins:
    """How much worse is still tolerated (fractions, 0.01 = one point)."""

    macro_f1: float = 0.005
    per_code_f1: float = 0.03


def _figure(evaluation: dict[str, Any], role: str, name: str) -> float:
    value = evaluation[role]["headline"].get(name)
    return float(value) if value is not None else 0.0


def refusals(evaluation: dict[str, Any], margins: GuardMargins) -> list[str]:
    """Why the candidate must not be promoted (empty when it may be)."""
    reasons = []
    before = _figure(evaluation, "serving", "service_code_macro_f1")
    after = _figure(evaluation, "candidate", "service_code_macro_f1")
    if after < before - margins.macro_f1:
        reasons.append(f"类别宏平均 F1 从 {before:.1%} 降到 {after:.1%}")
    for row in evaluation["per_code"]:
        if row["delta"] < -margins.per_code_f1:
            name = SERVICE_NAMES.get(row["code"], row["code"])
            reasons.append(
                f"“{name}”的 F1 从 {row['serving_f1']:.1%} 降到 {row['candidate_f1']:.1%}"
            )
    recall_before = _figure(evaluation, "serving", "emergency_recall")
    recall_after = _figure(evaluation, "candidate", "emergency_recall")
    if recall_after < recall_before:
        reasons.append(f"紧急情况识别率从 {recall_before:.1%} 降到 {recall_after:.1%}")
    return reasons
