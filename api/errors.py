"""Error responses that never echo a resident's input back and never fail themselves."""

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

# Reasons a person reads in Chinese; any other pydantic message is passed on as it is.
CHINESE_REASONS = {
    "json_invalid": "请求体不是有效的 JSON",
    "missing": "缺少这一项",
    "extra_forbidden": "不认识这一项",
}


def _validation_error(_: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": str(error.get("type", "")),
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": CHINESE_REASONS.get(str(error.get("type", "")), str(error.get("msg", ""))),
        }
        for error in errors
    ]
    body = json.dumps({"detail": detail}, ensure_ascii=True)
    return Response(body, status_code=422, media_type="application/json")


def install_error_handlers(app: FastAPI) -> None:
    """422 with the field and the reason only (the input itself is not repeated)."""
    app.add_exception_handler(RequestValidationError, _validation_error)
