"""Under CI (`CI` set), a skipped test fails the run.

Tests skip themselves when a part is missing: no Chromium, no Rasa environment,
no PostgreSQL. On a developer's machine that is a convenience; in CI it would be
a green run that tested less than it says. Loaded with `-p tests.strict_ci`.
"""

import os

import pytest

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skip, with its reason."""
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a passing run with skips into a failing one when running in CI."""
    if os.environ.get("CI") and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say why CI failed: the tests that were skipped."""
    if os.environ.get("CI") and _skipped:
        terminalreporter.write_sep("!", "CI: skipped tests count as failures", red=True)
        for line in _skipped:
            terminalreporter.write_line(line, red=True)
