"""The action server's HTTP surface, mounted by the app at /action-server.

Routes and error bodies follow rasa_sdk's endpoint: GET /health, GET /actions,
POST /webhook (with optional deflate or gzip request bodies).
"""

import gzip
import logging
import zlib

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from actions.framework import (
    ActionExecutor,
    ActionNotFoundError,
    ActionRejectedError,
    Dispatcher,
)
from actions.protocol import ActionCall, ActionError, ActionResult
from api.desk.types import DeskUnavailableError

logger = logging.getLogger(__name__)
DATABASE_BUSY_REPLY = "系统这会儿有点忙，请稍后再说一次；着急的话可以直接到附近的老杨工作站。"


def _decode_body(raw: bytes, encoding: str) -> bytes:
    if encoding == "deflate":
        return zlib.decompress(raw)
    if encoding == "gzip":
        return gzip.decompress(raw)
    return raw


def _error(status: int, message: str, action_name: str | None) -> JSONResponse:
    body = ActionError(error=message, action_name=action_name).model_dump()
    return JSONResponse(body, status_code=status)


def _database_busy() -> ActionResult:
    """What any action answers while the database is down: no events, one apology."""
    dispatcher = Dispatcher()
    dispatcher.utter(DATABASE_BUSY_REPLY)
    return ActionResult(events=[], responses=dispatcher.messages)


def create_action_server(executor: ActionExecutor) -> FastAPI:
    """A FastAPI app that speaks Rasa's action-server protocol."""
    app = FastAPI(title="智慧杨 action server", docs_url=None, redoc_url=None)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/actions")
    def list_actions() -> list[dict[str, str]]:
        return [{"name": name} for name in executor.names]

    @app.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        encoding = request.headers.get("content-encoding", "").strip().lower()
        try:
            body = _decode_body(await request.body(), encoding)
            call = ActionCall.model_validate_json(body)
        except (zlib.error, OSError, EOFError) as exc:
            return _error(400, f"Could not decompress the request body: {exc}", None)
        except ValidationError as exc:
            return _error(400, f"Invalid action call: {exc.errors()[0]['msg']}", None)
        try:
            result = await run_in_threadpool(executor.run, call)
        except ActionRejectedError as exc:
            logger.debug("action %s rejected: %s", exc.action_name, exc)
            return _error(400, str(exc), exc.action_name)
        except ActionNotFoundError as exc:
            logger.error("%s", exc)
            return _error(404, str(exc), exc.action_name)
        except DeskUnavailableError as exc:
            # Rasa would drop a failed action's events and say nothing: say it instead.
            logger.error("action %s: the ticket service is unavailable: %s", call.next_action, exc)
            return JSONResponse(_database_busy().model_dump())
        return JSONResponse(result.model_dump())

    return app
