"""GET /health: up only when the database, Rasa (with a model) and the action server answer."""

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
        status = await rasa.status()
    except RasaUnavailableError:
        return "rasa: not reachable"
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
    """200 with every part named, or 503 naming the parts that are down."""
    settings = request.app.state.settings
    problems = await asyncio.gather(
        run_in_threadpool(_check_database, request),
        _check_rasa(request.app.state.rasa),
        _check_action_server(settings.effective_action_server_url),
    )
    down = [problem for problem in problems if problem]
    parts = ("database", "rasa", "action_server")
    body: dict[str, Any] = {
        "status": "ok" if not down else "unavailable",
        "checks": {
            part: "down" if problem else "ok" for part, problem in zip(parts, problems, strict=True)
        },
    }
    if down:
        body["down"] = down
    return JSONResponse(body, status_code=200 if not down else 503)
