"""The app: residents' chat, NLU parse, ticket status, registry look-ups and the action server."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline

from api.auth.views import router as auth_router
from api.conversations.replay import ReplyOnce
from api.conversations.views import router as conversation_router
from api.database import make_session_factory, read_only, transaction
from api.desk.action_server import action_server
from api.dispatch.views import router as stations_router
from api.errors import install_error_handlers
from api.figures.views import router as figures_router
from api.health.views import router as health_router
from api.logging_setup import configure_logging
from api.open311.errors import install_open311_error_handlers
from api.open311.limits import FilingLimiter
from api.open311.views import fallback_router as open311_fallback_router
from api.open311.views import router as open311_router
from api.openapi_tags import OPENAPI_TAGS
from api.rasa.routing import rasa_routes
from api.rasa.sharded import ShardedRasa
from api.sessions import open_database
from api.settings import Settings, get_settings
from api.stations.directory import router as directory_router
from api.tickets.escalation import run_escalation_loop
from api.tickets.resident.status import router as tickets_router
from api.tickets.resident.views import router as resident_tickets_router
from api.tickets.service import report_filer
from api.tickets.spool import replay_spool
from api.tickets.staff import ROUTERS as STAFF_ROUTERS
from api.training.jobs import fail_interrupted_jobs, utc_now
from api.training.model_views import router as models_router
from api.training.views import router as operator_router
from api.web.security import SecurityHeadersMiddleware
from api.web.static_files import static_site
from api.webhooks.delivery import DeliveryConfig, WebhookDeliverer, run_delivery_loop
from api.webhooks.views import router as webhooks_router
from api.wechat.setup import install_wechat

STATIC_DIR = Path(__file__).parent / "web" / "static"
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings come from the environment unless given."""
    settings = settings or get_settings()
    configure_logging()
    engine, session_factory = open_database(
        settings.database_url, settings.database_timeout_seconds
    )

    file = report_filer(ZoneInfo(settings.timezone), settings.default_district_code)

    async def replay_spooled_reports() -> None:
        while True:
            try:
                numbers = await run_in_threadpool(
                    replay_spool, settings.spool_dir, session_factory, file
                )
            except Exception:  # the loop must outlive any one bad pass
                logger.exception("spool replay pass failed")
                numbers = []
            if numbers:
                logger.info("filed %d spooled reports: %s", len(numbers), ", ".join(numbers))
            await asyncio.sleep(settings.spool_replay_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with transaction(session_factory) as session:
            fail_interrupted_jobs(session, utc_now())
        app.state.rasa = ShardedRasa(
            rasa_routes(settings), settings.rasa_token, settings.rasa_timeout_seconds
        )
        replayer = asyncio.create_task(replay_spooled_reports())
        escalator = (
            asyncio.create_task(run_escalation_loop(session_factory))  # 督办 sweep
            if settings.escalation_sweep
            else None
        )
        deliverer = WebhookDeliverer(session_factory, DeliveryConfig.from_settings(settings))
        webhooks = (
            asyncio.create_task(run_delivery_loop(deliverer, settings.webhook_poll_seconds))
            if settings.webhook_worker
            else None
        )
        await wechat.start()
        yield
        await wechat.stop()
        replayer.cancel()
        if escalator is not None:
            escalator.cancel()
        if webhooks is not None:
            webhooks.cancel()
        deliverer.close()
        await app.state.rasa.close()
        engine.dispose()

    # /docs and /redoc from the app's own copy of Swagger UI and ReDoc: no CDN needed.
    app = FastAPIOffline(
        title="智慧杨 API",
        description="老杨群工线上服务台：居民对话、工单状态、站点查询与动作服务器。",
        version="0.1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.read_session_factory = make_session_factory(read_only(engine))
    app.state.reply_once = ReplyOnce()
    app.state.open311_limiter = FilingLimiter.from_settings(settings)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    install_open311_error_handlers(app)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(conversation_router)
    app.include_router(resident_tickets_router)
    app.include_router(tickets_router)
    for staff_router in STAFF_ROUTERS:
        app.include_router(staff_router)
    app.include_router(figures_router)
    app.include_router(directory_router)
    app.include_router(stations_router)
    app.include_router(open311_router)
    app.include_router(open311_fallback_router)
    app.include_router(webhooks_router)
    app.include_router(operator_router)
    app.include_router(models_router)
    wechat = install_wechat(app, settings, session_factory)
    app.mount("/action-server", action_server(session_factory, settings))
    app.mount("/", static_site(STATIC_DIR), name="web")
    return app
