"""The integration's side of the fault scenarios: Open311 filings retried until answered,
and what the database holds for them against what the integration was told."""

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from faults.common import RETRY_PAUSE_SECONDS, tickets_by

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Filing:
    """One Open311 report and what the integration was told about it."""

    key: str
    description: str
    answer: dict[str, str] | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)


async def file_open311(http: httpx.AsyncClient, api_key: str, filing: Filing) -> dict[str, str]:
    """Post until answered (2xx); returns the answer (service_request_id and/or token)."""
    body = urlencode(
        {"api_key": api_key, "service_code": "other", "address_id": "500107002001",
         "description": filing.description}
    ).encode()  # fmt: skip
    headers = {**FORM, "Idempotency-Key": filing.key}
    while True:
        filing.attempts += 1
        try:
            response = await http.post("/open311/v2/requests.json", content=body, headers=headers)
        except httpx.HTTPError as error:
            filing.failures.append(type(error).__name__)
        else:
            if response.status_code in (200, 201, 202):
                return dict(response.json()[0])
            filing.failures.append(str(response.status_code))
            if response.status_code < 500:
                raise RuntimeError(f"refused: {response.status_code} {response.text}")
        await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def file_until(
    url: str, api_key: str, run: str, clients: int, done: asyncio.Event
) -> list[Filing]:
    """An integration files reports `clients` at a time, each until answered, until `done`."""
    filings: list[Filing] = []

    async def client(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            filing = Filing(f"{run}-{len(filings)}", f"故障演练{run}第{len(filings)}号：楼道灯坏了")
            filings.append(filing)
            filing.answer = await file_open311(http, api_key, filing)
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return filings


def verify_filings(database_url: str, url: str, run: str, filings: list[Filing]) -> dict[str, int]:
    """Open311 reports in the database against what the integration was told. An answer
    with a token only (the report was spooled) is followed up as integrations do, with
    GET tokens/{token}, once the spool is empty."""
    by_text = tickets_by(database_url, "description", f"故障演练{run}")
    queued = [f for f in filings if not (f.answer or {}).get("service_request_id")]
    with httpx.Client(base_url=url, timeout=30) as http:
        for filing in queued:
            token = (filing.answer or {}).get("token")
            answer = http.get(f"/open311/v2/tokens/{token}.json")
            found = answer.json()[0] if answer.status_code == 200 else {}
            filing.answer = {**(filing.answer or {}), **found}
    return {
        "open311_filings": len(filings),
        "open311_lost": sum(1 for f in filings if f.description not in by_text),
        "open311_duplicated": sum(len(numbers) - 1 for numbers in by_text.values()),
        "open311_answered_with_a_token_only": len(queued),
        "open311_answers_naming_another_ticket": sum(
            1
            for f in filings
            if [(f.answer or {}).get("service_request_id")] != by_text.get(f.description)
        ),
        "open311_requests_retried": sum(1 for f in filings if f.failures),
    }
