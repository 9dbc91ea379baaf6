"""Reading what Open311 clients send: the form-encoded POST body, query filters and dates.

The POST body is `application/x-www-form-urlencoded` (the spec allows nothing
else), parsed here with the standard library so the app needs no multipart
package. An empty parameter counts as a missing one, as the spec says. Every
refusal names the field and the reason, never the value sent.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Final
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

MAX_BODY_BYTES: Final = 64 * 1024
NO_DESCRIPTION: Final = "description 不能为空：请写明遇到的问题"
MAX_FIELDS: Final = 200
SINGLE_FIELDS: Final = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
# W3C date-time: a date, or a date and time that carries its zone.
_W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$"
)
# Control characters other than tab and line breaks have no place in a report.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Open311Error(Exception):
    """A request we refuse: the HTTP status and a description that repeats no input."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def bad_request(description: str) -> Open311Error:
    """400: a missing or malformed parameter."""
    return Open311Error(400, description)


@dataclass(frozen=True)
class PostedForm:
    """The fields of a POST requests body; attributes keyed by their code."""

    fields: dict[str, str]
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """A field's value, None when it was missing or empty."""
        return self.fields.get(name)


def clean_text(value: str) -> str:
    """NFC text without control characters, trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()


def is_blank(text: str) -> bool:
    """Whether a text shows nothing: only spaces, separators, controls or invisible marks."""
    return all(char.isspace() or unicodedata.category(char)[0] in "CZ" for char in text)


def description_text(value: str | None, limit: int, drop: str = "") -> str:
    """The posted description without `drop`, required: staff cannot act on an empty report."""
    text = (value or "").replace(drop, "").strip()
    if is_blank(text):
        raise bad_request(NO_DESCRIPTION)
    if len(text) > limit:
        raise bad_request(f"description 最长 {limit} 字")
    return text


def _is_form(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type, _, rest = content_type.partition(";")
    if media_type.strip().lower() != "application/x-www-form-urlencoded":
        return False
    for parameter in rest.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def parse_form(body: bytes, content_type: str | None) -> PostedForm:
    """The form fields of a POST body, or a 400 that says what is wrong with it."""
    if not _is_form(content_type):
        raise bad_request("请求体须为 application/x-www-form-urlencoded; charset=utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise bad_request(f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=False,
            max_num_fields=MAX_FIELDS,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request("请求体无法按 UTF-8 表单解析") from exc
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, raw in pairs:
        value = clean_text(raw)
        if not value:
            continue  # the spec: an empty parameter is a missing one
        attribute = _ATTRIBUTE.match(name)
        if attribute is not None:
            attributes.setdefault(attribute.group(1), []).append(value)
        elif name in SINGLE_FIELDS:
            if name in fields:
                raise bad_request(f"参数 {name} 只能给一次")
            fields[name] = value
        # Other parameters are not ours to judge; the spec lets servers ignore them.
    return PostedForm(fields, attributes)


def comma_list(values: Iterable[str]) -> list[str]:
    """`a,b` and repeated parameters alike, without empty items."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_datetime(name: str, value: str, tz: ZoneInfo) -> datetime:
    """A W3C date-time with its zone, or a bare date (midnight in our zone)."""
    text = value.strip().replace(" ", "+")  # an unescaped '+' arrives as a space
    if not _W3C.match(text):
        raise bad_request(f"{name} 须为带时区的 W3C 时间，如 2026-11-23T09:00:00+08:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise bad_request(f"{name} 不是有效的日期时间") from exc
    if parsed.tzinfo is None:  # a bare date
        return datetime.combine(parsed.date(), time(), tzinfo=tz)
    return parsed


MAX_RANGE: Final = timedelta(days=90)


def date_range(
    start: str | None, end: str | None, now: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The requested_datetime window: at most 90 days, the last 90 by default."""
    start_at = parse_datetime("start_date", start, tz) if start else None
    end_at = parse_datetime("end_date", end, tz) if end else None
    if start_at is None and end_at is None:
        return now - MAX_RANGE, now
    if start_at is None:
        assert end_at is not None
        return end_at - MAX_RANGE, end_at
    if end_at is None:
        return start_at, start_at + MAX_RANGE
    if end_at < start_at:
        raise bad_request("end_date 早于 start_date")
    if end_at - start_at > MAX_RANGE:
        raise bad_request("start_date 与 end_date 相隔不能超过 90 天")
    return start_at, end_at
