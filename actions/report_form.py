"""validate_report_form: reads each answer the resident gives while a report is open.

Every answer is read for what it says, whatever was asked: a phone number
typed while the bot asked for the place is taken, and so is a place given at
confirmation (that is how residents correct an answer). When an answer is
really another request (cancel, a person, an emergency, a greeting), the
action returns no slot, so Rasa rejects the form and the rules take over.
"""

from typing import Any

from actions.context import ActionContext
from actions.framework import REQUESTED_SLOT, Dispatcher, Event, Tracker, slot_set
from actions.report_slots import (
    CONFIRM,
    CORRECTING,
    MISUNDERSTANDINGS,
    PHONE,
    PHONE_DECLINED,
    PLACE,
    PLACE_ATTEMPTS,
    PLACE_CANDIDATES,
    PLACE_CODE,
    PROBLEM,
    SERVICE_CODE,
    MessageFacts,
    declines_phone,
    location_events,
    next_missing_slot,
    place_events,
    read_facts,
)
from api.catalogue import EMERGENCY_INTENT_PREFIX, service_code_for_intent
from api.stations.gazetteer import Gazetteer, MatchStatus
from api.stations.models import StationLevel

INTERRUPTING_INTENTS = frozenset(
    {
        "cancel",
        "handoff",
        "greet",
        "goodbye",
        "thanks",
        "capabilities",
        "out_of_scope",
        "ticket_status",
        "rate",
    }
)
INTERRUPT_CONFIDENCE = 0.6
# A possible emergency interrupts at lower confidence: a false alarm costs less than a miss.
EMERGENCY_INTERRUPT_CONFIDENCE = 0.35
ADDITION_CONFIDENCE = 0.7
MIN_PROBLEM_LENGTH = 2
CORRECTABLE = {PROBLEM: (PROBLEM,), PLACE: (PLACE, PLACE_CODE, PLACE_CANDIDATES), PHONE: (PHONE,)}


