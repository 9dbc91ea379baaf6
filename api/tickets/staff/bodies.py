"""What the staff actions take, with Chinese reasons that never repeat the input."""

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from api.catalogue import SERVICE_NAMES
from api.tickets.handover import RETURN_REASON_NAMES, ReturnReason
from api.tickets.staff.params import ServiceCode, refuse

# ---- request bodies --------------------------------------------------------


def _printable(text: str) -> str:
    # PostgreSQL text cannot hold NUL, and other control characters are never meant.
    if any(ord(char) < 32 and char not in "\n\r\t" for char in text):
        raise refuse("control_characters", "含有不可见的控制字符")
    return text


_Note = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_printable)]


FIELD_NAMES: dict[str, str] = {
    "note": "备注（note）",
    "resolution": "办结说明（resolution）",
    "reason": "退单理由（reason）",
    "to_station_code": "目标站点编码（to_station_code）",
    "service_code": "诉求类别（service_code）",
}


def _body_reason(error: ErrorDetails) -> str:
    """One field's problem in words staff can act on (the value itself is never repeated)."""
    field = ".".join(str(part) for part in error["loc"])
    name = FIELD_NAMES.get(field, field or "请求体")
    context = error.get("ctx") or {}
    reasons = {
        "missing": f"缺少{name}",
        "string_too_short": f"{name}不能为空",
        "string_too_long": f"{name}最多 {context.get('max_length')} 个字",
        "string_type": f"{name}应为文字",
        "extra_forbidden": f"不认识的字段 {field}",
        "enum": f"{name}只能是："
        + "、".join(f"{k}（{v}）" for k, v in RETURN_REASON_NAMES.items()),
        "string_pattern_mismatch": f"{name}格式不对，应为 6 到 15 位数字",
        "service_code": f"{name}只能是："
        + "、".join(f"{k}（{v}）" for k, v in SERVICE_NAMES.items()),
        "model_type": "请求体应为 JSON 对象",
        "control_characters": f"{name}含有不可见的控制字符",
        "model_attributes_type": "请求体应为 JSON 对象",
    }
    return reasons.get(error["type"], f"{name}无效")


class _Body(BaseModel):
    """Action bodies: unknown fields refused, text trimmed, every reason in Chinese."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _in_chinese(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            reason = "；".join(_body_reason(error) for error in exc.errors())
            raise PydanticCustomError("invalid_body", reason) from None


class OptionalNoteBody(_Body):
    """Sign or start, optionally with a note."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "已电话联系居民，下午上门查看"}, {}]}
    )

    note: _Note | None = None


class NoteBody(_Body):
    """A note on the ticket's timeline (办理过程记录)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "已联系物业，明早派人维修"}]}
    )

    note: _Note


class ResolveBody(_Body):
    """What was done (办结说明)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"resolution": "物业已更换破损水管，居民确认不再漏水"}]}
    )

    resolution: _Note


class ReturnBody(_Body):
    """Return a ticket (退单) with a reason code; it is re-dispatched at once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "wrong_area", "note": "地址在黄桷坪街道，不属本社区"}],
            "description": "退单理由："
            + "；".join(f"{k}={v}" for k, v in RETURN_REASON_NAMES.items()),
        }
    )

    reason: ReturnReason
    note: _Note | None = None


class TransferBody(_Body):
    """Hand a ticket to another station (转派), saying why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"to_station_code": "500107002001", "note": "事发地在黄正街社区"}]
        }
    )

    to_station_code: Annotated[str, Field(pattern=r"^\d{6,15}$")]
    note: _Note


class RecategoriseBody(_Body):
    """Correct the category the bot chose (改类), saying why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"service_code": "water_supply", "note": "居民反映的是停水，不是漏水"}]
        }
    )

    service_code: Annotated[
        ServiceCode,
        Field(
            description="正确的诉求类别："
            + "；".join(f"{k}={v}" for k, v in SERVICE_NAMES.items()),
            json_schema_extra={"enum": list(SERVICE_NAMES)},
        ),
    ]
    note: Annotated[_Note, Field(description="改类原因（必填），写入处理记录")]
