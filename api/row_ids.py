"""Row ids as they arrive in a path or a query string (a webhook, a job, a model version).

An id the database cannot hold names no row; it is refused here with a reason instead of
failing in the driver (SQLite binds at most 64 bits, PostgreSQL's INTEGER 32).
"""

from typing import Annotated, Any, Final

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

MAX_ROW_ID: Final = 2_147_483_647  # PostgreSQL's INTEGER


def _row_id(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PydanticCustomError("int_parsing", "编号应为整数") from None
    if not 1 <= number <= MAX_ROW_ID:
        raise PydanticCustomError("row_id", "编号超出范围（1 到 {max}）", {"max": MAX_ROW_ID})
    return number


RowId = Annotated[int, BeforeValidator(_row_id), Field(ge=1, le=MAX_ROW_ID)]
