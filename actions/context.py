"""What actions need from the app: a database, the settings and a clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from actions.understanding import RasaReader
from api.settings import Settings
from api.tickets.schemas import NewReport
from api.tickets.service import FiledTicket, report_filer


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

    def code_of(self, text: str) -> str | None:
        """What the NLU model makes of a few words (a corrected problem); None if unsure."""
        return RasaReader(self.settings.rasa_url, self.settings.rasa_token).code_of(text)

    def file_report(self, session: Session, report: NewReport) -> FiledTicket:
        """File a report with the district's settings and this context's clock."""
        file = report_filer(self.tz, self.settings.default_district_code, self.clock)
        return file(session, report)
