"""Operators in a real browser: log in, find a resident's message, relabel it, meet a
colleague's earlier decision (409), export, and read a candidate the guard refuses.

Everything behind the page is real: Rasa with the trained model, the app and the
test database. No retrain and no promotion happen here (the e2e suite does both;
promoting would hot-swap the Rasa server the other browser tests share).
"""

import random
import re
import string
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role
from api.auth.service import create_account
from api.database import transaction
from api.launcher import Stack
from api.stations.models import Station
from api.training.models import JobStatus, ModelVersion, ReviewItem, TrainingJob, VersionStatus
from api.training.service import rasa_api
from api.training.versions import ensure_serving
from tests.browser.conftest import Watch, screenshot

pytestmark = pytest.mark.browser

PHONE_NUMBER = "13912345678"
DESKTOP = ViewportSize(width=1280, height=800)
TABLET = ViewportSize(width=768, height=900)
OpenConsole = Callable[..., tuple[Page, Watch]]


# ------------------------------------------------------------------ fixtures


def _account(
    factory: sessionmaker[Session], role: Role, station_code: str | None
) -> dict[str, str]:
    username = f"{role.value.split('_')[0]}.{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with transaction(factory) as session:
        create_account(
            session,
            username=username,
            display_name="页面测试员",
            role=role,
            station_code=station_code,
            password=password,
        )
    return {"username": username, "password": password}


@pytest.fixture(scope="module")
def operator_login(live: Stack, session_factory: sessionmaker[Session]) -> dict[str, str]:
    """A district operator who logs in through the page."""
    return _account(session_factory, Role.DISTRICT_OPERATOR, None)


