"""The 公众号 endpoint in process (no Rasa): checks, modes, events, the token, the notifier.

WeChat's side is the fake on loopback (tests/wechat_fake.py); the app calls its API for
real. Conversations through the real Rasa are in tests/e2e/test_wechat.py.
"""

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.database import transaction
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.wechat import conversation
from api.wechat.client import OUT_OF_WINDOW, QUOTA, WechatApi, WechatApiError
from api.wechat.models import (
    WechatAccessToken,
    WechatInbound,
    WechatOutbound,
    WechatResident,
)
from api.wechat.notifier import Notifier
from api.wechat.token import TokenHolder
from tests.wechat_fake import APP_SECRET, TEMPLATE_ID, FakeWechat, message_xml, sha1_signature

APP_ID = "wxintegration000"  # a token row of its own, apart from the live stack's


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path, fake_wechat: FakeWechat) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=1.0,
        webhook_worker=False,
        escalation_sweep=False,
        **{**fake_wechat.settings(), "wechat_app_id": "wx0123456789abcdef"},
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def openid() -> str:
    return f"oInt{uuid.uuid4().hex[:20]}"


def inbound_rows(factory: sessionmaker[Session], key: str) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).where(WechatInbound.key == key)) or 0


def test_without_a_token_the_channel_is_not_there(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, rasa_port=free_port()))
    with TestClient(app) as http:
        assert http.get("/wechat", params={"echostr": "x"}).status_code == 404
        assert http.post("/wechat", content=b"<xml/>").status_code == 404


def test_url_verification_echoes_only_for_our_signature(client: TestClient) -> None:
    stamp, nonce = str(int(time.time())), "n0nce"
    params = {"timestamp": stamp, "nonce": nonce, "echostr": "4567890123"}
    signed = client.get(
        "/wechat",
        params={**params, "signature": sha1_signature("zhihuiyang-test-token", stamp, nonce)},
    )
    assert (signed.status_code, signed.text) == (200, "4567890123")
    forged = client.get(
        "/wechat", params={**params, "signature": sha1_signature("x", stamp, nonce)}
    )
    assert forged.status_code == 403


def test_bad_or_stale_signatures_are_refused_and_nothing_is_kept(
    client: TestClient, fake_wechat: FakeWechat, session_factory: sessionmaker[Session]
) -> None:
    xml = message_xml(openid(), "text", Content="家里漏水了", MsgId="771001")
    assert fake_wechat.push(client, xml, token="wrong-token").status == 403
    assert fake_wechat.push(client, xml, stamp=int(time.time()) - 3600).status == 403
    assert fake_wechat.push(client, xml, mode="aes", token="wrong-token").status == 403
    assert inbound_rows(session_factory, "msg:771001") == 0


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>',
        b"<xml><ToUserName>a</ToUserName>",
        b"hello",
        b"<xml><MsgType>text</MsgType></xml>",
    ],
)
def test_malformed_bodies_get_400(client: TestClient, fake_wechat: FakeWechat, body: bytes) -> None:
    assert fake_wechat.push(client, body).status == 400


def test_a_huge_body_gets_413(client: TestClient, fake_wechat: FakeWechat) -> None:
    xml = message_xml(openid(), "text", Content="水" * 40_000, MsgId="771002")
    assert fake_wechat.push(client, xml).status == 413


@pytest.mark.parametrize("mode", ["plain", "compatible", "aes"])
def test_follow_gets_the_welcome_in_the_mode_it_came_in(
    client: TestClient, fake_wechat: FakeWechat, session_factory: sessionmaker[Session], mode: str
) -> None:
    who = openid()
    xml = message_xml(who, "event", Event="subscribe", CreateTime=1_790_000_000)
    first = fake_wechat.push(client, xml, mode=mode)
    assert first.status == 200 and first.text is not None
    assert first.text.startswith("您好，感谢关注！") and "回复 1 家里漏水" in first.text
    again = fake_wechat.push(client, xml, mode=mode)  # WeChat's retry of the same event
    assert again.text == first.text
    assert inbound_rows(session_factory, f"evt:{who}:1790000000") == 1


def test_images_and_voice_get_a_polite_line(client: TestClient, fake_wechat: FakeWechat) -> None:
    for kind in ("image", "voice"):
        xml = message_xml(openid(), kind, MediaId="m1", MsgId=str(771100 + len(kind)))
        assert fake_wechat.push(client, xml).text == conversation.UNSUPPORTED
    other_event = message_xml(openid(), "event", Event="CLICK", EventKey="k")
    assert fake_wechat.push(client, other_event).body == "success"


def test_rasa_down_is_a_friendly_line_not_an_error(
    client: TestClient, fake_wechat: FakeWechat
) -> None:
    xml = message_xml(openid(), "text", Content="家里停电了", MsgId="771200")
    assert fake_wechat.push(client, xml).text == conversation.BUSY


def holder(factory: sessionmaker[Session], base: str) -> TokenHolder:
    return TokenHolder(factory, api_base=base, app_id=APP_ID, app_secret=APP_SECRET)


