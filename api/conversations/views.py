"""Residents' chat and the NLU parse endpoint, both proxied to Rasa."""

import contextlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from actions.report_lifecycle import EMERGENCY_MARK
from api.catalogue import understand_parse
from api.conversations.answered import (
    METADATA_KEY,
    TrackerUnreadableError,
    answered_turn,
    tracker_in_use,
)
from api.conversations.replay import Replies, ReplyOnce
from api.conversations.schemas import (
    BotMessage,
    ChatRequest,
    IntentResult,
    ParseRequest,
    ParseResult,
    RestartRequest,
)
from api.dependencies import RasaDep, SessionFactoryDep
from api.rasa.client import RasaUnavailableError
from api.stations.gazetteer import registry_gazetteer
from api.stations.registry_view import registry_view

router = APIRouter(prefix="/api", tags=["居民 · 对话"])

BOT_UNAVAILABLE = "智慧杨暂时联系不上，请稍后再试。"
# Rasa kept the message but its answer was lost: the app (the action server) died while
# the bot was working on it, so Rasa went on without the action's reply. Asking again is
# safe: the form still waits for what the resident said, and a new message has a new id.
LOST_ANSWER = "抱歉，刚才那句话我没来得及处理完，麻烦您再说一遍。"
# The one 5xx these routes give: Rasa cannot be reached (detail is BOT_UNAVAILABLE).
RASA_UNREACHABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "对话服务（Rasa）暂时连不上；detail 为给居民看的提示"}
}


@router.post(
    "/chat",
    summary="发送一条居民消息，返回智慧杨的回复",
    response_model=list[BotMessage],
    response_model_exclude_none=True,
    responses=RASA_UNREACHABLE,
)
async def chat(request: ChatRequest, rasa: RasaDep, http: Request) -> list[BotMessage]:
    """Send a resident's message to the bot and return its replies (once per message id)."""
    metadata = request.metadata.model_dump(exclude_none=True)
    message_id = request.message_id
    if message_id:
        metadata[METADATA_KEY] = message_id  # kept by Rasa with the turn (answered.py)

    tracker_url: str = http.app.state.settings.tracker_url
    checked = bool(message_id) and tracker_in_use(tracker_url)

    async def lookup() -> Replies | None:
        assert message_id
        return await run_in_threadpool(answered_turn, tracker_url, request.sender, message_id)

    async def send() -> Replies:
        if checked:
            with contextlib.suppress(TrackerUnreadableError):  # Rasa will tell
                kept = await lookup()
                if kept == []:
                    return [{"text": LOST_ANSWER}]
                if kept is not None:
                    return kept  # taken before this process started: not a second time
        replies = await rasa.send_message(request.sender, request.message, metadata)
        if checked and not any(EMERGENCY_MARK in str(r.get("text")) for r in replies):
            try:
                kept = await lookup()
            except TrackerUnreadableError as exc:
                raise RasaUnavailableError(f"tracker store unreadable: {exc}") from exc
            if kept is None:
                raise RasaUnavailableError("Rasa answered without keeping the turn")
        return replies

    guard: ReplyOnce = http.app.state.reply_once
    try:
        if message_id:
            replies = await guard.run(request.sender, message_id, send)
        else:
            replies = await send()
    except RasaUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, BOT_UNAVAILABLE) from exc
    return [BotMessage.model_validate(_rest_message(reply)) for reply in replies]


@router.post(
    "/chat/restart",
    summary="重新开始对话",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=RASA_UNREACHABLE,
)
async def restart(request: RestartRequest, rasa: RasaDep) -> Response:
    """清空记录: the bot forgets this conversation; the resident's tickets stay theirs."""
    try:
        await rasa.restart(request.sender)
    except RasaUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, BOT_UNAVAILABLE) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _rest_message(reply: dict[str, Any]) -> dict[str, Any]:
    return {key: reply[key] for key in ("text", "buttons", "custom") if reply.get(key)}


@router.post(
    "/nlu/parse",
    summary="理解一句话：意图、类别与紧急情况",
    response_model=ParseResult,
    responses=RASA_UNREACHABLE,
)
async def parse(request: ParseRequest, rasa: RasaDep, factory: SessionFactoryDep) -> ParseResult:
    """What the bot understands of a text: intent, service_code, emergency, entities.

    The registry lookup is blocking database work: it runs in the thread pool, so a
    slow or locked database never stalls the event loop (and every other request).
    """
    try:
        result = await rasa.parse(request.text)
    except RasaUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, BOT_UNAVAILABLE) from exc
    intent = result.get("intent") or {}
    name = intent.get("name")
    understood = understand_parse(result)
    code, emergency = understood.service_code, understood.emergency
    entities = [_public_entity(e) for e in result.get("entities") or []]
    entities += await run_in_threadpool(_place_entities, factory, request.text)
    return ParseResult(
        service_code=code,
        emergency=emergency is not None,
        emergency_kind=emergency.kind if emergency else None,
        intent=IntentResult(name=name, confidence=float(intent.get("confidence") or 0.0)),
        entities=entities,
    )


def _place_entities(factory: sessionmaker[Session], text: str) -> list[dict[str, Any]]:
    """The registry's places named in the text (the one place, or the candidates)."""
    with registry_view(factory, registry_gazetteer) as view:
        resolution = view.gazetteer.resolve(text)
    places = (resolution.place,) if resolution.place else resolution.candidates
    return [{"entity": "place", "value": p.label, "code": p.code} for p in places]


def _public_entity(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "value", "start", "end", "extractor")
    return {key: entity[key] for key in keys if key in entity}
