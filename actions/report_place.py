"""Reading the answer to "where?": a community, a town and its estate, a landmark, or no idea.

A place is never a phone number, a ticket number, a yes/no or a greeting. A
town alone gets the question which community; an estate the registry does not
know, after a known town, is kept as text at town level; a resident may decline
or not know, and a landmark is taken as the place for the station to find.
"""

from actions.answers import declines_place, estate_in, names_landmark, usable_place_text
from actions.framework import Dispatcher, Event, Tracker, slot_set
from actions.report_prompts import misunderstood, understood
from actions.report_slots import (
    EMERGENCY,
    MISUNDERSTANDINGS,
    PLACE,
    PLACE_ATTEMPTS,
    PLACE_CANDIDATES,
    PLACE_CODE,
    MessageFacts,
    location_events,
    place_events,
    town_estate_events,
)
from api.desk.types import Gazetteer, MatchStatus, StationLevel

UNKNOWN_PLACE = "未说明具体位置"


def read_place(
    facts: MessageFacts,
    gazetteer: Gazetteer,
    dispatcher: Dispatcher,
    tracker: Tracker,
    side: list[Event],
    interrupts: bool,
) -> list[Event]:
    """Slot events for the answer to "where?"; [] hands the message to Rasa's rules.

    `side` holds what else the message said (a phone); `interrupts` says the
    message is really another request (cancel, a person, a greeting).
    """
    if facts.location is not None:
        return [*location_events(facts, place_known=False), *side, *understood()]
    town_code = asking_community_of(tracker, gazetteer)
    resolution = (
        gazetteer.narrow_to_town(facts.resolution, town_code) if town_code else facts.resolution
    )
    if tracker.entity(PLACE_CODE) and facts.resolution.place is not None:
        resolution = facts.resolution
    place = resolution.place
    if place is not None and place.level == StationLevel.TOWN and place.code != town_code:
        estate = estate_in(facts.text, (place.name, place.label))
        if estate:  # an estate the registry does not know, in a town it knows
            return [*town_estate_events(place, estate), *side, *understood()]
        if tracker.get_slot(EMERGENCY):  # no time to ask which community: the town goes now
            said = facts.text if usable_place_text(facts.text) else place.label
            return [*place_events(place, said), *side, *understood()]
        # A town (or another town than before): ask which community in it.
        return [*place_events(place), *place_attempt(tracker), *side]
    if resolution.status is MatchStatus.EXACT and place is not None:
        said = place.label if tracker.entity(PLACE_CODE) or town_code else facts.text
        return [*place_events(place, said), *side, *understood()]
    if resolution.status is MatchStatus.AMBIGUOUS:
        codes = [p.code for p in resolution.candidates]
        return [slot_set(PLACE_CANDIDATES, codes), *place_attempt(tracker), *side]
    if interrupts and not facts.place_found:
        return side  # a person, a cancel or a greeting asked for: never a place
    # In an emergency the town goes now, whatever was said about the community.
    if town_code is not None and (
        tracker.get_slot(EMERGENCY) or usable_place_text(facts.text) or means_unknown(facts.text)
    ):
        return accept_at_town(gazetteer, town_code, facts, side)
    if town_code is None and declines_place(facts.text):
        dispatcher.utter("没关系，我先登记下来，工作人员会再跟您核实具体位置。")
        return [slot_set(PLACE, UNKNOWN_PLACE), slot_set(PLACE_CODE, None), *side]
    if names_landmark(facts.text) or (
        tracker.get_slot(PLACE_ATTEMPTS) and usable_place_text(facts.text)
    ):
        dispatcher.utter(f"好的，我先按「{facts.text}」登记，工作人员会再跟您确认具体位置。")
        return [
            slot_set(PLACE, facts.text[:100]),
            slot_set(PLACE_CANDIDATES, None),
            *side,
            *understood(),
        ]
    if side or interrupts:
        return side
    if not usable_place_text(facts.text):
        return misunderstood(
            dispatcher,
            tracker,
            "这一步需要告诉我地点：街道或镇，再加上社区、村或小区，比如「杨家坪街道天宝路社区」。",
        )
    return [
        *place_attempt(tracker),
        *misunderstood(
            dispatcher,
            tracker,
            f"没找到「{facts.text}」这个地方。请告诉我街道或镇的名字，再加上社区、村或小区。",
        ),
    ]


def asking_community_of(tracker: Tracker, gazetteer: Gazetteer) -> str | None:
    """The town already named, when the bot is now asking which community in it."""
    code = tracker.get_slot(PLACE_CODE)
    place = gazetteer.place(str(code)) if code else None
    if place is not None and place.level == StationLevel.TOWN and not tracker.get_slot(PLACE):
        return place.code
    return None


def accept_at_town(
    gazetteer: Gazetteer, town_code: str, facts: MessageFacts, side: list[Event]
) -> list[Event]:
    """The community is not known (or not said): the town, with what the resident added."""
    town = gazetteer.place(town_code)
    label = town.label if town else ""
    detail = "" if means_unknown(facts.text) or facts.phone else facts.text
    said = f"{label}{detail}"[:100] if detail and detail not in label else label
    return [
        slot_set(PLACE, said),
        slot_set(PLACE_CANDIDATES, None),
        *side,
        slot_set(MISUNDERSTANDINGS, 0.0),
    ]


def place_attempt(tracker: Tracker) -> list[Event]:
    """One more answer that did not name a known place."""
    attempts = float(tracker.get_slot(PLACE_ATTEMPTS) or 0) + 1
    return [slot_set(PLACE_ATTEMPTS, attempts)]


def means_unknown(text: str) -> bool:
    """Answers that mean "I don't know" rather than naming a place."""
    return any(word in text for word in ("不知道", "不清楚", "不晓得", "没得", "不记得", "就这"))
