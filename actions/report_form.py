"""validate_report_form: reads each answer the resident gives while a report is open.

Every answer is read for what it says, whatever was asked: a phone number
typed while the bot asked for the place is taken, and so is a place given at
confirmation (that is how residents correct an answer). When an answer is
really another request (cancel, a person, an emergency, a greeting), the
action returns no slot, so Rasa rejects the form and the rules take over.
"""

import re

from actions.answers import (
    is_bare_reply,
    phone_problem,
    read_correction,
    says_yes,
)
from actions.context import ActionContext
from actions.framework import REQUESTED_SLOT, Dispatcher, Event, Tracker, slot_set
from actions.report_corrections import ASK_WHICH, apply_correction
from actions.report_place import read_place
from actions.report_prompts import misunderstood, understood
from actions.report_slots import (
    CONFIRM,
    CORRECTING,
    FOLLOWUP,
    MISUNDERSTANDINGS,
    PHONE,
    PHONE_DECLINED,
    PLACE,
    PLACE_CANDIDATES,
    PLACE_CODE,
    PROBLEM,
    SERVICE_CODE,
    MessageFacts,
    declines_phone,
    location_events,
    next_missing_slot,
    read_facts,
    resolved_place_events,
)
from api.catalogue import EMERGENCY_INTENT_PREFIX, service_code_for_intent
from api.desk.types import Gazetteer

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
ADDITION = re.compile(r"^(还有|另外|补充|而且|并且|对了|顺便)")
MIN_PROBLEM_LENGTH = 2
CORRECTABLE = {PROBLEM: (PROBLEM,), PLACE: (PLACE, PLACE_CODE, PLACE_CANDIDATES), PHONE: (PHONE,)}


class ValidateReportForm:
    """Turns each answer into slot values and picks the next question."""

    name = "validate_report_form"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:
            # The form is starting: the opening action already read the first message.
            if tracker.get_slot(FOLLOWUP):
                return [slot_set(REQUESTED_SLOT, None)]  # answered as a follow-up: done
            return [slot_set(REQUESTED_SLOT, next_missing_slot(tracker))]
        if self._emergency(tracker):
            return []  # the emergency rule gives the hotline first, then the form goes on
        gazetteer = self._context.desk.places()
        facts = read_facts(tracker, gazetteer, self._context.desk)
        events = self._correction(str(requested), gazetteer, dispatcher, tracker)
        if events is None:
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
            side = self._side_facts(facts, tracker, asked=PLACE)
            return read_place(
                facts, gazetteer, dispatcher, tracker, side, self._interrupts(tracker)
            )
        if requested == PHONE:
            return self._phone(facts, dispatcher, tracker)
        if requested == CONFIRM:
            return self._confirm(facts, dispatcher, tracker)
        return []

    def _correction(
        self, requested: str, gazetteer: Gazetteer, dispatcher: Dispatcher, tracker: Tracker
    ) -> list[Event] | None:
        """A typed correction of an earlier answer, at any question but the first."""
        if requested == PROBLEM or tracker.entity("field"):
            return None
        correction = read_correction(tracker.text)
        if correction is None:
            return None
        events = apply_correction(correction, gazetteer, dispatcher, tracker, self._context.code_of)
        if events is not None:
            return events
        if requested == CONFIRM:
            return None  # "不对" at the read-back: the form asks which part to change
        dispatcher.utter(ASK_WHICH)
        return [slot_set(MISUNDERSTANDINGS, 0.0)]

    # --- one reader per question -------------------------------------------------

    def _problem(
        self, facts: MessageFacts, dispatcher: Dispatcher, tracker: Tracker
    ) -> list[Event]:
        if self._interrupts(tracker):
            return []
        if len(set(facts.text)) < MIN_PROBLEM_LENGTH or is_bare_reply(facts.text):
            return misunderstood(
                dispatcher, tracker, "能再多说几个字吗？比如「楼上漏水到我家了」。"
            )
        code = service_code_for_intent(tracker.intent) or tracker.get_slot(SERVICE_CODE) or "other"
        return [
            slot_set(PROBLEM, facts.text),
            slot_set(SERVICE_CODE, code),
            *self._side_facts(facts, tracker, asked=PROBLEM),
            *understood(),
        ]

    def _phone(self, facts: MessageFacts, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if facts.phone:
            return [
                slot_set(PHONE, facts.phone),
                *self._side_facts(facts, tracker, asked=PHONE),
                *understood(),
            ]
        problem = phone_problem(facts.text)
        if problem:
            return misunderstood(dispatcher, tracker, problem)
        if declines_phone(tracker):
            return [slot_set(PHONE, PHONE_DECLINED), *understood()]
        side = self._side_facts(facts, tracker, asked=PHONE)
        if side or self._interrupts(tracker):
            return side
        return misunderstood(
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
        agrees = tracker.intent == "affirm" or says_yes(facts.text)
        if agrees and not facts.phone and not facts.place_found:
            return [slot_set(CONFIRM, True), slot_set(CORRECTING, False), *understood()]
        side = self._side_facts(facts, tracker, asked=CONFIRM)
        if side:
            return [*side, slot_set(CONFIRM, None), slot_set(CORRECTING, False)]
        if tracker.intent in ("deny", "correct"):
            return [slot_set(CONFIRM, None), slot_set(CORRECTING, True)]
        if self._interrupts(tracker):
            return []
        return misunderstood(
            dispatcher, tracker, "没太明白。信息没问题就点「确认提交」，要改就点要改的那一项。"
        )

    # --- shared pieces -------------------------------------------------------------

    def _side_facts(self, facts: MessageFacts, tracker: Tracker, asked: str) -> list[Event]:
        """Facts the resident volunteered beyond the question: a phone, a place, more problem."""
        events: list[Event] = []
        if asked != PHONE and facts.phone:
            events.append(slot_set(PHONE, facts.phone))
        if asked != PLACE and facts.place_found and facts.resolution.place:
            events += [slot_set(PLACE, None), *resolved_place_events(facts)]
        if asked != PROBLEM and facts.location is not None:
            events += location_events(facts, place_known=True)
        if not events and asked != PROBLEM and self._adds_to_problem(tracker):
            problem = tracker.get_slot(PROBLEM) or ""
            events.append(slot_set(PROBLEM, f"{problem}；{facts.text}" if problem else facts.text))
        return events

    @staticmethod
    def _adds_to_problem(tracker: Tracker) -> bool:
        """Only a message that says it adds something ("还有…") joins the problem text."""
        code = service_code_for_intent(tracker.intent)
        return (
            code is not None
            and tracker.intent_confidence >= ADDITION_CONFIDENCE
            and ADDITION.match(tracker.text.strip()) is not None
        )

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
