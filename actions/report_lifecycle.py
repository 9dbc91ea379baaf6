"""Opening, filing and cancelling a report; the emergency advice that may open one."""

import re

from actions.answers import is_bare_reply
from actions.context import ActionContext
from actions.followups import answer_followup
from actions.framework import Dispatcher, Event, Tracker, active_loop, slot_set
from actions.report_slots import (
    EMERGENCY,
    EMERGENCY_KIND,
    FOLLOWUP,
    LOCATION_LAT,
    LOCATION_LON,
    PHONE,
    PHONE_DECLINED,
    PLACE,
    PLACE_CODE,
    PROBLEM,
    SERVICE_CODE,
    TICKET_NUMBER,
    MessageFacts,
    first_message_events,
    problem_words,
    read_facts,
    reset_events,
)
from api.catalogue import (
    EMERGENCY_KINDS,
    SERVICE_NAMES,
    EmergencyKind,
    best_report_code,
    emergency_for_intent,
    service_code_for_intent,
    understand,
)
from api.desk.types import (
    DeskUnavailableError,
    FiledReport,
    NewReport,
    StationLevel,
    level_of_code,
)

# Opens every emergency's first answer (the number to call); the app's chat knows it by this.
EMERGENCY_MARK = "🚨"
SPOOLED_REPLY = (
    "您反映的问题已经记下了。系统这会儿有点忙，工单号稍后生成，"
    "工作人员会照样跟进；着急的话也可以直接到附近的老杨工作站。"
)


class StartReport:
    """A report intent opens the form: keep what the first message already says."""

    name = "action_start_report"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        desk = self._context.desk
        if self._answered_as_followup(dispatcher, tracker):
            # The form opens and closes at once; SubmitReport files nothing.
            return [*reset_events(), slot_set(PROBLEM, tracker.text), slot_set(FOLLOWUP, True)]
        facts = read_facts(tracker, desk.places(), desk)
        code = service_code_for_intent(tracker.intent)
        if code is None and describes_problem(facts):
            # "杨家坪天宝路社区，厕所堵了，电话…" read as a place: the problem is there too.
            # A few words left ("停气了", "我在") are read by the model alone, not guessed
            # from the whole message's weak report scores.
            words = problem_words(facts) or facts.text
            guess = best_report_code(tracker.intent_ranking) if len(words) >= SURE_WORDS else None
            code = guess or self._context.code_of(words)
        events = reset_events()
        if code is not None:
            events += [slot_set(PROBLEM, facts.text), slot_set(SERVICE_CODE, code)]
        return events + first_message_events(facts)

    def _answered_as_followup(self, dispatcher: Dispatcher, tracker: Tracker) -> bool:
        """A question about an earlier ticket, answered; never while the database is down
        (the report is then taken as new, and kept until it can be filed)."""
        try:
            return answer_followup(self._context.desk, tracker, dispatcher)
        except DeskUnavailableError:
            return False


# Words beside a place or phone that surely tell a problem, not "我在" or "这里".
SURE_WORDS = 4


# What is left of "我在杨家坪街道天宝路社区" or "我家住这边": where, not what.
_PLACE_FILLER = re.compile(
    r"^(我|我们|我家|俺|家|住户)?(现在|就)?(在|住|住在|是|位于|地址是?)?"
    r"(这里|这边|那里|那边|附近|里|头|的|哈|嘛|哦|呀|啊|了)*$"
)


def describes_problem(facts: MessageFacts) -> bool:
    """The message names a place or phone, and says more than that: a problem is in it."""
    words = problem_words(facts) if facts.place_found or facts.phone else None
    return words is not None and not is_bare_reply(words) and not _PLACE_FILLER.match(words)


def calls_of(kind: EmergencyKind | None) -> list[dict[str, str]]:
    """The hotlines to show as call buttons (110, 119 and 120 when the kind is unknown)."""
    if kind is None:
        return [{"name": "报警", "number": "110"}, {"name": "火警", "number": "119"},
                {"name": "急救", "number": "120"}]  # fmt: skip
    return [{"name": call.name, "number": call.number} for call in kind.calls]


