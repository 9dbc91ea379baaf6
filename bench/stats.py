"""Percentiles and latency summaries for the benchmark scripts."""

import math
import statistics
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least `fraction` at or below it.

    p50 of [1, 2, 3, 4] is 2, p95 of 100 samples is the 95th smallest, p99 of 10
    samples is the largest (too few samples to tell p99 from the maximum).
    """
    if not values:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction {fraction} is not in (0, 1]")
    ordered = sorted(values)
    rank = math.ceil(round(fraction * len(ordered), 9))
    return ordered[max(rank, 1) - 1]


def latency_ms(values: list[float]) -> dict[str, Any]:
    """n, p50, p95, p99, max and mean of durations in seconds, as milliseconds (JSON-ready).

    An empty list gives n = 0 and None for the figures, so a run where nothing
    came back still writes a record instead of failing.
    """
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.50) * 1000, 1),
        "p95": round(percentile(values, 0.95) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1),
        "mean": round(statistics.fmean(values) * 1000, 1),
    }


def summary_ms(values: list[float]) -> str:
    """p50 / p95 / p99 / mean of durations given in seconds, printed in milliseconds."""
    figures = latency_ms(values)
    if not figures["n"]:
        return "no samples"
    return (
        f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
        f"p99 {figures['p99']:.1f} ms, mean {figures['mean']:.1f} ms (n={figures['n']})"
    )


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator rounded to 3 places, None when either is missing or zero."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)
