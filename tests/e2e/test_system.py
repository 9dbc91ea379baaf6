"""The system's own surfaces: health, NLU parse, the action server as Rasa sees it."""

import asyncio
import time
import uuid
from collections.abc import Awaitable

import httpx


def test_health_reports_every_part(client: httpx.Client) -> None:
    body = client.get("/health").json()
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "rasa": "ok", "action_server": "ok"},
        "rasa_shards": ["ok", "ok"],
    }


def test_parse_names_the_service_code(client: httpx.Client) -> None:
    body = client.post("/api/nlu/parse", json={"text": "楼上漏水到我家天花板了"}).json()
    assert body["service_code"] == "water_leak"
    assert body["emergency"] is False
    assert body["intent"]["confidence"] > 0.5


def test_parse_flags_an_emergency_and_finds_phone_and_place(client: httpx.Client) -> None:
    body = client.post(
        "/api/nlu/parse", json={"text": "天宝路社区有人晕倒了，快来人，电话13812345678"}
    ).json()
    assert body["emergency"] is True
    kinds = {e["entity"]: e["value"] for e in body["entities"]}
    assert kinds.get("phone") == "13812345678"
    assert "天宝路社区" in kinds.get("place", "")


def test_greeting_is_not_a_report(client: httpx.Client) -> None:
    body = client.post("/api/nlu/parse", json={"text": "你好呀"}).json()
    assert body["service_code"] is None and body["emergency"] is False


def test_rasa_api_requires_the_token(live) -> None:
    response = httpx.get(f"{live.rasa_urls[0]}/status")
    assert response.status_code == 401


def test_concurrent_parses_never_stall_the_app(live) -> None:
    """Parses that reach the database together must not stop everyone else.

    A blocking database call on the event loop once froze the whole app for the
    database's busy timeout (30 s) as soon as two parses overlapped.
    """
    texts = ["杨家坪街道楼道灯坏了", "谢家湾街道停水了", "石坪桥街道的井盖不见了"] * 20

    async def run() -> tuple[list[int], int]:
        async with httpx.AsyncClient(base_url=live.app_url, timeout=20) as http:
            parses = [http.post("/api/nlu/parse", json={"text": t}) for t in texts]
            *answers, health = await asyncio.gather(*parses, http.get("/health"))
        return [a.status_code for a in answers], health.status_code

    statuses, health_status = asyncio.run(run())
    assert statuses == [200] * len(texts)
    assert health_status == 200


def test_sixteen_residents_and_staff_at_once_none_waits_a_second(live, operator_token: str) -> None:
    """16 callers at the same moment: 4 each on parse, chat, 我的工单 and the staff list.

    Each must be answered within a second (the chat turn included: Rasa runs as two
    processes and the app never blocks its event loop on the database).
    """
    staff = {"Authorization": f"Bearer {operator_token}"}

    async def timed(call: Awaitable[httpx.Response]) -> tuple[int, float]:
        began = time.monotonic()
        response = await call
        return response.status_code, time.monotonic() - began

    async def run() -> list[tuple[int, float]]:
        async with httpx.AsyncClient(base_url=live.app_url, timeout=20) as http:
            await http.post("/api/nlu/parse", json={"text": "热身"})  # nothing cold is measured
            calls = []
            for n in range(4):
                sender = f"e2e-rush-{uuid.uuid4().hex[:10]}"
                calls += [
                    http.post("/api/nlu/parse", json={"text": f"{n}号楼的路灯坏了"}),
                    http.post("/api/chat", json={"sender": sender, "message": "我家停水了"}),
                    http.get("/api/my/tickets", headers={"X-Sender-Id": sender}),
                    http.get("/api/staff/tickets", headers=staff),
                ]
            return await asyncio.gather(*(timed(call) for call in calls))

    results = asyncio.run(run())
    assert [status for status, _ in results] == [200] * 16
    slowest = max(took for _, took in results)
    assert slowest < 1.0, f"the slowest of 16 took {slowest:.2f} s: {results}"
