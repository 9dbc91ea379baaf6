"""Query parameters the database could not take as they come (the operators' inbox filters).

The database stores UTC and refuses a time without a zone, and PostgreSQL refuses a NUL
in text; such values are refused here with a reason instead of failing there.
"""

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _instant(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "时间须带时区，如 2026-11-23T00:00:00+08:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "时间超出范围") from None


def _searchable(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "含有不可见的控制字符")
    return value


# A moment in time, with its zone; compared in UTC.
Instant = Annotated[datetime, AfterValidator(_instant)]
# Text to look for (a word of a message, an intent name): no control characters.
SearchText = Annotated[str, AfterValidator(_searchable)]