class ValidateReportForm:
    """Turns each answer into slot values and picks the next question."""

    name = "validate_report_form"

    def __init__(self, context: ActionContext, gazetteer_of: Any) -> None:
        self._context = context
        self._gazetteer_of = gazetteer_of

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:
            # The form is starting: the opening action already read the first message.
            return [slot_set(REQUESTED_SLOT, next_missing_slot(tracker))]
        if self._emergency(tracker):
            return []  # the emergency rule gives the hotline first, then the form goes on
        with self._context.session_factory() as session:
            gazetteer = self._gazetteer_of(session)
            facts = read_facts(tracker, gazetteer)
            events = self._read_answer(str(requested), facts, gazetteer, dispatcher, tracker)
        if not events:
            return []  # another request: let Rasa's rules handle it
        tracker.apply(events)
        return [*events, slot_set(REQUESTED_SLOT, next_missing_slot(tracker))]

    def _read_answer(
        self,
        requested: str,
        facts: MessageFacts,
        gazetteer: Gazetteer,
        dispatcher: Dispatcher,
        tracker: Tracker,
    ) -> list[Event]:
        if requested == PROBLEM:
            return self._problem(facts, dispatcher, tracker)
        if requested == PLACE:
            return self._place(facts, gazetteer, dispatcher, tracker)
        if requested == PHONE:
            return self._phone(facts, dispatcher, tracker)
        if requested == CONFIRM:
            return self._confirm(facts, dispatcher, tracker)
        return []

    # --- one reader per question -------------------------------------------------

    def _problem(
        self, facts: MessageFacts, dispatcher: Dispatcher, tracker: Tracker
    ) -> list[Event]:
        if self._interrupts(tracker):
            return []
        if len(set(facts.text)) < MIN_PROBLEM_LENGTH:
            return self._misunderstood(
                dispatcher, tracker, "能再多说几个字吗？比如「楼上漏水到我家了」。"
            )
        code = service_code_for_intent(tracker.intent) or tracker.get_slot(SERVICE_CODE) or "other"
        return [
            slot_set(PROBLEM, facts.text),
            slot_set(SERVICE_CODE, code),
            *self._side_facts(facts, tracker, asked=PROBLEM),
            *self._understood(),
        ]

    def _place(
        self, facts: MessageFacts, gazetteer: Gazetteer, dispatcher: Dispatcher, tracker: Tracker
    ) -> list[Event]:
        side = self._side_facts(facts, tracker, asked=PLACE)
        if facts.location is not None:
            return [*location_events(facts.location, place_known=False), *side, *self._understood()]
        town_code = self._asking_community_of(tracker, gazetteer)
        resolution = (
            gazetteer.narrow_to_town(facts.resolution, town_code) if town_code else facts.resolution
        )
        if tracker.entity(PLACE_CODE) and facts.resolution.place is not None:
            resolution = facts.resolution
        place = resolution.place
        if place is not None and place.level == StationLevel.TOWN and place.code != town_code:
            # A town (or another town than before): ask which community in it.
            return [*place_events(place), *self._place_attempt(tracker), *side]
        if resolution.status is MatchStatus.EXACT and place is not None:
            said = place.label if tracker.entity(PLACE_CODE) or town_code else facts.text
            return [*place_events(place, said), *side, *self._understood()]
        if resolution.status is MatchStatus.AMBIGUOUS:
            codes = [p.code for p in resolution.candidates]
            return [slot_set(PLACE_CANDIDATES, codes), *self._place_attempt(tracker), *side]
        if town_code is not None:
            return self._accept_at_town(gazetteer, town_code, facts, side)
        if side or self._interrupts(tracker):
            return side
        if tracker.get_slot(PLACE_ATTEMPTS):
            dispatcher.utter(f"好的，我先按「{facts.text}」登记，工作人员会再跟您确认具体位置。")
            return [
                slot_set(PLACE, facts.text[:100]),
                slot_set(PLACE_CODE, None),
                slot_set(PLACE_CANDIDATES, None),
                *self._understood(),
            ]
        return [
            *self._place_attempt(tracker),
            *self._misunderstood(
                dispatcher,
                tracker,
                f"没找到「{facts.text}」这个地方。请告诉我街道或镇的名字，再加上社区、村或小区。",
            ),
        ]

    def _phone(self, facts: MessageFacts, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if facts.phone:
            return [
                slot_set(PHONE, facts.phone),
                *self._side_facts(facts, tracker, asked=PHONE),
                *self._understood(),
            ]
        if declines_phone(tracker):
            return [slot_set(PHONE, PHONE_DECLINED), *self._understood()]
        side = self._side_facts(facts, tracker, asked=PHONE)
        if side or self._interrupts(tracker):
            return side
        return self._misunderstood(
            dispatcher,
            tracker,
            "这个号码好像不对。手机号是 11 位数字，比如 13812345678；不想留就点「不留电话」。",
        )

    def _confirm(
        self, facts: MessageFacts, dispatcher: Dispatcher, tracker: Tracker
    ) -> list[Event]:
        field = tracker.entity("field")
        if field in CORRECTABLE:
            dispatcher.utter("好的，我们重新填一下这一项。")
            cleared = [slot_set(name, None) for name in CORRECTABLE[str(field)]]
            return [*cleared, slot_set(CONFIRM, None), slot_set(CORRECTING, False)]
        if tracker.intent == "affirm" and not facts.phone and not facts.place_found:
            return [slot_set(CONFIRM, True), slot_set(CORRECTING, False), *self._understood()]
        side = self._side_facts(facts, tracker, asked=CONFIRM)
        if side:
            return [*side, slot_set(CONFIRM, None), slot_set(CORRECTING, False)]
        if tracker.intent in ("deny", "correct"):
            return [slot_set(CONFIRM, None), slot_set(CORRECTING, True)]
        if self._interrupts(tracker):
            return []
        return self._misunderstood(
            dispatcher, tracker, "没太明白。信息没问题就点「确认提交」，要改就点要改的那一项。"
        )

    # --- shared pieces -------------------------------------------------------------

    def _side_facts(self, facts: MessageFacts, tracker: Tracker, asked: str) -> list[Event]:
        """Facts the resident volunteered beyond the question: a phone, a place, more problem."""
        events: list[Event] = []
        if asked != PHONE and facts.phone:
            events.append(slot_set(PHONE, facts.phone))
        if asked != PLACE and facts.place_found and facts.resolution.place:
            events += place_events(facts.resolution.place)
        if asked != PROBLEM and facts.location is not None:
            events += location_events(facts.location, place_known=True)
        if not events and asked != PROBLEM and self._adds_to_problem(tracker):
            problem = tracker.get_slot(PROBLEM) or ""
            events.append(slot_set(PROBLEM, f"{problem}；{facts.text}" if problem else facts.text))
        return events

    @staticmethod
    def _adds_to_problem(tracker: Tracker) -> bool:
        code = service_code_for_intent(tracker.intent)
        return code is not None and tracker.intent_confidence >= ADDITION_CONFIDENCE

    @staticmethod
    def _emergency(tracker: Tracker) -> bool:
        intent = tracker.intent or ""
        return (
            intent.startswith(EMERGENCY_INTENT_PREFIX)
            and tracker.intent_confidence >= EMERGENCY_INTERRUPT_CONFIDENCE
        )

    @staticmethod
    def _interrupts(tracker: Tracker) -> bool:
        intent = tracker.intent or ""
        return intent in INTERRUPTING_INTENTS and tracker.intent_confidence >= INTERRUPT_CONFIDENCE

    @staticmethod
    def _asking_community_of(tracker: Tracker, gazetteer: Gazetteer) -> str | None:
        """The town already named, when the bot is now asking which community in it."""
        code = tracker.get_slot(PLACE_CODE)
        place = gazetteer.place(str(code)) if code else None
        if place is not None and place.level == StationLevel.TOWN and not tracker.get_slot(PLACE):
            return place.code
        return None

    @staticmethod
    def _accept_at_town(
        gazetteer: Gazetteer, town_code: str, facts: MessageFacts, side: list[Event]
    ) -> list[Event]:
        town = gazetteer.place(town_code)
        label = town.label if town else ""
        detail = "" if means_unknown(facts.text) else facts.text
        said = f"{label}{detail}"[:100] if detail and detail not in label else label
        return [
            slot_set(PLACE, said),
            slot_set(PLACE_CANDIDATES, None),
            *side,
            slot_set(MISUNDERSTANDINGS, 0.0),
        ]

    @staticmethod
    def _place_attempt(tracker: Tracker) -> list[Event]:
        attempts = float(tracker.get_slot(PLACE_ATTEMPTS) or 0) + 1
        return [slot_set(PLACE_ATTEMPTS, attempts)]

    @staticmethod
    def _understood() -> list[Event]:
        return [slot_set(MISUNDERSTANDINGS, 0.0)]

    @staticmethod
    def _misunderstood(dispatcher: Dispatcher, tracker: Tracker, hint: str) -> list[Event]:
        dispatcher.utter(hint)
        count = float(tracker.get_slot(MISUNDERSTANDINGS) or 0) + 1
        return [slot_set(MISUNDERSTANDINGS, count)]


def means_unknown(text: str) -> bool:
    """Answers that mean "I don't know" rather than naming a place."""
    return any(word in text for word in ("不知道", "不清楚", "不晓得", "没得", "不记得", "就这"))
