"""The app: residents' chat, NLU parse, ticket status, registry look-ups and the action server."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from actions.context import ActionContext
from actions.registry import build_executor
from actions.server import create_action_server
from api.conversations.rasa_client import RasaClient
from api.conversations.replay import ReplyOnce
from api.conversations.views import router as conversation_router
from api.database import make_engine, make_session_factory
from api.errors import install_error_handlers
from api.health.views import router as health_router
from api.logging_setup import configure_logging
from api.settings import Settings, get_settings
from api.stations.views import router as stations_router
from api.tickets.resident_views import router as resident_tickets_router
from api.tickets.service import report_filer
from api.tickets.spool import replay_spool
from api.tickets.views import router as tickets_router
from api.web.security import SecurityHeadersMiddleware

STATIC_DIR = Path(__file__).parent / "web" / "static"
SPOOL_REPLAY_SECONDS = 60
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings come from the environment unless given."""
    settings = settings or get_settings()
    configure_logging()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)

    file = report_filer(ZoneInfo(settings.timezone), settings.default_district_code)

    async def replay_spooled_reports() -> None:
        while True:
            numbers = await run_in_threadpool(
                replay_spool, settings.spool_dir, session_factory, file
            )
            if numbers:
                logger.info("filed %d spooled reports: %s", len(numbers), ", ".join(numbers))
            await asyncio.sleep(SPOOL_REPLAY_SECONDS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(
            settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds
        )
        replayer = asyncio.create_task(replay_spooled_reports())
        yield
        replayer.cancel()
        await app.state.rasa.close()
        engine.dispose()

    app = FastAPI(
        title="智慧杨 API",
        description="老杨群工线上服务台：居民对话、工单状态、站点查询与动作服务器。",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.reply_once = ReplyOnce()
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(conversation_router)
    app.include_router(resident_tickets_router)
    app.include_router(tickets_router)
    app.include_router(stations_router)
    executor = build_executor(ActionContext(session_factory=session_factory, settings=settings))
    app.mount("/action-server", create_action_server(executor))
    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="web")
    return app
