"""No async route holds a database session: blocking database work belongs in the thread pool.

A synchronous query inside an `async def` route runs on the event loop. On SQLite a
second request then waits there for the first one's write lock, and the whole app
(every resident, /health too) stops for the busy timeout. Async routes may use the
session factory and `run_in_threadpool`; sync routes get their session in a thread.
"""

import inspect
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.main import create_app
from api.settings import Settings


def _session_params(dependant: Dependant) -> list[str]:
    found = [
        f"{dependant.call.__name__ if dependant.call else '?'}({param.name})"
        for param in inspect.signature(dependant.call).parameters.values()
        if dependant.call is not None and param.annotation is Session
    ]
    for sub in dependant.dependencies:
        if sub.call is not None and inspect.isgeneratorfunction(sub.call):
            hints = inspect.signature(sub.call).return_annotation
            if "Session]" in str(hints) and "sessionmaker" not in str(hints):
                found.append(sub.call.__name__)
        found += _session_params(sub)
    return found


def _api_routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those lazily)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def test_async_routes_take_no_session(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    routes = list(_api_routes(app.routes))
    assert len(routes) > 50  # the walk found the routers' routes
    offenders = {
        route.path: _session_params(route.dependant)
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint)
    }
    assert {path: found for path, found in offenders.items() if found} == {}
