"""What callers hand the ticket service and what the public status view shows."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.catalogue import SERVICE_CODES
from api.tickets.contact import is_mobile


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
    """One state change as the public status view shows it."""

    kind: str
    status: str | None
    note: str | None
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