class EmergencyAdvice:
    """Tell the resident whom to call first; the form then files an urgent ticket."""

    name = "action_emergency_advice"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        kind = emergency_for_intent(tracker.intent)
        if kind is None:
            return []
        dispatcher.utter(
            f"{EMERGENCY_MARK} 这是紧急情况（{kind.label}）！{kind.advice}\n"
            "我同时为您登记紧急工单，马上通知附近的老杨工作站。",
            custom={
                "type": "emergency",
                "label": kind.label,
                "advice": kind.advice,
                "calls": calls_of(kind),
            },
        )
        desk = self._context.desk
        facts = read_facts(tracker, desk.places(), desk)
        in_report = tracker.active_loop_name is not None
        problem = tracker.get_slot(PROBLEM) if in_report else None
        events = [] if in_report else reset_events()
        events += [
            slot_set(EMERGENCY, True),
            slot_set(EMERGENCY_KIND, kind.kind),
            slot_set(PROBLEM, f"{problem}；{facts.text}" if problem else facts.text),
        ]
        if not (in_report and tracker.get_slot(SERVICE_CODE)):
            # The code names the problem around the danger, decided apart from it.
            code = understand(tracker.intent, tracker.intent_ranking, facts.text).service_code
            events.append(slot_set(SERVICE_CODE, code or kind.service_code))
        known = {name: tracker.get_slot(name) for name in (PLACE, PHONE)} if in_report else {}
        return events + [
            event for event in first_message_events(facts) if not known.get(event["name"])
        ]


class SubmitReport:
    """File the ticket (once, even if Rasa retries) and tell the resident where it went."""

    name = "action_submit_report"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if tracker.get_slot(FOLLOWUP):
            return reset_events()  # the message was about an earlier ticket, already answered
        filed = self._context.desk.file_report(self._report(tracker))
        if filed is None:  # kept on the desk's side and filed as soon as it can be
            dispatcher.utter(SPOOLED_REPLY)
            return reset_events()
        self._announce(dispatcher, filed)
        return [*reset_events(), slot_set(TICKET_NUMBER, filed.number)]

    @staticmethod
    def _report(tracker: Tracker) -> NewReport:
        """The report as the conversation collected it (no database needed to build it)."""
        code = tracker.get_slot(PLACE_CODE)
        is_town = bool(code) and level_of_code(str(code)) == StationLevel.TOWN
        phone = tracker.get_slot(PHONE)
        lat, lon = tracker.get_slot(LOCATION_LAT), tracker.get_slot(LOCATION_LON)
        return NewReport(
            service_code=tracker.get_slot(SERVICE_CODE) or "other",
            description=str(tracker.get_slot(PROBLEM) or tracker.text or "（未描述）"),
            emergency=bool(tracker.get_slot(EMERGENCY)),
            emergency_kind=tracker.get_slot(EMERGENCY_KIND),
            location_text=tracker.get_slot(PLACE),
            community_code=None if is_town or not code else str(code),
            town_code=str(code) if is_town else None,
            lat=float(lat) if lat is not None else None,
            lon=float(lon) if lon is not None else None,
            contact_phone=None if phone in (None, PHONE_DECLINED) else str(phone),
            sender_id=tracker.sender_id,
            idempotency_key=f"{tracker.sender_id}:{tracker.turn_id or tracker.text}",
        )

    @staticmethod
    def _announce(dispatcher: Dispatcher, filed: FiledReport) -> None:
        head = "🚨 紧急工单已登记" if filed.emergency else "✅ 已为您登记"
        contact = (
            f"工作人员会在{filed.contact_by}联系您。"
            if filed.has_phone
            else f"工作人员会在{filed.contact_by}跟进；您没有留电话，进展会在这里告诉您。"
        )
        dispatcher.utter(
            f"{head}，工单号 {filed.number}。\n"
            f"已转给{filed.station_name}，{contact}\n"
            "想查进度，随时问我或把工单号发给我。",
            custom={
                "type": "ticket",
                "number": filed.number,
                "category": SERVICE_NAMES[filed.service_code],
                "station": filed.station_name,
                "contact_by": filed.contact_by,
                "emergency": filed.emergency,
                "calls": calls_of(EMERGENCY_KINDS.get(filed.emergency_kind or ""))
                if filed.emergency
                else [],
            },
        )


class CancelReport:
    """The resident changed their mind: nothing is filed."""

    name = "action_cancel_report"

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        dispatcher.utter("好的，这次就先不登记了。有需要随时找我。")
        return [active_loop(None), *reset_events()]
