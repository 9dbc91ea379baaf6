"""The report form's slots, and reading a resident's message into slot values.

Shared by the actions that start a report, answer an emergency and validate
the form, so a place or phone given at any point is understood the same way.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from actions.answers import estate_in
from actions.framework import REQUESTED_SLOT, Event, Tracker, slot_set
from api.desk.port import TicketDesk
from api.desk.types import (
    MOBILE_IN_TEXT,
    Gazetteer,
    MatchStatus,
    Place,
    Resolution,
    StationLevel,
    find_mobile,
)

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
# The message that opened the form was about an earlier ticket: nothing is filed.
FOLLOWUP = "followup"

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
    FOLLOWUP,
)
SLOT_DEFAULTS: dict[str, Any] = {
    EMERGENCY: False,
    PLACE_ATTEMPTS: 0.0,
    MISUNDERSTANDINGS: 0.0,
    FOLLOWUP: False,
}

MAX_PLACE_TEXT = 100
NEAR_KM = 5.0
_DECLINE_PHONE = re.compile(
    r"不留|不方便|不想(留|给|说)|没(有|得)?(手机|电话)|莫得|没电话|不给|算了吧?不留|"
    # 电话就算了 / 不用了 / 不要打电话 / 不需要联系 / 匿名 / 号码保密
    r"(电话|号码|手机|联系方式).{0,3}(算了|免了|保密|不用|不要|就不)|不用(了|留|联系|打|回电)|"
    r"不要(打|联系|回电|给)|不需要|别打|匿名|隐私"
)


@dataclass(frozen=True)
class MessageFacts:
    """What one message says about the report, independent of the question asked."""

    text: str
    phone: str | None
    resolution: Resolution
    location: tuple[float, float] | None
    # The station nearest a shared location, named so the resident can check it.
    near: str | None = None

    @property
    def place_found(self) -> bool:
        """The message names a place the registry knows (exactly or at town level)."""
        return self.resolution.status in (MatchStatus.EXACT, MatchStatus.TOWN_ONLY)


def read_facts(
    tracker: Tracker, gazetteer: Gazetteer, desk: TicketDesk | None = None
) -> MessageFacts:
    """Phone, registry place and shared location found in the latest message."""
    text = tracker.text.strip()
    button_code = tracker.entity(PLACE_CODE)
    place = gazetteer.place(str(button_code)) if button_code else None
    resolution = Resolution(MatchStatus.EXACT, place) if place else gazetteer.resolve(text)
    location = shared_location(tracker.metadata)
    near = None
    if location is not None and desk is not None:
        code = str(tracker.get_slot(SERVICE_CODE) or "other")
        near = desk.station_near(location[0], location[1], code, NEAR_KM)
    return MessageFacts(
        text=text, phone=find_mobile(text), resolution=resolution, location=location, near=near
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


def town_estate_events(town: Place, estate: str) -> list[Event]:
    """An estate the registry does not know, after a known town: kept as text at town level."""
    return [
        slot_set(PLACE, f"{town.label}{estate}"[:MAX_PLACE_TEXT]),
        slot_set(PLACE_CODE, town.code),
        slot_set(PLACE_CANDIDATES, None),
    ]


def resolved_place_events(facts: MessageFacts) -> list[Event]:
    """Slots for the place a message names: a community, a town (with its estate), or choices."""
    place = facts.resolution.place
    if facts.resolution.status is MatchStatus.AMBIGUOUS:
        return [slot_set(PLACE_CANDIDATES, [p.code for p in facts.resolution.candidates])]
    if place is None or not facts.place_found:
        return []
    if place.level == StationLevel.TOWN:
        estate = estate_in(facts.text, (place.name, place.label, place.town_name or ""))
        if estate:
            return town_estate_events(place, estate)
    return place_events(place)


def location_events(facts: MessageFacts, place_known: bool) -> list[Event]:
    """Slots for a location the widget shared; it answers "where" when nothing else did.

    The place reads as the nearest station's name (您发送的位置（天宝路社区附近）),
    which a resident can check, and falls back to the coordinates far from any.
    """
    lat, lon = facts.location or (0.0, 0.0)
    events = [slot_set(LOCATION_LAT, lat), slot_set(LOCATION_LON, lon)]
    if not place_known:
        where = f"{facts.near}附近" if facts.near else f"{lat:.5f}, {lon:.5f}"
        events += [
            slot_set(PLACE, f"{SHARED_LOCATION_LABEL}（{where}）"),
            slot_set(PLACE_CANDIDATES, None),
        ]
    return events


def first_message_events(facts: MessageFacts) -> list[Event]:
    """Place, phone and location given in the message that opened the report."""
    events = resolved_place_events(facts)
    if facts.location is not None:
        exact = facts.resolution.status is MatchStatus.EXACT
        events += location_events(facts, place_known=exact)
    if facts.phone:
        events.append(slot_set(PHONE, facts.phone))
    return events


# "电话13812345678" / "手机号：138 1234 5678" inside a message that also tells the problem.
_PHONE_LABEL = re.compile(r"(我的|我)?(电话|手机|手机号|联系电话|号码)(是|号|：|:)?\s*$")
_EDGE_PUNCTUATION = re.compile(r"^[\s，,。.;；、:：]+|[\s，,;；、:：]+$")
# 停气 / 漏水: terse problems have two characters.
MIN_PROBLEM_CHARACTERS = 2


def problem_words(facts: MessageFacts) -> str | None:
    """What a message says besides the phone number and place in it; None when too little.

    "二郎街道五台山社区，楼道灯坏了好几天，电话159…" gives 楼道灯坏了好几天: the message
    tells a problem as well, so it opens a report even when the NLU read it as a place.
    """
    text = facts.text
    if facts.phone:
        text = _strip_phone(text)
    place = facts.resolution.place
    if place is not None and facts.place_found:
        for name in sorted({place.name, place.town_name or "", place.label}, key=len, reverse=True):
            if name:
                text = text.replace(name, "")  # every mention: 福寿社区，福寿社区
    text = _EDGE_PUNCTUATION.sub("", text)
    characters = sum("\u4e00" <= char <= "\u9fff" for char in text)
    return text if characters >= MIN_PROBLEM_CHARACTERS else None


def _strip_phone(text: str) -> str:
    """The text with its mobile number (and a 电话/手机 label before it) removed."""
    match = MOBILE_IN_TEXT.search(unicodedata.normalize("NFKC", text))
    if match is None or len(unicodedata.normalize("NFKC", text)) != len(text):
        return text
    before = _PHONE_LABEL.sub("", text[: match.start()])
    return f"{before}{text[match.end() :]}"


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
