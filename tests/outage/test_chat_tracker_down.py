"""PostgreSQL, which holds the app's database and Rasa's conversations, stops mid-report.

A private PostgreSQL server (faults/pg.py: its own folder and port, never the shared
one) is stopped for real between two messages of a report. Rasa 3.6 does not fail
then: it reads an empty conversation and answers from it, keeping the turn in its
memory only. Before the fix that answer reached the resident: the place of their
report got "好的，请说说遇到了什么问题？" (the bot had forgotten the problem) and the
place was lost. Now the app sees that the turn is not in the store and answers the
503 of a Rasa that cannot be reached; the page's resend (same message id) once the
server is back carries the report on to its one ticket.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.conversations.views import BOT_UNAVAILABLE
from api.database import make_engine, make_session_factory
from api.launcher import MODEL_PATH, Stack
from api.tickets.models import Ticket
from faults.common import prepare_database, supervised_stack, wait_health
from faults.pg import PrivatePostgres

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_and_stack() -> Iterator[tuple[PrivatePostgres, Stack]]:
    if not MODEL_PATH.is_file():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make model` (make test does)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("as root, runuser is needed to run a private PostgreSQL as its own user")
    with PrivatePostgres() as pg:
        prepare_database(pg.url)
        with supervised_stack(pg.url, pg.folder / "var", database_timeout_seconds=5.0) as stack:
            yield pg, stack


def post(http: httpx.Client, sender: str, text: str, message_id: str) -> httpx.Response:
    return http.post(
        "/api/chat", json={"sender": sender, "message": text, "message_id": message_id}
    )


def text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return "\n".join(str(r.get("text") or "") for r in replies)


def test_a_turn_rasa_could_not_keep_is_a_503_and_the_resend_carries_on(
    server_and_stack: tuple[PrivatePostgres, Stack],
) -> None:
    pg, stack = server_and_stack
    sender = f"pgdown-{uuid.uuid4().hex[:12]}"
    place_id = uuid.uuid4().hex
    with httpx.Client(base_url=stack.app_url, timeout=60) as http:
        assert "哪" in text(post(http, sender, "我家天花板漏水了", uuid.uuid4().hex))
        pg.stop()
        try:
            down = post(http, sender, "杨家坪街道天宝路社区", place_id)
        finally:
            pg.start()
        assert down.status_code == 503, down.text
        assert down.json()["detail"] == BOT_UNAVAILABLE
        wait_health(stack.app_url, "ok", 60)

        assert "手机" in text(post(http, sender, "杨家坪街道天宝路社区", place_id))
        assert "确认提交" in text(post(http, sender, "13912345678", uuid.uuid4().hex))
        assert "工单号" in text(post(http, sender, "/affirm", uuid.uuid4().hex))
    engine = make_engine(pg.url)
    with make_session_factory(engine)() as session:
        tickets = session.scalars(select(Ticket).where(Ticket.sender_id == sender)).all()
        assert [t.location_text for t in tickets] == ["杨家坪街道天宝路社区"]
    engine.dispose()
