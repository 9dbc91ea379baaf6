"""The webhook outbox and its delivery worker, against a real HTTP receiver.

Nothing on the path is mocked: tickets are filed by the ticket service, the
outbox listener writes deliveries in the same transaction, the worker POSTs
them over loopback to a small HTTP server that checks the signature. Only the
clock is injected, so retries hours apart take no time.
"""

import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.cli import main
from api.database import make_session_factory, transaction
from api.main import create_app
from api.settings import Settings, get_settings
from api.tickets.handover import ReturnReason, return_ticket, transfer
from api.tickets.lifecycle import sign
from api.tickets.models import EventKind, Ticket, TicketEvent
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from api.webhooks.delivery import DeliveryConfig, Outcome, WebhookDeliverer
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks.outbox import install_outbox
from api.webhooks.service import deactivate_subscription
from api.webhooks.signing import new_secret, verify
from api.webhooks.urls import URLPolicy

TZ = ZoneInfo("Asia/Shanghai")
DISTRICT = "500107"
TIANBAOLU = "500107001011"
XIJIAO = "500107001001"
YANGJIAPING = "500107001"
PHONE = "13812345678"
DESCRIPTION = "楼上漏水到我家天花板了"
OPEN = URLPolicy(allow_private=True)


class FakeClock:
    """The worker's notion of now, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """A station's endpoint: checks the signature, fails the first `fail_times` tries."""

    secret: str = ""
    fail_times: int = 0
    fail_status: int = 500
    received: list[Received] = field(default_factory=list)
    url: str = ""
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tries: Counter[str] = Counter()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        verified = verify(
            self.secret,
            headers.get("X-Laoyang-Timestamp", ""),
            body,
            headers.get("X-Laoyang-Signature", ""),
            time.time(),
        )
        with self._lock:
            self.received.append(Received(path, headers, body, verified))
            delivery = headers.get("X-Laoyang-Delivery", "")
            self._tries[delivery] += 1
            if not verified:
                return 401
            return self.fail_status if self._tries[delivery] <= self.fail_times else 204

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = state.handle(self.path, dict(self.headers.items()), body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    state.url = f"http://127.0.0.1:{state.port}/hooks/laoyang"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def outbox_factory(engine: Engine, registry: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions as the app makes them: with the outbox listener installed."""
    factory = make_session_factory(engine)
    install_outbox(factory)
    yield factory
    # Leave no live subscription behind for other tests' tickets.
    with transaction(factory) as session:
        for subscription in session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        ):
            deactivate_subscription(session, subscription)


def subscribe(
    factory: sessionmaker[Session], station_code: str, receiver: Receiver
) -> WebhookSubscription:
    secret = new_secret()
    receiver.secret = secret
    with transaction(factory) as session:
        subscription = WebhookSubscription(
            station_code=station_code,
            url=receiver.url,
            secret=secret,
            active=True,
            created_by="staff:test",
            created_at=datetime.now(UTC),
        )
        session.add(subscription)
    return subscription


def file_ticket(factory: sessionmaker[Session], community: str) -> Ticket:
    report = NewReport(
        service_code="water_leak",
        description=DESCRIPTION,
        community_code=community,
        location_text=f"测试小区 {uuid.uuid4().hex[:8]} 栋",
        contact_phone=PHONE,
        sender_id=f"test-{uuid.uuid4().hex[:12]}",
    )
    with factory() as session:
        filed = file_report(
            session, report, tz=TZ, default_district_code=DISTRICT, now=datetime.now(TZ)
        )
    assert filed.created
    return filed.ticket


def deliveries_of(
    factory: sessionmaker[Session], subscription: WebhookSubscription
) -> list[WebhookDelivery]:
    with factory() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.subscription_id == subscription.id)
                .order_by(WebhookDelivery.id)
            )
        )


def deliverer(
    factory: sessionmaker[Session],
    clock: FakeClock,
    *,
    max_attempts: int = 8,
    policy: URLPolicy = OPEN,
    resolver: Any = None,
) -> WebhookDeliverer:
    config = DeliveryConfig(
        policy=policy, timeout_seconds=2.0, max_attempts=max_attempts, lease=timedelta(seconds=60)
    )
    extra = {"resolver": resolver} if resolver else {}
    return WebhookDeliverer(factory, config, clock=clock, rng=random.Random(7), **extra)


# -- the outbox ------------------------------------------------------------------------------


def test_filing_a_report_queues_created_and_dispatched_for_the_station(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    elsewhere = subscribe(outbox_factory, XIJIAO, Receiver())
    ticket = file_ticket(outbox_factory, TIANBAOLU)

    queued = deliveries_of(outbox_factory, subscription)
    assert [d.event_type for d in queued] == ["ticket.created", "ticket.dispatched"]
    assert all(d.status == "pending" and d.attempts == 0 for d in queued)
    assert all(d.ticket_id == ticket.id for d in queued)
    with outbox_factory() as session:
        events = {e.id: e.kind for e in session.scalars(select(TicketEvent))}
    assert [events[d.event_id] for d in queued if d.event_id] == ["created", "dispatched"]
    assert deliveries_of(outbox_factory, elsewhere) == []

    payload = queued[1].payload
    assert payload["ticket"]["number"] == ticket.number
    assert payload["ticket"]["service_code"] == "water_leak"
    assert payload["ticket"]["status"] == "dispatched"
    assert payload["stations"] == {"holding": TIANBAOLU, "previous": None, "supervisor": None}
    assert payload["change"]["kind"] == "dispatched"
    assert payload["change"]["actor"] == "system"
    text = json.dumps([d.payload for d in queued], ensure_ascii=False)
    assert PHONE not in text and DESCRIPTION not in text and "测试小区" not in text
    assert "sender" not in text


def test_inactive_subscriptions_get_nothing(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with transaction(outbox_factory) as session:
        stored = session.get(WebhookSubscription, subscription.id)
        assert stored is not None
        deactivate_subscription(session, stored)
    file_ticket(outbox_factory, TIANBAOLU)
    assert deliveries_of(outbox_factory, subscription) == []


@pytest.mark.parametrize("link", ["relationship", "ticket_id"])
def test_a_direct_event_insert_is_queued_with_phones_masked(
    outbox_factory: sessionmaker[Session], receiver: Receiver, link: str
) -> None:
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        note = TicketEvent(
            kind=EventKind.NOTE,
            status=None,
            actor="staff:wang.li",
            note=f"已电话联系居民 {PHONE}，明早上门",
            data={"contact_phone": PHONE, "visit": "明早", "count": 2, "nested": {"a": 1}},
            created_at=datetime.now(UTC),
        )
        if link == "relationship":
            stored.events.append(note)
        else:
            note.ticket_id = stored.id
            session.add(note)

    [queued] = deliveries_of(outbox_factory, subscription)
    assert queued.event_type == "ticket.note"
    assert queued.event_id is not None
    change = queued.payload["change"]
    assert "138****5678" in change["note"] and PHONE not in change["note"]
    assert change["data"] == {"visit": "明早", "count": 2}
    assert change["actor"] == "staff:wang.li"


def test_a_ticket_and_its_event_in_one_flush_are_linked_by_relationship(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    """Neither the ticket nor the event has an id when the listener runs."""
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    now = datetime.now(UTC)
    with transaction(outbox_factory) as session:
        ticket = Ticket(
            number=f"LY-20991231-{uuid.uuid4().int % 10**6:06d}",
            service_code="water_leak",
            description=DESCRIPTION,
            emergency=False,
            station_code=TIANBAOLU,
            dispatch_reason="community",
            dispatch_note="测试",
            status="dispatched",
            created_at=now,
            contact_due_at=now + timedelta(hours=48),
            resolve_due_at=now + timedelta(days=7),
            escalation_level=0,
            return_count=0,
        )
        ticket.events.append(
            TicketEvent(kind=EventKind.CREATED, actor="resident", data={}, created_at=now)
        )
        session.add(ticket)
        number = ticket.number
    [queued] = deliveries_of(outbox_factory, subscription)
    with outbox_factory() as session:
        stored = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert queued.ticket_id == stored.id
        assert queued.event_id == stored.events[0].id
    assert queued.payload["ticket"]["number"] == number


def test_residents_notes_are_never_sent(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        stored.events.append(
            TicketEvent(
                kind=EventKind.RATED,
                actor="resident",
                note="王师傅很好，我住3栋502",
                data={"stars": 5},
                created_at=datetime.now(UTC),
            )
        )
    [queued] = deliveries_of(outbox_factory, subscription)
    assert queued.payload["change"]["note"] is None
    assert queued.payload["change"]["data"] == {"stars": 5}


def test_a_rolled_back_change_queues_nothing(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with outbox_factory() as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        stored.status = "signed"
        stored.events.append(
            TicketEvent(kind=EventKind.SIGNED, status="signed", actor="staff:x", data={})
        )
        session.flush()
        inside = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
        ).all()
        assert len(inside) == 1  # written in the same transaction as the event…
        session.rollback()  # …and gone with it
    assert deliveries_of(outbox_factory, subscription) == []


def test_a_transfer_tells_both_the_old_and_the_new_station(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    old = subscribe(outbox_factory, TIANBAOLU, receiver)
    new = subscribe(outbox_factory, XIJIAO, Receiver())
    bystander = subscribe(outbox_factory, YANGJIAPING, Receiver())
    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        stored.station_code = XIJIAO  # as the lifecycle does: move, then log the move
        stored.events.append(
            TicketEvent(
                kind=EventKind.TRANSFERRED,
                status="dispatched",
                actor="staff:wang.li",
                note="属西郊二村辖区",
                data={"station_code": XIJIAO, "from_station_code": TIANBAOLU},
                created_at=datetime.now(UTC),
            )
        )
    [to_old] = deliveries_of(outbox_factory, old)
    [to_new] = deliveries_of(outbox_factory, new)
    assert deliveries_of(outbox_factory, bystander) == []
    assert to_old.event_id == to_new.event_id
    assert to_new.payload["stations"]["holding"] == XIJIAO
    assert to_new.payload["stations"]["previous"] == TIANBAOLU
    assert to_new.payload["ticket"]["station_code"] == XIJIAO


def test_an_escalation_also_tells_the_supervising_station(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    holder = subscribe(outbox_factory, TIANBAOLU, receiver)
    town = subscribe(outbox_factory, YANGJIAPING, Receiver())
    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        stored.events.append(
            TicketEvent(
                kind=EventKind.ESCALATED,
                actor="system",
                note="天宝路社区超过签收时限仍未签收，提请杨家坪街道督办",
                data={
                    "stage": "contact",
                    "station_code": TIANBAOLU,
                    "supervisor_code": YANGJIAPING,
                },
                created_at=datetime.now(UTC),
            )
        )
    [to_holder] = deliveries_of(outbox_factory, holder)
    [to_town] = deliveries_of(outbox_factory, town)
    assert to_holder.event_id == to_town.event_id
    assert to_town.payload["stations"] == {
        "holding": TIANBAOLU,
        "previous": None,
        "supervisor": YANGJIAPING,
    }


# -- delivery --------------------------------------------------------------------------------


def test_delivered_after_two_failures_with_backoff(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.fail_times = 2
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    clock = FakeClock()
    worker = deliverer(outbox_factory, clock)

    first = worker.run_once()
    assert (first.delivered, first.retrying) == (0, 2)
    assert worker.run_once().attempted == 0  # nothing is due before the backoff
    waiting = deliveries_of(outbox_factory, subscription)
    for delivery in waiting:
        assert delivery.attempts == 1
        assert delivery.last_status_code == 500
        assert delivery.last_error == "接收方返回 HTTP 500"
        wait = delivery.next_attempt_at - clock.now
        assert timedelta(seconds=24) <= wait <= timedelta(seconds=36)

    clock.advance(timedelta(seconds=40))
    assert worker.run_once().retrying == 2
    for delivery in deliveries_of(outbox_factory, subscription):
        wait = delivery.next_attempt_at - clock.now
        assert timedelta(seconds=96) <= wait <= timedelta(seconds=144)

    clock.advance(timedelta(minutes=3))
    assert worker.run_once().delivered == 2
    done = deliveries_of(outbox_factory, subscription)
    assert [(d.status, d.attempts, d.last_status_code) for d in done] == [
        ("delivered", 3, 204),
        ("delivered", 3, 204),
    ]
    assert all(d.delivered_at == clock.now and d.last_error is None for d in done)
    worker.close()

    assert len(receiver.received) == 6
    assert all(r.verified for r in receiver.received)
    first_request = receiver.received[0]
    assert first_request.path == "/hooks/laoyang"
    assert first_request.headers["X-Laoyang-Event"] in ("ticket.created", "ticket.dispatched")
    assert first_request.headers["X-Laoyang-Signature"].startswith("sha256=")
    assert first_request.headers["Content-Type"].startswith("application/json")
    by_delivery: dict[str, set[bytes]] = {}
    for request in receiver.received:
        by_delivery.setdefault(request.headers["X-Laoyang-Delivery"], set()).add(request.body)
    assert all(len(bodies) == 1 for bodies in by_delivery.values())  # same body every time
    bodies = {body["type"]: body for body in receiver.bodies()}
    dispatched = bodies["ticket.dispatched"]
    assert dispatched["ticket"]["number"] == ticket.number
    assert dispatched["delivery_id"] == done[1].id
    assert dispatched["event_id"] == done[1].event_id
    raw = b"".join(r.body for r in receiver.received).decode()
    assert PHONE not in raw and DESCRIPTION not in raw


def test_a_receiver_that_never_accepts_ends_failed(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.fail_times = 1000
    receiver.fail_status = 503
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    file_ticket(outbox_factory, TIANBAOLU)
    clock = FakeClock()
    worker = deliverer(outbox_factory, clock, max_attempts=4)
    for _ in range(10):
        worker.run_once()
        clock.advance(timedelta(hours=2))
    worker.close()
    failed = deliveries_of(outbox_factory, subscription)
    assert [(d.status, d.attempts, d.last_status_code) for d in failed] == [
        ("failed", 4, 503),
        ("failed", 4, 503),
    ]
    assert len(receiver.received) == 8


def test_redirects_are_not_followed(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.fail_times = 1
    receiver.fail_status = 302
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    file_ticket(outbox_factory, TIANBAOLU)
    worker = deliverer(outbox_factory, FakeClock())
    worker.run_once()
    worker.close()
    delivery = deliveries_of(outbox_factory, subscription)[0]
    assert delivery.status == "pending"
    assert delivery.last_status_code == 302
    assert "不跟随重定向" in (delivery.last_error or "")


def test_nothing_is_lost_when_a_worker_dies_mid_delivery(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    file_ticket(outbox_factory, TIANBAOLU)
    clock = FakeClock()
    crashed = deliverer(outbox_factory, clock)
    claimed = crashed.claim()
    assert claimed is not None
    # …and the process is killed here: never sent, never recorded.

    restarted = deliverer(outbox_factory, clock)
    assert restarted.run_once().delivered == 1  # the other delivery; ours is leased
    assert receiver.received and all(
        r.headers["X-Laoyang-Delivery"] != str(claimed.id) for r in receiver.received
    )
    clock.advance(timedelta(seconds=61))  # the lease runs out
    assert restarted.run_once().delivered == 1
    redelivered = [
        r for r in receiver.received if r.headers["X-Laoyang-Delivery"] == str(claimed.id)
    ]
    assert len(redelivered) == 1 and redelivered[0].verified

    # The dead worker's late report cannot undo the newer attempt.
    assert crashed.record(claimed, Outcome(False, 500, "late")) is None
    done = deliveries_of(outbox_factory, subscription)
    assert all(d.status == "delivered" for d in done)
    assert {d.id: d.attempts for d in done}[claimed.id] == 2
    crashed.close()
    restarted.close()


def test_two_workers_never_send_the_same_delivery_twice(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    for _ in range(6):
        file_ticket(outbox_factory, TIANBAOLU)
    clock = FakeClock()
    workers = [deliverer(outbox_factory, clock) for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.close()
    done = deliveries_of(outbox_factory, subscription)
    assert len(done) == 12
    assert all(d.status == "delivered" and d.attempts == 1 for d in done)
    sent = Counter(r.headers["X-Laoyang-Delivery"] for r in receiver.received)
    assert sorted(sent) == sorted(str(d.id) for d in done)
    assert set(sent.values()) == {1}


def test_dns_rebinding_is_caught_at_delivery_time(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    """Registered while the name looked public; by delivery time it points at loopback."""
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with transaction(outbox_factory) as session:
        stored = session.get(WebhookSubscription, subscription.id)
        assert stored is not None
        stored.url = f"http://rebind.example:{receiver.port}/hooks/laoyang"
    file_ticket(outbox_factory, TIANBAOLU)
    worker = deliverer(
        outbox_factory, FakeClock(), policy=URLPolicy(), resolver=lambda host, port: ["127.0.0.1"]
    )
    assert worker.run_once().retrying == 2
    worker.close()
    assert receiver.received == []
    delivery = deliveries_of(outbox_factory, subscription)[0]
    assert delivery.last_status_code is None
    assert "本机回环地址" in (delivery.last_error or "")


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    with transaction(outbox_factory) as session:
        stored = session.get(WebhookSubscription, subscription.id)
        assert stored is not None
        stored.url = f"http://station.example:{receiver.port}/hooks/laoyang"
    file_ticket(outbox_factory, TIANBAOLU)
    worker = deliverer(outbox_factory, FakeClock(), resolver=lambda host, port: ["127.0.0.1"])
    assert worker.run_once().delivered == 2
    worker.close()
    assert {r.headers["Host"] for r in receiver.received} == {f"station.example:{receiver.port}"}


def test_deliveries_of_a_deactivated_subscription_are_given_up(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    file_ticket(outbox_factory, TIANBAOLU)
    with transaction(outbox_factory) as session:
        stored = session.get(WebhookSubscription, subscription.id)
        assert stored is not None
        stored.active = False  # switched off without cancelling (e.g. by hand in the database)
    worker = deliverer(outbox_factory, FakeClock())
    assert worker.run_once().attempted == 0
    worker.close()
    assert receiver.received == []
    assert {(d.status, d.last_error) for d in deliveries_of(outbox_factory, subscription)} == {
        (DeliveryStatus.FAILED.value, "订阅已停用，不再投递")
    }


# -- through the staff API -------------------------------------------------------------------


def staff_token(factory: sessionmaker[Session], station_code: str) -> str:
    with transaction(factory) as session:
        account = create_account(
            session,
            username=f"wh-staff-{uuid.uuid4().hex[:8]}",
            display_name="天宝路社区 王丽",
            role=Role.STATION_STAFF,
            station_code=station_code,
            password="correct-horse-battery",
        )
        return issue_token(session, account, kind=TokenKind.BEARER, now=datetime.now(UTC)).token


def test_failed_deliveries_are_listed_and_can_be_redelivered(
    database_url: str, outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    settings = Settings(database_url=database_url, webhook_allow_private=True, webhook_worker=False)
    headers = {"Authorization": f"Bearer {staff_token(outbox_factory, TIANBAOLU)}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        created = client.post("/api/staff/webhooks", json={"url": receiver.url}, headers=headers)
        assert created.status_code == 201, created.text
        subscription = created.json()
        receiver.secret = subscription["secret"]
        receiver.fail_times = 3
        ticket = file_ticket(outbox_factory, TIANBAOLU)

        clock = FakeClock()
        worker = deliverer(outbox_factory, clock, max_attempts=3)
        for _ in range(4):
            worker.run_once()
            clock.advance(timedelta(hours=1))
        deliveries_url = f"/api/staff/webhooks/{subscription['id']}/deliveries"
        failed = client.get(deliveries_url, params={"status": "failed"}, headers=headers).json()
        assert [(d["event_type"], d["status"], d["attempts"]) for d in failed] == [
            ("ticket.dispatched", "failed", 3),
            ("ticket.created", "failed", 3),
        ]
        assert all(d["ticket_number"] == ticket.number for d in failed)
        assert all(d["last_status_code"] == 500 for d in failed)
        assert all(d["last_error"] == "接收方返回 HTTP 500" for d in failed)
        assert all(d["next_attempt_at"] is None for d in failed)
        shown = client.get(f"/api/staff/webhooks/{subscription['id']}", headers=headers).json()
        assert shown["deliveries"] == {"pending": 0, "delivered": 0, "failed": 2}

        target = failed[0]["id"]
        again = client.post(f"{deliveries_url}/{target}/redeliver", headers=headers)
        assert again.status_code == 202, again.text
        assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
        assert worker.run_once().delivered == 1  # the receiver accepts from the 4th try on
        worker.close()

        listed = client.get(deliveries_url, headers=headers).json()
        assert (listed[0]["id"], listed[0]["status"]) == (target, "delivered")
        assert listed[1]["status"] == "failed"
        twice = client.post(f"{deliveries_url}/{target}/redeliver", headers=headers)
        assert twice.status_code == 409
        assert twice.json()["detail"] == "只有投递失败的记录可以重新投递"
        missing = client.post(f"{deliveries_url}/999999999/redeliver", headers=headers)
        assert missing.status_code == 404
        assert all(r.verified for r in receiver.received)


def test_the_cli_delivers_what_is_due(
    database_url: str,
    outbox_factory: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subscription = subscribe(outbox_factory, TIANBAOLU, receiver)
    file_ticket(outbox_factory, TIANBAOLU)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    try:
        assert main(["webhooks", "deliver"]) == 0
    finally:
        get_settings.cache_clear()
    assert "成功 2" in capsys.readouterr().out
    assert {d.status for d in deliveries_of(outbox_factory, subscription)} == {"delivered"}
    assert len(receiver.received) == 2 and all(r.verified for r in receiver.received)


# -- with the real lifecycle -----------------------------------------------------------------


def event_types_by_station(
    factory: sessionmaker[Session], ticket: Ticket, subscriptions: dict[str, WebhookSubscription]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code, subscription in subscriptions.items():
        found[code] = [
            d.event_type for d in deliveries_of(factory, subscription) if d.ticket_id == ticket.id
        ]
    return found


def test_lifecycle_changes_reach_the_stations_concerned(
    outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    subscriptions = {
        code: subscribe(outbox_factory, code, Receiver())
        for code in (TIANBAOLU, XIJIAO, YANGJIAPING)
    }
    ticket = file_ticket(outbox_factory, TIANBAOLU)
    now = datetime.now(TZ)
    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        sign(session, stored, actor="staff:tianbao", now=now)
        transfer(
            session,
            stored,
            actor="staff:tianbao",
            now=now,
            to_station_code=XIJIAO,
            note=f"属西郊二村辖区，居民电话 {PHONE}",
        )
    assert event_types_by_station(outbox_factory, ticket, subscriptions) == {
        TIANBAOLU: ["ticket.created", "ticket.dispatched", "ticket.signed", "ticket.transferred"],
        XIJIAO: ["ticket.transferred"],
        YANGJIAPING: [],
    }

    with transaction(outbox_factory) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        return_ticket(
            session, stored, actor="staff:xijiao", now=now, reason=ReturnReason.WRONG_AREA
        )
        assert stored.station_code == YANGJIAPING  # no coordinates: up to the town station
    assert event_types_by_station(outbox_factory, ticket, subscriptions) == {
        TIANBAOLU: ["ticket.created", "ticket.dispatched", "ticket.signed", "ticket.transferred"],
        XIJIAO: ["ticket.transferred", "ticket.returned", "ticket.dispatched"],
        YANGJIAPING: ["ticket.dispatched"],
    }
    [redispatched] = [
        d
        for d in deliveries_of(outbox_factory, subscriptions[YANGJIAPING])
        if d.ticket_id == ticket.id
    ]
    assert redispatched.payload["stations"]["holding"] == YANGJIAPING
    assert redispatched.payload["stations"]["previous"] == XIJIAO
    [transferred] = [
        d
        for d in deliveries_of(outbox_factory, subscriptions[XIJIAO])
        if d.event_type == "ticket.transferred"
    ]
    assert PHONE not in json.dumps(transferred.payload, ensure_ascii=False)
    assert transferred.payload["stations"]["previous"] == TIANBAOLU


def test_the_apps_own_worker_delivers_in_the_background(
    database_url: str, outbox_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    settings = Settings(
        database_url=database_url, webhook_allow_private=True, webhook_poll_seconds=0.1
    )
    headers = {"Authorization": f"Bearer {staff_token(outbox_factory, TIANBAOLU)}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        created = client.post("/api/staff/webhooks", json={"url": receiver.url}, headers=headers)
        receiver.secret = created.json()["secret"]
        ticket = file_ticket(outbox_factory, TIANBAOLU)
        deadline = time.monotonic() + 15
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(r.headers["X-Laoyang-Event"] for r in receiver.received) == [
        "ticket.created",
        "ticket.dispatched",
    ]
    assert all(r.verified for r in receiver.received)
    assert {body["ticket"]["number"] for body in receiver.bodies()} == {ticket.number}
