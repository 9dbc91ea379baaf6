"""The request clock: one `now` per request, in the district's time zone.

Handlers take `NowDep` instead of calling `datetime.now` so that tests can pin
time (`app.dependency_overrides[get_now] = ...`) for deadlines, token expiry
and figures alike.
"""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends

from api.dependencies import SettingsDep


def get_now(settings: SettingsDep) -> datetime:
    """The current time, aware, in the district's time zone."""
    return datetime.now(ZoneInfo(settings.timezone))


NowDep = Annotated[datetime, Depends(get_now)]
