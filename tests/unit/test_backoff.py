"""The restart delays: 1 s doubling to 30 s, forgiven after a minute up, loud in a crash loop."""

import signal

from api.supervisor import Backoff, BackoffPolicy, exit_reason


def deaths(backoff: Backoff, uptimes: list[float], start: float = 0.0) -> list[tuple[float, bool]]:
    """Let the process die after each uptime, restarted after each delay: (delay, crash loop)."""
    now, plans = start, []
    for uptime in uptimes:
        now += uptime
        plan = backoff.after_death(uptime=uptime, now=now)
        plans.append((plan.delay, plan.crash_loop))
        now += plan.delay
    return plans


def test_quick_deaths_double_the_wait_up_to_thirty_seconds() -> None:
    # 40 s up each time: never long enough to count as recovered, never a crash loop.
    plans = deaths(Backoff(BackoffPolicy()), [40.0] * 8)
    assert [delay for delay, _ in plans] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert not any(loop for _, loop in plans)


def test_a_minute_up_forgives_the_earlier_deaths() -> None:
    backoff = Backoff(BackoffPolicy())
    assert [d for d, _ in deaths(backoff, [5.0, 5.0, 5.0])] == [1, 2, 4]
    assert [d for d, _ in deaths(backoff, [60.0, 5.0], start=100.0)] == [1, 2]


def test_the_first_death_after_a_long_run_waits_one_second() -> None:
    assert deaths(Backoff(BackoffPolicy()), [3 * 24 * 3600.0]) == [(1, False)]


def test_six_deaths_within_a_minute_is_a_crash_loop_retried_every_thirty_seconds() -> None:
    backoff = Backoff(BackoffPolicy())
    # Dies at once on every start: 1 + 2 + 4 + 8 + 16 s of waiting, six deaths in 31.6 s.
    plans = deaths(backoff, [0.1] * 6)
    assert plans == [(1, False), (2, False), (4, False), (8, False), (16, False), (30, True)]
    # It never gives up, and keeps saying so while the deaths go on 30 s apart.
    assert deaths(backoff, [0.1] * 5, start=61.6) == [(30, True)] * 5


def test_a_crash_loop_ends_once_the_process_stays_up_a_minute() -> None:
    backoff = Backoff(BackoffPolicy())
    assert deaths(backoff, [0.1] * 6)[-1] == (30, True)
    assert deaths(backoff, [60.0, 5.0], start=61.6) == [(1, False), (2, False)]


def test_thousands_of_deaths_still_wait_thirty_seconds() -> None:
    plans = deaths(Backoff(BackoffPolicy()), [40.0] * 3000)
    assert plans[-1] == (30, False)


def test_a_policy_of_its_own() -> None:
    policy = BackoffPolicy(first_delay=0.5, max_delay=5.0, crash_loop_deaths=2)
    plans = deaths(Backoff(policy), [0.0] * 4)
    assert plans == [(0.5, False), (1.0, False), (5.0, True), (5.0, True)]


def test_exit_reasons_name_the_signal_or_the_code() -> None:
    assert "SIGKILL" in exit_reason(-signal.SIGKILL)
    assert "内存" in exit_reason(-signal.SIGKILL)
    assert "SIGSEGV" in exit_reason(-signal.SIGSEGV)
    assert exit_reason(3) == "退出码 3"
