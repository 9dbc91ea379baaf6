"""GET /health: is each part up, and can the app still do its work?

"ok" (200): the database, Rasa (with a model) and the action server all answer.
"degraded" (200): the database answers but Rasa or the action server does not, as
while `laoyang run` restarts Rasa. Chat is out, but Open311 filings, staff work and
the operators' pages go on, so a load balancer should keep sending traffic here.
"unavailable" (503): the database does not answer; nothing useful can be done.
"""

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.conversations.rasa_client import RasaClient, RasaUnavailableError

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_SECONDS = 5.0


def _check_database(request: Request) -> str | None:
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; the reason goes to the caller
        return f"database: {type(exc).__name__}"
    return None


async def _check_rasa(rasa: RasaClient) -> str | None:
    try:
        # Bounded here: a Rasa that hangs must not hold the monitor for the chat's timeout.
        status = await asyncio.wait_for(rasa.status(), CHECK_TIMEOUT_SECONDS)
    except RasaUnavailableError:
        return "rasa: not reachable"
    except TimeoutError:
        return "rasa: no answer"
    if not status.get("model_file"):
        return "rasa: no model loaded"
    return None


async def _check_action_server(url: str) -> str | None:
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_SECONDS) as client:
            response = await client.get(f"{url}/health")
        response.raise_for_status()
    except httpx.HTTPError:
        return "action_server: not reachable"
    return None


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """Every part named; the parts that are down listed under "down"."""
    settings = request.app.state.settings
    problems = await asyncio.gather(
        run_in_threadpool(_check_database, request),
        _check_rasa(request.app.state.rasa),
        _check_action_server(settings.effective_action_server_url),
    )
    down = [problem for problem in problems if problem]
    parts = ("database", "rasa", "action_server")
    database_down = problems[0] is not None
    status = "unavailable" if database_down else "degraded" if down else "ok"
    body: dict[str, Any] = {
        "status": status,
        "checks": {
            part: "down" if problem else "ok" for part, problem in zip(parts, problems, strict=True)
        },
    }
    if down:
        body["down"] = down
    return JSONResponse(body, status_code=503 if database_down else 200)
