"""The action server the app mounts: every action, given the desk and the NLU reader."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from actions.context import ActionContext
from actions.registry import build_executor
from actions.server import create_action_server
from api.desk.service import SqlTicketDesk
from api.rasa.reader import RasaReader
from api.rasa.routing import rasa_routes
from api.settings import Settings


def action_context(
    session_factory: sessionmaker[Session],
    settings: Settings,
    clock: Callable[[ZoneInfo], datetime] = datetime.now,
) -> ActionContext:
    """What the actions are given: the ticket service's port and the model to ask."""
    reader = RasaReader(rasa_routes(settings), settings.rasa_token)
    return ActionContext(
        desk=SqlTicketDesk(session_factory, settings, clock), code_of=reader.code_of
    )


def action_server(session_factory: sessionmaker[Session], settings: Settings) -> FastAPI:
    """Rasa's action-server endpoint, to mount at /action-server."""
    return create_action_server(build_executor(action_context(session_factory, settings)))
