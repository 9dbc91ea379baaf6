"""Error responses that never echo a resident's input back and never fail themselves."""

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.database import database_unavailable, failure_reason

logger = logging.getLogger(__name__)
DATABASE_UNAVAILABLE = "系统暂时连不上数据库，请稍后再试。"
DATABASE_RETRY_SECONDS = 30

# Reasons a person reads in Chinese for pydantic's English messages; a message a
# validator already wrote in Chinese is passed on as it is.
CHINESE_REASONS = {
    "json_invalid": "请求体不是有效的 JSON",
    "missing": "缺少这一项",
    "extra_forbidden": "不认识这一项",
    "string_pattern_mismatch": "格式不对",
    "string_too_short": "太短了",
    "string_too_long": "太长了",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "只能填 true 或 false",
    "greater_than": "超出允许的范围",
    "greater_than_equal": "超出允许的范围",
    "less_than": "超出允许的范围",
    "less_than_equal": "超出允许的范围",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "datetime_parsing": "时间格式不对",
    "date_parsing": "日期格式不对",
    "model_attributes_type": "格式不对",
    "dict_type": "格式不对",
    "list_type": "应为列表",
}
TICKET_NUMBER_REASON = "工单号格式不对，应像 LY-20261201-0001"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _reason(error: Any) -> str:
    """The error's reason in Chinese: a validator's own words, else a translation."""
    kind, message = str(error.get("type", "")), str(error.get("msg", ""))
    if _CJK.search(message):
        return message
    loc = [str(part) for part in error.get("loc", ())]
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "number":
        return TICKET_NUMBER_REASON
    return CHINESE_REASONS.get(kind, message)


def _validation_error(_: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": str(error.get("type", "")),
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": _reason(error),
        }
        for error in errors
    ]
    # Chinese as UTF-8, not \u escapes; a stray surrogate in a field name is escaped.
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8", "backslashreplace")
    return Response(body, status_code=422, media_type="application/json")


# FastAPI's own answer, in English and as a 400, to a body it cannot even decode (bytes
# that are not UTF-8): answered like any other body that is not JSON.
UNREADABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: Exception) -> Response:
    if (
        isinstance(exc, StarletteHTTPException)
        and exc.status_code == 400
        and exc.detail == UNREADABLE_BODY
    ):
        unreadable = RequestValidationError([{"type": "json_invalid", "loc": ("body",)}])
        return _validation_error(request, unreadable)
    assert isinstance(exc, StarletteHTTPException)
    return await http_exception_handler(request, exc)


async def _database_error(request: Request, exc: Exception) -> Response:
    """The database is down: 503 in Chinese, to be tried again; any other database
    error is a bug and stays a 500."""
    if not database_unavailable(exc):
        raise exc
    reason = failure_reason(exc)
    logger.error("%s %s: database unavailable: %s", request.method, request.url.path, reason)
    body = json.dumps({"detail": DATABASE_UNAVAILABLE}, ensure_ascii=False)
    headers = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
    return Response(body, status_code=503, media_type="application/json", headers=headers)


def _document_reasons(app: FastAPI) -> None:
    """Say in the OpenAPI document what a 422 carries: field errors, or one reason.

    FastAPI documents every 422 as a list of field errors; checks made inside a handler
    (a bad cursor, a refused webhook URL) answer 422 with one reason as a string.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = build().get("components", {}).get("schemas", {})
            error = schemas.get("HTTPValidationError")
            if error is not None and "detail" in error.get("properties", {}):
                listed = error["properties"]["detail"]
                error["properties"]["detail"] = {
                    "title": "Detail",
                    "anyOf": [listed, {"type": "string"}],
                    "description": "逐项的字段错误，或一句中文原因",
                }
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """422 with the field and the reason only (the input itself is not repeated); 503 while
    the database is down."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    _document_reasons(app)
