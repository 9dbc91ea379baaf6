"""Fixtures of the fuzz run: the app's world with no DNS; the tally at the end."""

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.python import asgi

from tests.fuzz.rules import TALLY
from tests.fuzz.world import FuzzWorld, fuzz_world, loopback_only_getaddrinfo

# Hypothesis keeps caches beside the examples database (which is off): in the system's
# temporary folder, never in the project.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "zhihuiyang-hypothesis")


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    """The app on a database of its own (PostgreSQL too when TEST_DATABASE_URL is set).

    Package-scoped: the DNS block ends with the fuzz tests, so later tests resolve
    names (127.1, 2130706433) with the system's resolver again.
    """
    folder = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        # A fuzzed webhook URL must not make the app ask a DNS server anything.
        patch.setattr(socket, "getaddrinfo", loopback_only_getaddrinfo)
        with fuzz_world(folder, os.environ.get("TEST_DATABASE_URL")) as built:
            try:
                yield built
            finally:
                asgi.shutdown_lifespans()  # the app's lifespan, started by the first call


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Cases, statuses and 5xx per operation; FUZZ_SUMMARY=path also writes them there."""
    if not TALLY.runs:
        return
    lines = TALLY.lines()
    terminalreporter.write_sep("=", "OpenAPI fuzz run")
    for line in lines:
        terminalreporter.write_line(line)
    target = os.environ.get("FUZZ_SUMMARY")
    if target:
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
