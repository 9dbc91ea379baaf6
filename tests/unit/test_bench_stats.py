"""The benchmark's percentiles and ratios: nearest rank, in milliseconds, honest when empty."""

import pytest

from bench.stats import latency_ms, percentile, ratio


def test_nearest_rank_percentiles_of_one_to_a_hundred() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # unordered on purpose
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100


def test_small_samples_round_the_rank_up() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2
    assert percentile([4.0, 3.0, 2.0, 1.0], 0.75) == 3
    # Ten samples cannot tell p95 or p99 from the largest one.
    ten = [float(v) for v in range(1, 11)]
    assert percentile(ten, 0.95) == 10 and percentile(ten, 0.99) == 10
    assert percentile([7.0], 0.01) == 7


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 0)
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_latency_summary_is_in_milliseconds() -> None:
    figures = latency_ms([0.010, 0.020, 0.030, 0.040])
    assert figures == {"n": 4, "p50": 20.0, "p95": 40.0, "p99": 40.0, "max": 40.0, "mean": 25.0}


def test_no_samples_give_no_figures_rather_than_zeros() -> None:
    figures = latency_ms([])
    assert figures["n"] == 0 and figures["p50"] is None and figures["p99"] is None


def test_ratio_is_none_when_a_side_is_missing() -> None:
    assert ratio(30.0, 20.0) == 1.5
    assert ratio(None, 20.0) is None
    assert ratio(30.0, 0.0) is None
