"""A real Chromium against the real stack (Rasa, action server, app, test database).

The browser is Debian's Chromium (`make test` installs it when it is missing and
apt is usable); Playwright only drives it and never downloads a browser. Where
no Chromium can be had, every browser test is skipped with a loud notice.

Screenshots of each run go to var/screenshots/ (phone 360×740 and desktop).
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    sync_playwright,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.launcher import Stack
from api.settings import PROJECT_ROOT
from api.tickets.models import Ticket, TicketEvent

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
NO_BROWSER = (
    f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. Install Debian's `chromium` and "
    "`fonts-wqy-microhei` (make test does this as root), or set CHROMIUM=/path/to/chromium."
)
_skipped_for_browser: list[str] = []


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the browser tests.

    Package-scoped: Playwright's sync API keeps an event loop running in this
    thread while it is open, which later tests using `asyncio.run` must not see.
    """
    if not CHROMIUM.is_file():
        _skipped_for_browser.append(NO_BROWSER)
        pytest.skip(NO_BROWSER)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Make a skipped browser impossible to miss."""
    if _skipped_for_browser:
        terminalreporter.write_sep("!", _skipped_for_browser[0], red=True, bold=True)


@dataclass
class Watch:
    """What the page did that a test must not miss: script errors, dialogs, CSP refusals."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def make_page(browser: Browser, live: Stack) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    """Open the chat page in a fresh browser profile (phone-sized unless told otherwise)."""
    contexts: list[BrowserContext] = []
    watches: list[Watch] = []

    def open_page(viewport: dict[str, int] | None = None, **options: Any) -> tuple[Page, Watch]:
        context = browser.new_context(
            base_url=live.app_url,
            viewport=viewport or PHONE,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **options,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        page.on("console", watch.console)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("dialog", watch.dialog)
        watches.append(watch)
        page.goto("/")
        page.locator(".msg-bot .bubble").first.wait_for()
        return page, watch

    yield open_page
    for context in contexts:
        context.close()
    for watch in watches:
        real = [e for e in watch.errors if "Failed to load resource" not in e]
        assert not real, f"the page logged errors: {real}"


@pytest.fixture
def staff_update(
    session_factory: sessionmaker[Session],
) -> Callable[[str, str, str | None], None]:
    """Stand-in for the staff API: set a ticket's status and log the step.

    The one place the browser tests play staff. It writes the ticket and its event
    straight through SQLAlchemy until the staff lifecycle (api/tickets/lifecycle.py
    on main) is merged; then it should call that lifecycle (签收/办结/转派) instead.
    """

    def update(number: str, status: str, note: str | None = None) -> None:
        with session_factory() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            ticket.status = status
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind=status,
                    status=status,
                    actor="staff",
                    note=note,
                    data={},
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()

    return update


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as a run artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
