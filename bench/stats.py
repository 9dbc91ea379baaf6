"""Percentiles for the benchmark scripts."""

import statistics


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall (nearest rank)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    """p50 / p95 / mean of durations given in seconds, printed in milliseconds."""
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(values, 0.95) * 1000:.1f} ms, "
        f"mean {statistics.fmean(values) * 1000:.1f} ms (n={len(values)})"
    )
