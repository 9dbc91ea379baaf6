"""A real Chromium against the real stack (Rasa, action server, app, test database).

The browser is Debian's Chromium (`make test` installs it when it is missing and
apt is usable); Playwright only drives it and never downloads a browser. Where
no Chromium can be had, every browser test is skipped with a loud notice.

Screenshots of each run (phone 360×740 and desktop) go to $SCREENSHOTS_DIR, by
default zhihuiyang-screenshots/ in the system's temporary folder: never the
project's own var/.
"""

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Response,
    Route,
    expect,
    sync_playwright,
)
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.auth.service import create_account
from api.database import transaction
from api.launcher import Stack
from api.web.security import CONTENT_SECURITY_POLICY

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "zhihuiyang-screenshots"
)
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


@dataclass(frozen=True)
class FailedLoad:
    """A request of the page that failed: an error status, or no answer at all (None)."""

    url: str
    status: int | None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class Watch:
    """What the page did that a test must not miss: script errors, dialogs, CSP refusals,
    and failed loads of the app's own URLs (its page, /static assets, its API).

    A test that makes a load fail on purpose (a route that answers 503, going offline)
    says so with `expect_failed_load`; any other failed load from the app's origin fails
    the test. Loads from elsewhere are not the app's and are left alone.
    """

    origin: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_loads: list[FailedLoad] = field(default_factory=list)
    expected_failures: set[tuple[str, int | None]] = field(default_factory=set)

    def attach(self, page: Page) -> None:
        """Listen to everything the page reports."""
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self.dialog)
        page.on("response", self.response)
        page.on("requestfailed", lambda request: self._failed(request.url, None))

    def console(self, message: ConsoleMessage) -> None:
        # Chromium also logs each failed load here, without its URL: those are judged
        # from the network events instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self._failed(response.url, response.status)

    def expect_failed_load(self, path: str, status: int | None = None) -> None:
        """This test makes loads of `path` (a glob) fail on purpose: with `status`, or
        unanswered (None: aborted, offline)."""
        self.expected_failures.add((path, status))

    def _failed(self, url: str, status: int | None) -> None:
        if _origin(url) == _origin(self.origin):
            self.failed_loads.append(FailedLoad(url, status))

    def assert_clean(self) -> None:
        """No script error, no dialog, and no failed load the test did not ask for."""
        assert not self.errors, f"the page logged errors: {self.errors}"
        assert not self.dialogs, f"the page opened dialogs: {self.dialogs}"
        unexpected = [
            f"{load.status or 'no answer'} {load.url}"
            for load in self.failed_loads
            if not any(
                status == load.status and fnmatchcase(load.path, path)
                for path, status in self.expected_failures
            )
        ]
        assert not unexpected, f"loads of the app's own URLs failed: {unexpected}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
        watch = Watch(live.app_url)
        watch.attach(page)
        watches.append(watch)
        page.goto("/")
        page.locator(".msg-bot .bubble").first.wait_for()
        return page, watch

    yield open_page
    for context in contexts:
        context.close()
    for watch in watches:
        watch.assert_clean()


@pytest.fixture(scope="package")
def staff_token(operator_token: str) -> str:
    """The staff API token the browser tests work tickets with (a district operator's)."""
    return operator_token


@pytest.fixture
def staff_update(live: Stack, staff_token: str) -> Callable[[str, str, str | None], None]:
    """Staff working a ticket through the real staff API (签收, then 办结).

    "signed" signs the ticket; "resolved" signs it first when needed, then
    resolves it with the note as what was done.
    """
    headers = {"Authorization": f"Bearer {staff_token}"}

    def act(number: str, action: str, body: dict[str, str]) -> None:
        url = f"{live.app_url}/api/staff/tickets/{number}/{action}"
        httpx.post(url, json=body, headers=headers).raise_for_status()

    def update(number: str, status: str, note: str | None = None) -> None:
        detail = httpx.get(f"{live.app_url}/api/staff/tickets/{number}", headers=headers)
        detail.raise_for_status()
        if detail.json()["status"] in ("dispatched", "reopened"):
            act(number, "sign", {"note": note} if note and status == "signed" else {})
        if status == "resolved":
            act(number, "resolve", {"resolution": note or "已处理完毕"})

    return update


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot of the page (the viewport, or all of it) as a run artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# ---- the staff workbench (/staff) -----------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    password: str


@dataclass
class Workbench:
    page: Page
    watch: Watch
    elsewhere: list[str]

    def login(self, who: Login) -> None:
        self.page.get_by_label("用户名").fill(who.username)
        self.page.get_by_label("密码").fill(who.password)
        self.page.get_by_role("button", name="登录", exact=True).click()
        expect(self.page.locator("#who")).to_be_visible()

    def row(self, number: str) -> Locator:
        return self.page.locator(f".row-link[data-number='{number}']")


OpenWorkbench = Callable[..., Workbench]


def make_account(factory: sessionmaker[Session], role: Role, station: str | None) -> Login:
    """A new staff account with a random name and password, for one test."""
    who = Login(f"wb.{uuid.uuid4().hex[:8]}", uuid.uuid4().hex)
    with transaction(factory) as session:
        create_account(
            session,
            username=who.username,
            display_name="工作台测试员",
            role=role,
            station_code=station,
            password=who.password,
        )
    return who


@pytest.fixture
def open_workbench(browser: Browser, live: Stack) -> Iterator[OpenWorkbench]:
    """/staff in a fresh profile that can reach the app and nothing else."""
    contexts: list[BrowserContext] = []
    benches: list[Workbench] = []
    app_host = urlsplit(live.app_url).netloc

    def open_page(viewport: dict[str, int] | None = None, path: str = "/staff") -> Workbench:
        context = browser.new_context(
            base_url=live.app_url,
            viewport=viewport or PHONE,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        bench = Workbench(page, Watch(live.app_url), [])
        bench.watch.attach(page)

        def only_the_app(route: Route) -> None:
            if urlsplit(route.request.url).netloc == app_host:
                route.continue_()
            else:
                bench.elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_the_app)
        benches.append(bench)
        answer = page.goto(path)
        assert answer is not None and answer.url.endswith("/staff/"), answer
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        expect(page.locator("#login-form")).to_be_visible()
        return bench

    yield open_page
    for context in contexts:
        context.close()
    for bench in benches:
        bench.watch.assert_clean()
        assert bench.elsewhere == [], bench.elsewhere
