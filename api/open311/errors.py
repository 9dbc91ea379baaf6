"""Open311's own error format under /open311, without touching any other route's errors.

The app's handlers for validation errors and HTTP exceptions stay in charge
everywhere else: ours wrap them and only answer for paths under /open311.
Call `install_open311_error_handlers` after the app's own handlers.
"""

from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.open311.render import Format, error_response

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]
OPEN311_PATH: Final = "/open311/"


def _open311_status(exc: Exception) -> int:
    """Open311 knows 400, 403 and 404 only."""
    code = exc.status_code if isinstance(exc, StarletteHTTPException) else 400
    return code if code in (403, 404) else 400


def _format_of(request: Request) -> Format:
    return Format.XML if request.url.path.lower().endswith(".xml") else Format.JSON


def _wrap(previous: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(OPEN311_PATH):
            status = _open311_status(exc)
            description = "没有这个 Open311 资源" if status == 404 else "请求参数无效"
            return error_response(_format_of(request), status, description)
        response = previous(request, exc)
        return await response if isinstance(response, Awaitable) else response

    return handler


def install_open311_error_handlers(app: FastAPI) -> None:
    """Answer validation and HTTP errors under /open311 in the spec's format."""
    for exc_class in (RequestValidationError, StarletteHTTPException):
        previous = app.exception_handlers.get(exc_class)
        if previous is not None:
            app.add_exception_handler(exc_class, _wrap(previous))
