"""The report form's slots, and reading a resident's message into slot values.

Shared by the actions that start a report, answer an emergency and validate
the form, so a place or phone given at any point is understood the same way.
"""

import re
from dataclasses import dataclass
from typing import Any

from actions.framework import REQUESTED_SLOT, Event, Tracker, slot_set
from api.stations.gazetteer import Gazetteer, MatchStatus, Place, Resolution
from api.stations.models import StationLevel
from api.tickets.contact import find_mobile

PROBLEM = "problem"
SERVICE_CODE = "service_code"
EMERGENCY = "emergency"
EMERGENCY_KIND = "emergency_kind"
PLACE = "place"
PLACE_CODE = "place_code"
PLACE_CANDIDATES = "place_candidates"
PLACE_ATTEMPTS = "place_attempts"
LOCATION_LAT = "location_lat"
LOCATION_LON = "location_lon"
PHONE = "phone"
CONFIRM = "confirm"
CORRECTING = "correcting"
MISUNDERSTANDINGS = "misunderstandings"
TICKET_NUMBER = "ticket_number"

PHONE_DECLINED = "declined"
SHARED_LOCATION_LABEL = "您发送的位置"

# The slots one report fills; all are cleared when a report ends.
REPORT_SLOTS = (
    PROBLEM,
    SERVICE_CODE,
    EMERGENCY,
    EMERGENCY_KIND,
    PLACE,
    PLACE_CODE,
    PLACE_CANDIDATES,
    PLACE_ATTEMPTS,
    LOCATION_LAT,
    LOCATION_LON,
    PHONE,
    CONFIRM,
    CORRECTING,
    MISUNDERSTANDINGS,
)
SLOT_DEFAULTS: dict[str, Any] = {EMERGENCY: False, PLACE_ATTEMPTS: 0.0, MISUNDERSTANDINGS: 0.0}

MAX_PLACE_TEXT = 100
_DECLINE_PHONE = re.compile(r"不留|不方便|不想留|没有手机|莫得|没电话|不给|算了吧?不留")


@dataclass(frozen=True)
class MessageFacts:
    """What one message says about the report, independent of the question asked."""

    text: str
    phone: str | None
    resolution: Resolution
    location: tuple[float, float] | None

    @property
    def place_found(self) -> bool:
        """The message names a place the registry knows (exactly or at town level)."""
        return self.resolution.status in (MatchStatus.EXACT, MatchStatus.TOWN_ONLY)


def read_facts(tracker: Tracker, gazetteer: Gazetteer) -> MessageFacts:
    """Phone, registry place and shared location found in the latest message."""
    text = tracker.text.strip()
    button_code = tracker.entity(PLACE_CODE)
    place = gazetteer.place(str(button_code)) if button_code else None
    resolution = Resolution(MatchStatus.EXACT, place) if place else gazetteer.resolve(text)
    return MessageFacts(
        text=text,
        phone=find_mobile(text),
        resolution=resolution,
        location=shared_location(tracker.metadata),
    )


def shared_location(metadata: dict[str, Any]) -> tuple[float, float] | None:
    """The widget's `metadata.location = {lat, lon}`, if present and sane."""
    location = metadata.get("location")
    if not isinstance(location, dict):
        return None
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def declines_phone(tracker: Tracker) -> bool:
    """The resident does not want to leave a phone number."""
    return tracker.intent == "deny" or bool(_DECLINE_PHONE.search(tracker.text))


def place_events(place: Place, said: str | None = None) -> list[Event]:
    """Slots for a resolved place; a town alone leaves `place` open to ask for the community."""
    label = (said or place.label)[:MAX_PLACE_TEXT]
    if place.level == StationLevel.TOWN and said is None:
        return [slot_set(PLACE_CODE, place.code), slot_set(PLACE_CANDIDATES, None)]
    return [
        slot_set(PLACE, label),
        slot_set(PLACE_CODE, place.code),
        slot_set(PLACE_CANDIDATES, None),
    ]


def location_events(location: tuple[float, float], place_known: bool) -> list[Event]:
    """Slots for a location the widget shared; it answers "where" when nothing else did."""
    events = [slot_set(LOCATION_LAT, location[0]), slot_set(LOCATION_LON, location[1])]
    if not place_known:
        label = f"{SHARED_LOCATION_LABEL}（{location[0]:.5f}, {location[1]:.5f}）"
        events += [slot_set(PLACE, label), slot_set(PLACE_CANDIDATES, None)]
    return events


def first_message_events(facts: MessageFacts) -> list[Event]:
    """Place, phone and location given in the message that opened the report."""
    events: list[Event] = []
    if facts.place_found and facts.resolution.place is not None:
        events += place_events(facts.resolution.place)
    elif facts.resolution.status is MatchStatus.AMBIGUOUS:
        events.append(slot_set(PLACE_CANDIDATES, [p.code for p in facts.resolution.candidates]))
    if facts.location is not None:
        exact = facts.resolution.status is MatchStatus.EXACT
        events += location_events(facts.location, place_known=exact)
    if facts.phone:
        events.append(slot_set(PHONE, facts.phone))
    return events


def reset_events() -> list[Event]:
    """Clear every report slot, ready for the next report."""
    return [slot_set(name, SLOT_DEFAULTS.get(name)) for name in REPORT_SLOTS] + [
        slot_set(REQUESTED_SLOT, None)
    ]


def next_missing_slot(tracker: Tracker) -> str | None:
    """The next question to ask: problem, place, phone, then confirmation (not in emergencies)."""
    order = [PROBLEM, PLACE, PHONE]
    if not tracker.get_slot(EMERGENCY):
        order.append(CONFIRM)
    return next((name for name in order if tracker.get_slot(name) in (None, "")), None)
