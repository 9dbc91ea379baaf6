"""A station's webhook receiver is down for an hour: every delivery arrives once it is back.

The app runs as a real process and an integration files reports through Open311;
each filing's dispatch event puts a delivery in the outbox for the station's
subscription. The delivery worker (api/webhooks/delivery.py, the code the app runs)
runs here with a clock the script advances, so an hour passes without waiting an
hour; every attempt is a real signed HTTP POST to a real receiver, a local HTTP
server. The receiver is up, then down for 60 simulated minutes (while reports keep
coming), then up again. It counts what arrives by delivery id: every delivery the
database holds arrives, each exactly once, with a valid signature; none is given up.

    .venv/bin/python -m faults.webhook_down [--before 50] [--during 100] [--down-minutes 60]
"""

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import select

from api.database import make_engine, make_session_factory, transaction
from api.rasa.fleet import free_port
from api.tickets.models import Ticket
from api.webhooks.delivery import DeliveryConfig, WebhookDeliverer
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.signing import new_secret, verify
from faults.common import App, lone_app, prepare_database, report
from faults.open311 import Filing, file_open311

NAME = "webhook_down"
STEP = timedelta(minutes=1)
MAX_DRAIN = timedelta(hours=12)


class Receiver:
    """A station's endpoint: a real HTTP server on a fixed loopback port, stoppable."""

    def __init__(self, port: int, secret: str) -> None:
        self.port = port
        self.secret = secret
        self.received: Counter[int] = Counter()
        self.bad_signatures = 0
        self._server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = verify(
                    receiver.secret, self.headers["X-Laoyang-Timestamp"], body,
                    self.headers["X-Laoyang-Signature"], time.time(),
                )  # fmt: skip
                receiver.bad_signatures += not signed
                receiver.received[int(self.headers["X-Laoyang-Delivery"])] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()  # the port refuses connections from now on


class SimulatedClock:
    """The worker's "now": the real time plus the time skipped so far."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skipped


def _subscribe(database_url: str, station_code: str, url: str) -> str:
    factory = make_session_factory(make_engine(database_url))
    secret = new_secret()
    with transaction(factory) as session:
        session.add(
            WebhookSubscription(
                station_code=station_code, url=url, secret=secret, active=True,
                created_by="staff:fault", created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    return secret


def _file(app: App, api_key: str, run: str, numbers: range) -> None:
    async def all_of_them() -> None:
        async with httpx.AsyncClient(base_url=app.url, timeout=30) as http:
            for i in numbers:
                filing = Filing(f"{run}-{i}", f"故障演练{run}第{i}号：路灯坏了")
                await file_open311(http, api_key, filing)

    asyncio.run(all_of_them())


def _outbox(database_url: str) -> dict[str, set[int]]:
    """The outbox's delivery ids by status."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(select(WebhookDelivery.status, WebhookDelivery.id)).all()
    engine.dispose()
    grouped: dict[str, set[int]] = {}
    for status, delivery_id in rows:
        grouped.setdefault(str(status), set()).add(int(delivery_id))
    return grouped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=int, default=50)
    parser.add_argument("--during", type=int, default=100)
    parser.add_argument("--down-minutes", type=int, default=60)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    logging.getLogger("api.webhooks").setLevel(logging.ERROR)  # one line per failed attempt
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'faults.db'}"
        api_key = prepare_database(database_url)
        app = lone_app(
            database_url, folder, webhook_worker=False, escalation_sweep=False,
            webhook_allowed_networks="127.0.0.1/32",
        )  # fmt: skip
        settings = app.settings
        app.start()
        try:
            _file(app, api_key, run, range(1))  # where this integration's reports go
            engine = make_engine(database_url)
            with make_session_factory(engine)() as session:
                station = session.scalars(select(Ticket.station_code)).one()
            engine.dispose()
            receiver = Receiver(free_port(), "")
            receiver.secret = _subscribe(
                database_url, station, f"http://127.0.0.1:{receiver.port}/laoyang"
            )
            clock = SimulatedClock()
            factory = make_session_factory(make_engine(database_url))
            worker = WebhookDeliverer(
                factory, DeliveryConfig.from_settings(settings), clock=clock, rng=random.Random(7)
            )
            attempts = 0

            def minute() -> None:
                nonlocal attempts
                attempts += worker.run_once(limit=10_000).attempted
                clock.skipped += STEP

            receiver.up()
            _file(app, api_key, run, range(1, 1 + args.before))
            minute()
            attempts_while_up = attempts
            receiver.down()
            filed = 1 + args.before
            for m in range(1, args.down_minutes + 1):
                upto = 1 + args.before + args.during * m // args.down_minutes
                _file(app, api_key, run, range(filed, upto))
                filed = upto
                minute()
            attempts_while_down = attempts
            receiver.up()
            back_at = clock.skipped
            while _outbox(database_url).get("pending") and clock.skipped - back_at < MAX_DRAIN:
                minute()
            drained_minutes = (clock.skipped - back_at) / STEP
            worker.close()
            receiver.down()
        finally:
            app.stop()
        outbox = _outbox(database_url)
    deliveries = set().union(*outbox.values())
    figures: dict[str, object] = {
        "reports_filed": filed,
        "deliveries_in_outbox": len(deliveries),
        "delivered": len(outbox.get("delivered", ())),
        "pending_at_end": len(outbox.get("pending", ())),
        "given_up": len(outbox.get("failed", ())),
        "arrived_at_receiver": len(receiver.received),
        "lost": len(deliveries - set(receiver.received)),
        "duplicated": sum(n - 1 for n in receiver.received.values()),
        "bad_signatures": receiver.bad_signatures,
        "attempts": attempts,
        "delivered_before_the_outage": attempts_while_up,
        "failed_attempts_while_down": attempts_while_down - attempts_while_up,
        "receiver_down_simulated_minutes": args.down_minutes,
        "simulated_minutes_to_deliver_all_after_back": drained_minutes,
        "seconds": round(time.monotonic() - began, 1),
    }
    report(NAME, figures)
    bad = len(outbox.get("pending", ())) + len(outbox.get("failed", ())) + receiver.bad_signatures
    return 1 if bad or figures["lost"] or figures["duplicated"] else 0


if __name__ == "__main__":
    sys.exit(main())
