"""What the hand-read Open311 parameters look like in the OpenAPI document.

The views read the form body and the query string themselves (so that every refusal
comes in the spec's error format); FastAPI cannot see those parameters, so they are
described here for integrators and for the fuzz tests that read /openapi.json.
"""

from typing import Any, Final

from api.catalogue import SERVICE_CODES


def _text(description: str, **limits: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **limits}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": _text(description)}


_FORM_FIELDS: Final = {
    "api_key": _text("集成账号（service）的 API 密钥"),
    "service_code": {"type": "string", "enum": list(SERVICE_CODES), "description": "诉求类别"},
    "description": _text("问题描述（必填）", maxLength=4000),
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "纬度（WGS84）"},
    "long": {"type": "number", "minimum": -180, "maximum": 180, "description": "经度（WGS84）"},
    "address_string": _text("地址文字", maxLength=500),
    "address_id": _text("社区或镇街的区划代码"),
    "phone": _text("居民的手机号"),
    "email": _text("不使用"),
    "first_name": _text("不使用"),
    "last_name": _text("不使用"),
    "device_id": _text("不使用"),
    "account_id": _text("不使用"),
    "media_url": _text("不使用"),
    "jurisdiction_id": _text("不使用（只有一个辖区）"),
}

CREATE_REQUEST: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code", "description"],
                    "properties": _FORM_FIELDS,
                    "description": "位置须给 lat 和 long，或 address_string，或 address_id",
                }
            }
        },
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": _text("重试时带同一个键，只建一张工单", maxLength=200),
        }
    ],
}

LIST_REQUESTS: Final[dict[str, Any]] = {
    "parameters": [
        _query("service_request_id", "逗号分隔的工单编号；给了就不看其他条件"),
        _query("service_code", "逗号分隔的诉求类别"),
        _query("start_date", "受理时间起（W3C 时间，带时区）"),
        _query("end_date", "受理时间止（W3C 时间，带时区），与起相隔不超过 90 天"),
        _query("status", "open 或 closed，可逗号分隔"),
    ]
}