def test_one_token_for_every_process_refreshed_before_expiry(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    before = fake_wechat.tokens_issued
    first, second = (
        holder(session_factory, fake_wechat.api_base),
        holder(session_factory, fake_wechat.api_base),
    )
    token = asyncio.run(first.get())
    assert asyncio.run(second.get()) == token  # the second process reads, never fetches
    assert fake_wechat.tokens_issued == before + 1
    with transaction(session_factory) as session:
        row = session.get(WechatAccessToken, APP_ID)
        assert row is not None
        row.expires_at = datetime.now(UTC) + timedelta(minutes=2)  # inside the margin
    renewed = asyncio.run(second.get())
    assert renewed != token and asyncio.run(first.get()) == renewed
    assert fake_wechat.tokens_issued == before + 2
    # A rejected token is replaced once, even when both processes saw it rejected.
    replaced = asyncio.run(first.replace(renewed))
    assert asyncio.run(second.replace(renewed)) == replaced
    assert fake_wechat.tokens_issued == before + 3


def queue_progress(factory: sessionmaker[Session], who: str, *, hours_ago: float) -> int:
    now = datetime.now(UTC)
    with transaction(factory) as session:
        session.add(
            WechatResident(openid=who, choices=[], last_inbound_at=now - timedelta(hours=hours_ago))
        )
        row = WechatOutbound(
            openid=who, kind="progress", ticket_number="LY-20261205-9999", event_kind="signed",
            text="您的工单 LY-20261205-9999（漏水渗水）有新进展：已签收。", status="pending",
            attempts=0, next_attempt_at=now, created_at=now,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def send_until_done(
    factory: sessionmaker[Session], fake: FakeWechat, row_id: int
) -> WechatOutbound:
    """Run notifier passes until the row is sent or waits after a failed attempt (the app's
    own notifier, or the live stack's, may take the row instead)."""
    api = WechatApi(holder(factory, fake.api_base), fake.api_base)
    notifier = Notifier(factory, api, TEMPLATE_ID)
    deadline = time.monotonic() + 10
    try:
        while True:
            asyncio.run(notifier.run_once())
            with factory() as session:
                row = session.get(WechatOutbound, row_id)
                assert row is not None
                if row.status == "sent" or time.monotonic() > deadline:
                    return row
                waiting = row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=5)
                if row.last_error and waiting:  # an attempt failed and was recorded
                    return row
            time.sleep(0.2)
    finally:
        asyncio.run(api.close())


def test_inside_the_window_a_customer_service_message(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    who = openid()
    row = send_until_done(
        session_factory, fake_wechat, queue_progress(session_factory, who, hours_ago=1)
    )
    assert (row.status, row.channel) == ("sent", "custom")
    assert fake_wechat.to(who) == ["您的工单 LY-20261205-9999（漏水渗水）有新进展：已签收。"]


def test_outside_the_window_or_refused_a_template_message(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    late = openid()
    row = send_until_done(
        session_factory, fake_wechat, queue_progress(session_factory, late, hours_ago=50)
    )
    assert (row.status, row.channel) == ("sent", "template")
    [sent] = fake_wechat.templates_to(late)
    assert (
        sent["template_id"] == TEMPLATE_ID
        and sent["data"]["keyword1"]["value"] == "LY-20261205-9999"
    )

    refused = openid()  # WeChat says the window closed although we thought it open
    fake_wechat.fail_next("custom", OUT_OF_WINDOW)
    row = send_until_done(
        session_factory, fake_wechat, queue_progress(session_factory, refused, hours_ago=47)
    )
    assert (row.status, row.channel) == ("sent", "template")


def test_quota_used_up_everywhere_waits_and_loses_nothing(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    who = openid()
    fake_wechat.fail_next("custom", QUOTA)
    fake_wechat.fail_next("template", QUOTA)
    row_id = queue_progress(session_factory, who, hours_ago=1)
    row = send_until_done(session_factory, fake_wechat, row_id)
    assert row.status == "pending" and row.attempts == 1 and "45009" in (row.last_error or "")
    with transaction(session_factory) as session:  # the quota is back the next day
        waiting = session.get(WechatOutbound, row_id)
        assert waiting is not None
        waiting.next_attempt_at, waiting.last_error = datetime.now(UTC), None
    row = send_until_done(session_factory, fake_wechat, row_id)
    assert (row.status, row.channel) == ("sent", "custom")
    assert len(fake_wechat.to(who)) == 1


def test_an_unfollowed_resident_is_given_up_at_once(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    who = openid()
    fake_wechat.fail_next("custom", 43004)
    row = send_until_done(
        session_factory, fake_wechat, queue_progress(session_factory, who, hours_ago=1)
    )
    assert row.status == "failed" and "43004" in (row.last_error or "")


def test_no_token_to_be_had_keeps_the_message_waiting(
    session_factory: sessionmaker[Session], fake_wechat: FakeWechat
) -> None:
    who = openid()
    row_id = queue_progress(session_factory, who, hours_ago=1)
    wrong = TokenHolder(session_factory, api_base=fake_wechat.api_base, app_id="wxwrongsecret00",
                        app_secret="not-the-secret")  # fmt: skip
    api = WechatApi(wrong, fake_wechat.api_base)
    try:
        with pytest.raises(WechatApiError) as refused:
            asyncio.run(api.send_text(who, "x"))
        assert refused.value.code == 0 and "40125" in str(refused.value)
    finally:
        asyncio.run(api.close())
    row = send_until_done(session_factory, fake_wechat, row_id)  # the right secret
    assert row.status == "sent"
