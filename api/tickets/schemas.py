"""What callers hand the ticket service and what the public status view shows."""

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.catalogue import SERVICE_CODES
from api.tickets.contact import is_mobile

# C0 controls other than tab and newline, and DEL: never meant by a resident, and
# PostgreSQL text cannot hold NUL at all.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


class NewReport(BaseModel):
    """A resident's report as the conversation collected it; knows nothing of Rasa."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_code: str
    description: str = Field(min_length=1, max_length=4000)
    emergency: bool = False
    emergency_kind: str | None = None
    location_text: str | None = Field(default=None, max_length=500)
    community_code: str | None = None
    town_code: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    contact_phone: str | None = None
    sender_id: str | None = Field(default=None, max_length=128)
    idempotency_key: str | None = Field(default=None, max_length=200)

    @field_validator("description", "location_text", mode="before")
    @classmethod
    def _without_control_characters(cls, value: object) -> object:
        """Drop invisible control characters instead of refusing: a report is never lost."""
        return _CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value

    @field_validator("service_code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in SERVICE_CODES:
            raise ValueError(f"unknown service_code {value!r}")
        return value

    @field_validator("contact_phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        if value is not None and not is_mobile(value):
            raise ValueError("contact_phone must be a mainland mobile number")
        return value


class TimelineEntry(BaseModel):
    """One state change as the public status view shows it (empty fields are left out)."""

    kind: str
    status: str | None = None
    note: str | None = None
    at: datetime


class TicketStatusView(BaseModel):
    """A ticket's public status; description and contact only for the filer."""

    number: str
    service_code: str
    service_name: str
    emergency: bool
    status: str
    status_name: str
    station_code: str
    station_name: str
    created_at: datetime
    contact_due_at: datetime
    timeline: list[TimelineEntry]
    description: str | None = None
    location_text: str | None = None
    contact_phone_masked: str | None = None
