"""Corrections at any question: the new problem, place or phone replaces the old one.

"哦不对，是水管爆了在漏", "等一下，社区说错了，是西郊二村社区" or "电话打错了，是
139…" may come at any step, before or after the read-back. The corrected value
replaces the old one everywhere (read-back, ticket, dispatch) and the form then
asks again what it was asking, or reads the report back again.
"""

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from actions.answers import (
    Correction,
    Field,
    chinese_characters,
    estate_in,
    usable_place_text,
)
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
    MessageFacts,
    place_events,
    problem_words,
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
MIN_PROBLEM_WORDS = 3
ASK_WHICH = "好的，您要改的是问题、地点还是电话？直接说改成什么就行，比如「地点是西郊二村社区」。"


def correction_fields(
    correction: Correction,
    resolution: Resolution,
    tracker: Tracker,
    code_of: Callable[[str], str | None],
) -> dict[Field, str]:
    """Each field the correction changes, with the words for it.

    One message may change several: "搞错了，不是停气是停电，电话138…" gives the problem
    and the phone, "不对，是路面烂了个坑，在白市驿镇驿都社区" the problem and the place.
    New words decide first (a phone number, a place the registry knows, words the model
    reads as a problem); a field the resident only names ("地址写错了") comes last.
    """
    content = correction.content
    fields: dict[Field, str] = {}
    if find_mobile(content):
        fields[Field.PHONE] = content
    if resolution.status is not MatchStatus.UNKNOWN:
        fields[Field.PLACE] = content
    if fields:
        words = _problem_besides(content, resolution)
        if correction.field in (None, Field.PROBLEM) and words and code_of(words):
            fields[Field.PROBLEM] = words
        return fields
    if correction.field in (Field.PLACE, Field.PHONE):
        return {correction.field: content}
    if usable_place_text(content) and best_report_code(tracker.intent_ranking):
        return {Field.PROBLEM: content}
    return {correction.field: content} if correction.field else {}


# Words left at the end once the place is gone: 我住在, 地址是, location:, phone.
_LEAD_OUT = re.compile(
    r"[\s，,。.;；、:：!！]*((我|我们)?(家)?(住在|住|就在|在)|(地址|地点|位置|地方)(是|在)?|"
    r"location|address|phone|tel)?[\s，,。.;；、:：!！]*$",
    re.IGNORECASE,
)
# Words that only say where: what is left of "我们小区归…社区管" once these go is no problem.
_PLACE_TALK = re.compile(
    r"我们|我家|我|小区|社区|街道|镇|村|归|管|属于|那边|这边|那里|这里|位置|地址|地点|"
    r"楼栋|栋|单元|号|的|在|是|住|就|哈|嘛|哦|啊|呀|了"
)


def _problem_besides(content: str, resolution: Resolution) -> str | None:
    """What the correction says besides its place and phone: a new problem's words, or None."""
    facts = MessageFacts(
        text=content, phone=find_mobile(content), resolution=resolution, location=None
    )
    words = problem_words(facts)
    if words is None:
        return None
    previous = None
    while previous != words:  # lead-ins left at the end once the place is gone
        previous, words = words, _LEAD_OUT.sub("", words)
    place = resolution.place
    estate = estate_in(words, (place.name, place.label) if place is not None else ())
    if estate:
        words = words.replace(estate, "，")
    words = words.strip(" ，,。.;；、:：!！的")
    if chinese_characters(words) < MIN_PROBLEM_WORDS:
        return None
    return words if chinese_characters(_PLACE_TALK.sub("", words)) >= 2 else None


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
    read_code = cache(code_of)  # the new problem's words are parsed once, not twice
    fields = correction_fields(correction, resolution, tracker, read_code)
    if not fields:
        return None
    events: list[Event] = []
    if Field.PROBLEM in fields:
        events += _problem(fields[Field.PROBLEM], dispatcher, tracker, read_code)
    if Field.PLACE in fields:
        moved = replace(correction, content=fields[Field.PLACE])
        events += _place(moved, resolution, gazetteer, dispatcher)
    if Field.PHONE in fields:
        events += _phone(fields[Field.PHONE], dispatcher)
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


def _phone(content: str, dispatcher: Dispatcher) -> list[Event]:
    phone = find_mobile(content)
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
    content: str,
    dispatcher: Dispatcher,
    tracker: Tracker,
    code_of: Callable[[str], str | None],
) -> list[Event]:
    """The new problem's words replace the old; its code is read from those words alone."""
    if not usable_place_text(content):
        return [slot_set(PROBLEM, None)]
    code = (
        code_of(content)
        or best_report_code(tracker.intent_ranking)
        or tracker.get_slot(SERVICE_CODE)
        or "other"
    )
    dispatcher.utter(f"好的，问题改成「{content}」（{SERVICE_NAMES[code]}）。")
    return [
        slot_set(PROBLEM, content[:MAX_PROBLEM_TEXT]),
        slot_set(SERVICE_CODE, code),
    ]
