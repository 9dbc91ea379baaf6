"""GET /health: is each part up, and can the app still do its work?

"ok" (200): the database, Rasa (with a model) and the action server all answer.
"degraded" (200): the database answers but Rasa (any of its shards) or the action
server does not, as while `laoyang run` restarts a Rasa process; with several
shards, "rasa_shards" says which one. Chat is out, but Open311 filings, staff work and
the operators' pages go on, so a load balancer should keep sending traffic here.
"unavailable" (503): the database does not answer; nothing useful can be done.
A PostgreSQL that answers but takes no writes is "degraded", its check "read_only":
reports wait in the spool and staff changes get a 503 until it takes writes again.
"""

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.rasa.client import RasaUnavailableError
from api.rasa.sharded import ShardedRasa

router = APIRouter(tags=["系统 · 健康检查"])
CHECK_TIMEOUT_SECONDS = 5.0


READ_ONLY = "database: read-only (reports are spooled)"


def _check_database(request: Request) -> str | None:
    """None when it reads and may write; READ_ONLY when it reads only; else why it is down."""
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
            # A standby after failover, or a server near a full disk: reads, no writes.
            postgres = session.get_bind().dialect.name == "postgresql"
            if postgres and session.execute(text("SHOW transaction_read_only")).scalar() == "on":
                return READ_ONLY
    except Exception as exc:  # any failure means "down"; the reason goes to the caller
        return f"database: {type(exc).__name__}"
    return None


async def _check_shards(rasa: ShardedRasa) -> list[str | None]:
    """Each Rasa process's problem, or None if it answers with a model loaded."""
    try:
        # Bounded here: a Rasa that hangs must not hold the monitor for the chat's timeout.
        statuses = await asyncio.wait_for(rasa.statuses(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return [f"rasa-{index}: no answer" for index in range(len(rasa.table.urls))]
    problems: list[str | None] = []
    for index, status in enumerate(statuses):
        if isinstance(status, RasaUnavailableError):
            problems.append(f"rasa-{index}: not reachable")
        elif not status.get("model_file"):
            problems.append(f"rasa-{index}: no model loaded")
        else:
            problems.append(None)
    return problems


def _rasa_summary(problems: list[str | None]) -> str | None:
    """One line for "down" when any shard is; None when all answer."""
    down = [problem for problem in problems if problem]
    if not down:
        return None
    if len(problems) == 1:
        return down[0].replace("rasa-0", "rasa", 1)
    return f"rasa: {len(down)} of {len(problems)} shards down ({'; '.join(down)})"


async def _check_action_server(url: str) -> str | None:
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_SECONDS) as client:
            response = await client.get(f"{url}/health")
        response.raise_for_status()
    except httpx.HTTPError:
        return "action_server: not reachable"
    return None


@router.get("/health", summary="健康检查：数据库、Rasa 与后台任务是否正常")
async def health(request: Request) -> JSONResponse:
    """Every part named; the parts that are down listed under "down"."""
    settings = request.app.state.settings
    database, shards, action_server = await asyncio.gather(
        run_in_threadpool(_check_database, request),
        _check_shards(request.app.state.rasa),
        _check_action_server(settings.effective_action_server_url),
    )
    problems = (database, _rasa_summary(shards), action_server)
    down = [problem for problem in problems if problem]
    parts = ("database", "rasa", "action_server")
    database_down = database is not None and database != READ_ONLY
    status = "unavailable" if database_down else "degraded" if down else "ok"
    checks = {
        part: "down" if problem else "ok" for part, problem in zip(parts, problems, strict=True)
    }
    if database == READ_ONLY:
        checks["database"] = "read_only"
    body: dict[str, Any] = {"status": status, "checks": checks}
    if len(shards) > 1:
        body["rasa_shards"] = ["down" if problem else "ok" for problem in shards]
    if down:
        body["down"] = down
    return JSONResponse(body, status_code=503 if database_down else 200)