@pytest.fixture(scope="module")
def station_login(live: Stack, session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Station staff: may work tickets, not the operators' console."""
    with session_factory() as session:
        code = session.scalars(select(Station.code).order_by(Station.code).limit(1)).one()
    return _account(session_factory, Role.STATION_STAFF, code)


@pytest.fixture
def open_console(browser: Browser, live: Stack) -> Iterator[OpenConsole]:
    """Open /operator.html in a fresh browser profile (desktop-sized unless told otherwise)."""
    contexts: list[BrowserContext] = []
    watches: list[Watch] = []

    def open_page(viewport: ViewportSize | None = None) -> tuple[Page, Watch]:
        context = browser.new_context(
            base_url=live.app_url,
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        watch = Watch(live.app_url)
        watch.attach(page)
        watches.append(watch)
        page.goto("/operator.html")
        expect(page.locator("#login-form")).to_be_visible()
        return page, watch

    yield open_page
    for context in contexts:
        context.close()
    for watch in watches:
        watch.assert_clean()


@pytest.fixture
def refused_candidate(
    live: Stack, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[int]:
    """A candidate version whose (hand-made) evaluation the promotion guard refuses.

    It is compared with the version Rasa serves now, so nothing but the guard
    stands in its way; its file is a stand-in that is never loaded.
    """
    now = datetime.now(UTC)
    stand_in = tmp_path / "candidate.tar.gz"
    stand_in.write_bytes(b"never loaded")
    with transaction(session_factory) as session:
        serving = ensure_serving(
            session, rasa_api(live.settings), live.settings.rasa_model_path, now
        )
        candidate = ModelVersion(
            path=str(stand_in),
            model_id=f"browser-test-{uuid.uuid4().hex[:8]}",
            status=VersionStatus.CANDIDATE.value,
            data_fingerprint="0" * 64,
            reviewed_count=2,
            created_by="staff:browser.test",
            created_at=now,
            compared_with_id=serving.id,
            evaluation=_worse_evaluation(),
        )
        session.add(candidate)
        session.flush()
        candidate_id = candidate.id
    yield candidate_id
    with transaction(session_factory) as session:
        left = session.get(ModelVersion, candidate_id)
        if left is not None and left.status == VersionStatus.CANDIDATE.value:
            session.delete(left)


@pytest.fixture
def running_job(session_factory: sessionmaker[Session], tmp_path: Path) -> Iterator[int]:
    """A training job that seems to run elsewhere: it holds the slot; the test moves it on.

    No training happens; the row and its log are what the page polls. It always
    ends failed and frees the slot, so later real jobs can start.
    """
    log = tmp_path / "job.log"
    log.write_text("导出：写入 3 条\nrasa data validate：通过\n", encoding="utf-8")
    with transaction(session_factory) as session:
        job = TrainingJob(
            status=JobStatus.RUNNING.value,
            running_slot=1,
            stage="训练",
            progress=40,
            requested_by="staff:browser.test",
            created_at=datetime.now(UTC),
            log_path=str(log),
            runner="1@browser-test-elsewhere",
        )
        session.add(job)
        session.flush()
        job_id = job.id
    yield job_id
    with transaction(session_factory) as session:
        left = session.get(TrainingJob, job_id)
        if left is not None and left.status == JobStatus.RUNNING.value:
            left.status, left.running_slot = JobStatus.FAILED.value, None
            left.finished_at = datetime.now(UTC)


def _worse_evaluation() -> dict[str, Any]:
    """Better on other things, but leaks fall by 15 points: the guard must refuse."""

    def headline(macro: float, recall: float) -> dict[str, float]:
        return {
            "service_code_macro_f1": macro,
            "service_code_accuracy": macro + 0.01,
            "emergency_recall": recall,
            "emergency_false_alarm_rate": 0.02,
            "non_report_rejection_rate": 0.9,
            "outcome_accuracy": macro,
        }

    def row(code: str, support: int, before: float, after: float) -> dict[str, Any]:
        return {
            "code": code,
            "support": support,
            "serving_f1": before,
            "candidate_f1": after,
            "delta": after - before,
        }

    return {
        "test_messages": 120,
        "serving": {"model": "serving.tar.gz", "headline": headline(0.91, 1.0)},
        "candidate": {"model": "candidate.tar.gz", "headline": headline(0.90, 1.0)},
        "per_code": [
            row("water_leak", 20, 0.95, 0.80),
            row("power_outage", 15, 0.90, 0.93),
            row("other", 10, 0.70, 0.85),
        ],
        "confusions_changed": [
            {"gold": "water_leak", "predicted": "environment", "serving": 0, "candidate": 3},
            {"gold": "other", "predicted": "power_outage", "serving": 2, "candidate": 0},
        ],
        "flipped": [
            {
                "text": "卫生间天花板一直在滴水",
                "gold": "report_water_leak",
                "serving": "report_water_leak",
                "candidate": "report_environment",
                "fixed": False,
            },
            {
                "text": "光纤断了屋头没得网",
                "gold": "report_other",
                "serving": "report_power_outage",
                "candidate": "report_other",
                "fixed": True,
            },
        ],
        "reviewed": {
            "messages": 2,
            "serving_correct": 0,
            "candidate_correct": 2,
            "flipped": [
                {
                    "text": "宽带断了好几天了",
                    "gold": "report_other",
                    "serving": "report_power_outage",
                    "candidate": "report_other",
                    "fixed": True,
                },
            ],
        },
    }


# ------------------------------------------------------------------ helpers


def marker() -> str:
    """A word no other message has (letters only, so masking never touches it)."""
    return "暗号" + "".join(random.choices(string.ascii_lowercase, k=10))


def resident_says(live: Stack, text: str) -> list[dict[str, Any]]:
    """A resident's message through the real chat endpoint; returns the bot's replies."""
    response = httpx.post(
        f"{live.app_url}/api/chat",
        json={"sender": f"browser-op-{uuid.uuid4().hex}", "message": text, "metadata": {}},
        timeout=60,
    )
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()
    assert replies, "the bot did not answer"
    return replies


def log_in(page: Page, account: dict[str, str]) -> None:
    page.fill("#login-username", account["username"])
    page.fill("#login-password", account["password"])
    page.press("#login-password", "Enter")


def log_in_operator(page: Page, account: dict[str, str]) -> None:
    """Log in and wait for the console (the inbox tab) to be there."""
    log_in(page, account)
    expect(page.locator("#view-inbox")).to_be_visible()
    expect(page.locator("#tab-inbox")).to_have_attribute("aria-selected", "true")


def search(page: Page, word: str) -> None:
    """Look for a message by its text, flagged or not, still pending."""
    page.fill("#f-q", word)
    page.locator("#f-flagged").set_checked(False)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#inbox-status")).not_to_have_text("正在加载…")


def open_message(page: Page, word: str) -> None:
    search(page, word)
    row = page.locator(".group-row", has_text=word)
    expect(row).to_have_count(1)
    row.get_by_role("button").first.click()
    expect(page.locator("#detail-facts")).to_contain_text(word)


def item_for(session_factory: sessionmaker[Session], word: str) -> ReviewItem:
    with session_factory() as session:
        query = select(ReviewItem).where(ReviewItem.text.contains(word))
        return session.scalars(query).one()


# -------------------------------------------------------------------- tests


def test_find_relabel_conflict_and_export(
    live: Stack,
    open_console: OpenConsole,
    operator_login: dict[str, str],
    operator_token: str,
    session_factory: sessionmaker[Session],
) -> None:
    word = marker()
    said = f"光纤断了{word}，屋头没得网，电话{PHONE_NUMBER}"
    resident_says(live, said)

    page, watch = open_console()
    # A colleague decides first: the page's own decision is answered 409, on purpose.
    watch.expect_failed_load("/api/operator/inbox/items/*/decision", 409)
    log_in_operator(page, operator_login)
    expect(page.locator("#who")).to_contain_text(operator_login["username"])

    # Found by the page's search, opened with the talk around it, phone masked.
    open_message(page, word)
    talk = page.locator("#detail-talk")
    reviewed = talk.locator(".turn.is-reviewed")
    expect(reviewed).to_have_count(1)
    expect(reviewed).to_contain_text(word)
    expect(reviewed).to_contain_text("【电话】")
    expect(talk.locator(".turn-bot").first).to_be_visible()
    assert talk.locator(".turn-bot .turn-text").first.inner_text().strip()
    assert PHONE_NUMBER not in page.locator("body").inner_text()
    expect(page.locator("#detail-history")).to_contain_text("还没有人处理过")
    screenshot(page, "operator-detail-desktop")

    # Relabelled through the dropdown; it leaves the pending list.
    page.select_option("#decide-intent", label="报事：其他诉求")
    page.get_by_role("button", name="改标", exact=True).click()
    expect(page.locator("#detail-done")).to_contain_text("已改标为 报事：其他诉求")
    expect(page.locator(".group-row", has_text=word)).to_have_count(0)
    expect(page.locator("#inbox-status")).to_contain_text("没有符合条件的消息")
    expect(page.locator("#detail-history")).to_contain_text("改标为 报事：其他诉求")
    item = item_for(session_factory, word)
    assert (item.status, item.label_intent) == ("relabelled", "report_other")
    assert item.decided_by == f"staff:{operator_login['username']}"

    # A colleague decides first on the message the page has open: 409, explained.
    other = marker()
    resident_says(live, f"楼下的路灯{other}不亮了")
    open_message(page, other)
    seen = item_for(session_factory, other)
    colleague = httpx.post(
        f"{live.app_url}/api/operator/inbox/items/{seen.id}/decision",
        json={"action": "noise", "expected_version": seen.version, "note": "测试"},
        headers={"Authorization": f"Bearer {operator_token}"},
    )
    assert colleague.status_code == 200, colleague.text
    page.get_by_role("button", name="无效", exact=True).click()
    conflict = page.locator("#detail-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("别人先处理了")
    expect(conflict).to_contain_text("已于")
    expect(conflict).to_contain_text("无效消息")
    expect(page.locator("#detail-history")).to_contain_text("标为无效")
    expect(page.locator("#detail-facts")).to_contain_text("无效消息")
    screenshot(page, "operator-conflict-desktop")
    # …and the operator may decide again on what is there now.
    page.select_option("#decide-intent", label="报事：公共设施")
    page.get_by_role("button", name="改标", exact=True).click()
    expect(page.locator("#detail-done")).to_contain_text("已改标为 报事：公共设施")
    expect(conflict).to_be_hidden()
    assert item_for(session_factory, other).label_intent == "report_public_facility"

    # Still readable at 768 px: nothing pushes the page sideways.
    page.set_viewport_size(TABLET)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page is {width}px wide at 768px"
    screenshot(page, "operator-detail-768")
    page.set_viewport_size(DESKTOP)

    # 导出: the summary says how many were written; the file holds the masked text.
    page.get_by_role("tab", name="导出与训练").click()
    page.get_by_role("button", name="导出", exact=True).click()
    result = page.locator("#export-result")
    expect(result).to_contain_text("已写入")
    written = re.search(r"已写入 (\d+) 条", result.inner_text())
    assert written and int(written.group(1)) >= 2
    exported = (Path(live.settings.training_data_dir) / "nlu_reviewed.yml").read_text("utf-8")
    assert word in exported and PHONE_NUMBER not in exported
    expect(page.locator("#jobs-title")).to_be_visible()
    screenshot(page, "operator-export-desktop")


def test_candidate_refused_by_the_guard(
    open_console: OpenConsole,
    operator_login: dict[str, str],
    refused_candidate: int,
    session_factory: sessionmaker[Session],
) -> None:
    page, watch = open_console()
    watch.expect_failed_load("/api/operator/models/*/promote", 409)  # the guard refuses
    log_in_operator(page, operator_login)

    # The tabs follow the arrow keys.
    page.locator("#tab-inbox").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#tab-models")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-models")).to_be_focused()

    row = page.locator(f'tr[data-version-id="{refused_candidate}"]')
    expect(row).to_contain_text("候选")
    expect(row).to_contain_text("91.0%")
    expect(row).to_contain_text("0 → 2 / 2")
    row.get_by_role("button", name="详情").click()

    version = page.locator("#version")
    expect(version.locator("#version-title")).to_contain_text(f"#{refused_candidate}")
    per_code = version.locator("table.per-code")
    leak = per_code.locator("tr", has_text="漏水渗水")
    expect(leak.locator(".delta.down")).to_have_text("-15.0 点")
    expect(per_code.locator("tr", has_text="其他诉求").locator(".delta.up")).to_have_text(
        "+15.0 点"
    )
    expect(version).to_contain_text("有变化的混淆")
    flips = version.locator(".flips-test")
    expect(flips.locator(".flip-fixed")).to_contain_text("光纤断了屋头没得网")
    expect(flips.locator(".flip-broken")).to_contain_text("卫生间天花板一直在滴水")
    expect(version.locator(".flips-reviewed .flip-fixed")).to_contain_text("宽带断了好几天了")
    expect(version).to_contain_text("在用模型答对 0 条，候选模型答对 2 条")
    expect(page.locator("#version-refusals")).to_contain_text("漏水渗水")

    # 上线 is refused with the reasons; overriding needs a reason (not given here).
    page.get_by_role("button", name="上线", exact=True).click()
    refused = page.locator("#promote-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("没有上线")
    expect(refused).to_contain_text("“漏水渗水”的 F1 从 95.0% 降到 80.0%")
    expect(page.locator("#override-reason")).to_be_visible()
    expect(page.locator("#override-reason")).to_be_focused()
    expect(page.get_by_role("button", name="仍要上线")).to_be_visible()
    # A too-short reason is stopped in the page, before any request.
    page.fill("#override-reason", "要")
    page.get_by_role("button", name="仍要上线").click()
    expect(refused).to_contain_text("理由至少写 4 个字")
    screenshot(page, "operator-refused-desktop")

    with session_factory() as session:
        candidate = session.get(ModelVersion, refused_candidate)
        assert candidate is not None and candidate.status == VersionStatus.CANDIDATE.value
    expect(row).to_contain_text("候选")


def test_training_progress_is_polled(
    open_console: OpenConsole,
    operator_login: dict[str, str],
    running_job: int,
    session_factory: sessionmaker[Session],
) -> None:
    page, _ = open_console()
    log_in_operator(page, operator_login)
    page.get_by_role("tab", name="导出与训练").click()

    job = page.locator("#job")
    expect(page.locator("#job-name")).to_have_text(f"训练 #{running_job}")
    expect(page.locator("#job-state")).to_have_text("进行中")
    expect(page.locator("#job-stage")).to_have_text("当前阶段：训练")
    expect(page.locator("#job-progress")).to_have_attribute("value", "40")
    expect(page.locator("#job-log")).to_contain_text("rasa data validate：通过")
    # One job at a time: the button waits while this one runs.
    expect(page.get_by_role("button", name="开始训练")).to_be_disabled()

    # The page follows the job every 2 s without being told.
    with transaction(session_factory) as session:
        row = session.get(TrainingJob, running_job)
        assert row is not None
        row.stage, row.progress = "评估", 80
        with Path(row.log_path).open("a", encoding="utf-8") as log:
            log.write("对比在用模型…\n")
    expect(page.locator("#job-stage")).to_have_text("当前阶段：评估")
    expect(page.locator("#job-progress")).to_have_attribute("value", "80")
    expect(page.locator("#job-log")).to_contain_text("对比在用模型")
    expect(page.locator(f'#jobs-rows tr[data-job-id="{running_job}"]')).to_contain_text("80%")
    screenshot(page, "operator-job-desktop")

    with transaction(session_factory) as session:
        row = session.get(TrainingJob, running_job)
        assert row is not None
        row.status, row.running_slot, row.finished_at = "failed", None, datetime.now(UTC)
        row.error = "rasa train 失败，在用的模型没有变化"
    expect(page.locator("#job-failed")).to_contain_text("训练失败：rasa train 失败")
    expect(page.locator("#job-state")).to_have_text("失败")
    expect(page.get_by_role("button", name="开始训练")).to_be_enabled()
    first = page.locator("#jobs-rows tr").first
    expect(first).to_contain_text(f"#{running_job}")
    expect(first).to_contain_text("失败")
    expect(job).to_be_visible()


def test_station_staff_and_expired_tokens_are_sent_back(
    open_console: OpenConsole, station_login: dict[str, str]
) -> None:
    page, watch = open_console()
    # A made-up token and a wrong password are refused (401), as they must be.
    for path in ("/api/auth/me", "/api/auth/logout", "/api/auth/token"):
        watch.expect_failed_load(path, 401)
    log_in(page, station_login)
    error = page.locator("#login-error")
    expect(error).to_contain_text("没有权限")
    expect(page.locator("#nav")).to_be_hidden()
    expect(page.locator("#view-inbox")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('zhy.operator.token')") is None

    page.evaluate("sessionStorage.setItem('zhy.operator.token', 'not-a-real-token')")
    page.reload()
    expect(error).to_contain_text("重新登录")
    expect(page.locator("#login-username")).to_be_focused()

    log_in(page, {"username": station_login["username"], "password": "wrong-password"})
    expect(error).to_have_text("用户名或密码不正确。")
