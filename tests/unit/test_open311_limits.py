"""The Open311 filing limiter keeps its promises under many keys and many threads."""

import threading

import pytest

from api.open311.limits import FilingLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_many_keys_never_hold_more_than_max_keys() -> None:
    clock = FakeClock()
    limiter = FilingLimiter(3, 60.0, max_keys=100, clock=clock)
    for number in range(1_000):
        assert limiter.take(f"key-{number}") == 0
    assert len(limiter) == 100


def test_refilled_buckets_are_forgotten() -> None:
    clock = FakeClock()
    burst, per_minute = 5, 30.0
    limiter = FilingLimiter(burst, per_minute, clock=clock)
    for number in range(50):
        limiter.take(f"key-{number}")
    clock.now += 60 / per_minute  # one filing back: each of the 50 is full again
    limiter.take("latecomer")
    assert len(limiter) == 1


def test_threads_together_get_exactly_the_burst() -> None:
    burst, threads, tries = 7, 8, 25
    limiter = FilingLimiter(burst, 1.0, clock=FakeClock())
    allowed: list[int] = []
    start = threading.Barrier(threads)

    def hammer() -> None:
        start.wait()
        mine = sum(1 for _ in range(tries) if limiter.take("shared") == 0)
        allowed.append(mine)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(allowed) == burst


def test_retry_after_is_the_wait_for_one_filing_in_whole_seconds() -> None:
    clock = FakeClock()
    limiter = FilingLimiter(1, 7.0, clock=clock)  # one filing every 60/7 ≈ 8.57 s
    assert limiter.take("k") == 0
    assert limiter.take("k") == 9
    clock.now += 8.5
    assert limiter.take("k") == 1
    clock.now += 0.08
    assert limiter.take("k") == 0


@pytest.mark.parametrize(("burst", "rate"), [(0, 60.0), (10, 0.0), (-1, 5.0)])
def test_nonsense_limits_are_refused(burst: int, rate: float) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        FilingLimiter(burst, rate)
