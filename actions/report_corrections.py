"""Corrections at any question: the new problem, place or phone replaces the old one.

"哦不对，是水管爆了在漏", "等一下，社区说错了，是西郊二村社区" or "电话打错了，是
139…" may come at any step, before or after the read-back. The corrected value
replaces the old one everywhere (read-back, ticket, dispatch) and the form then
asks again what it was asking, or reads the report back again.
"""

from collections.abc import Callable
from dataclasses import replace

from actions.answers import Correction, Field, estate_in, usable_place_text
from actions.framework import Dispatcher, Event, Tracker, slot_set
from actions.report_slots import (
    CONFIRM,
    CORRECTING,
    MISUNDERSTANDINGS,
    PHONE,
    PLACE,
    PLACE_CANDIDATES,
    PLACE_CODE,
    PROBLEM,
    SERVICE_CODE,
    place_events,
    town_estate_events,
)
from api.catalogue import SERVICE_NAMES, best_report_code
from api.desk.types import (
    Gazetteer,
    MatchStatus,
    Resolution,
    StationLevel,
    find_mobile,
    mask_phone,
)

MAX_PROBLEM_TEXT = 500
ASK_WHICH = "好的，您要改的是问题、地点还是电话？直接说改成什么就行，比如「地点是西郊二村社区」。"


def correction_field(
    correction: Correction, resolution: Resolution, tracker: Tracker
) -> Field | None:
    """Which field the correction changes, from its new words first, then the field it names."""
    content = correction.content
    if find_mobile(content):
        return Field.PHONE
    if resolution.status is not MatchStatus.UNKNOWN:
        return Field.PLACE
    if correction.field in (Field.PLACE, Field.PHONE):
        return correction.field
    if usable_place_text(content) and best_report_code(tracker.intent_ranking):
        return Field.PROBLEM
    return correction.field


def apply_correction(
    correction: Correction,
    gazetteer: Gazetteer,
    dispatcher: Dispatcher,
    tracker: Tracker,
    code_of: Callable[[str], str | None],
) -> list[Event] | None:
    """The events that make the correction, or None when it names nothing to change.

    Every returned list re-opens the read-back (`confirm` cleared), so a corrected
    report is always read back once more before it is filed.
    """
    correction, resolution = _known_place_first(correction, gazetteer)
    field = correction_field(correction, resolution, tracker)
    if field is None:
        return None
    if field is Field.PHONE:
        events = _phone(correction, dispatcher)
    elif field is Field.PLACE:
        events = _place(correction, resolution, gazetteer, dispatcher)
    else:
        events = _problem(correction, dispatcher, tracker, code_of)
    reopened = [slot_set(CONFIRM, None), slot_set(CORRECTING, False)]
    return [*events, *reopened, slot_set(MISUNDERSTANDINGS, 0.0)]


def _known_place_first(
    correction: Correction, gazetteer: Gazetteer
) -> tuple[Correction, Resolution]:
    """The correction's new words, or earlier words of it that name a known place.

    "搞错了，是西彭镇泥壁村，马鞍村是我亲戚屋头": the last words explain, the place
    the registry knows is the new value.
    """
    unknown = Resolution(MatchStatus.UNKNOWN)
    resolution = gazetteer.resolve(correction.content) if correction.content else unknown
    if resolution.status is not MatchStatus.UNKNOWN or find_mobile(correction.content):
        return correction, resolution
    for words in correction.alternatives:
        found = gazetteer.resolve(words)
        if found.status is not MatchStatus.UNKNOWN:
            return replace(correction, content=words), found
    return correction, resolution


def _phone(correction: Correction, dispatcher: Dispatcher) -> list[Event]:
    phone = find_mobile(correction.content)
    if phone is None:
        return [slot_set(PHONE, None)]
    dispatcher.utter(f"好的，电话改成 {mask_phone(phone)}。")
    return [slot_set(PHONE, phone)]


def _place(
    correction: Correction, resolution: Resolution, gazetteer: Gazetteer, dispatcher: Dispatcher
) -> list[Event]:
    cleared = [slot_set(PLACE, None), slot_set(PLACE_CODE, None), slot_set(PLACE_CANDIDATES, None)]
    place = resolution.place
    if resolution.status is MatchStatus.AMBIGUOUS:
        return [*cleared, slot_set(PLACE_CANDIDATES, [p.code for p in resolution.candidates])]
    if place is not None and place.level == StationLevel.TOWN:
        estate = estate_in(correction.content, (place.name, place.label))
        if estate:
            dispatcher.utter(f"好的，地点改成{place.label}{estate}。")
            return town_estate_events(place, estate)
        if correction.unsure:  # no community known: the town is the place
            dispatcher.utter(f"好的，地点改成{place.label}，具体位置工作人员会再跟您核实。")
            return place_events(place, place.label)
        return [*cleared, *place_events(place)]
    if place is not None:
        dispatcher.utter(f"好的，地点改成{place.label}。")
        return place_events(place, place.label)
    if usable_place_text(correction.content):
        dispatcher.utter(f"好的，地点改成「{correction.content}」。")
        return [*cleared, slot_set(PLACE, correction.content[:100])]
    return cleared


def _problem(
    correction: Correction,
    dispatcher: Dispatcher,
    tracker: Tracker,
    code_of: Callable[[str], str | None],
) -> list[Event]:
    """The new problem's words replace the old; its code is read from those words alone."""
    if not usable_place_text(correction.content):
        return [slot_set(PROBLEM, None)]
    code = (
        code_of(correction.content)
        or best_report_code(tracker.intent_ranking)
        or tracker.get_slot(SERVICE_CODE)
        or "other"
    )
    dispatcher.utter(f"好的，问题改成「{correction.content}」（{SERVICE_NAMES[code]}）。")
    return [
        slot_set(PROBLEM, correction.content[:MAX_PROBLEM_TEXT]),
        slot_set(SERVICE_CODE, code),
    ]
