"""What actions need from the app: a database, the settings and a clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings


@dataclass(frozen=True)
class ActionContext:
    """Collaborators injected into every action (no import-time globals)."""

    session_factory: sessionmaker[Session]
    settings: Settings
    clock: Callable[[ZoneInfo], datetime] = field(default=datetime.now)

    @property
    def tz(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        """The current local time."""
        return self.clock(self.tz)
