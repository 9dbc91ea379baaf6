"""Everything that is not a new report: progress, a person, a rating, not understood."""

import re

from actions.answers import says_yes
from actions.context import ActionContext
from actions.followups import RECENT_TICKETS, answer_followup, describe, pick, summary_line
from actions.framework import Dispatcher, Event, Tracker, active_loop, button, slot_set
from actions.report_slots import (
    MISUNDERSTANDINGS,
    PHONE,
    PHONE_DECLINED,
    PROBLEM,
    TICKET_NUMBER,
    reset_events,
)
from api.desk.types import find_mobile, find_ticket_number

# Words that ask for a person outright, not about a ticket's progress.
ASKS_FOR_A_PERSON = re.compile(r"人工|真人|转接|接线员|客服|找个人|来个人|跟人说|打电话给我|联系我")
_STARS = re.compile(r"([1-5])\s*(?:星|分|颗星)|([一二三四五])\s*(?:星|分|颗星)")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_RATING_WORDS = (
    ("非常满意", 5),
    ("很满意", 5),
    ("好评", 5),
    ("不满意", 2),
    ("没解决", 1),
    ("差评", 1),
    ("一般", 3),
    ("还行", 4),
    ("满意", 4),
)
COMMON_PROBLEMS = [
    button("家里漏水", "家里漏水了"),
    button("停电了", "家里停电了"),
    button("邻里纠纷", "和邻居有矛盾，想请老杨调解"),
]


class TicketStatus:
    """Progress of the resident's own tickets: the one named, the one just filed, or a list."""

    name = "action_ticket_status"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        number = find_ticket_number(str(tracker.entity("ticket_number") or tracker.text))
        if number is None and answered_as_followup(self._context, dispatcher, tracker):
            return []  # "还是没修好" reopens; a status question is answered the same way
        desk = self._context.desk
        mine = desk.recent_tickets(tracker.sender_id, RECENT_TICKETS)
        if number is not None and number not in {ticket.number for ticket in mine}:
            # An older ticket of the resident's; nobody else's ticket is described here.
            older = desk.ticket_of(tracker.sender_id, number)
            if older is None:
                dispatcher.utter(f"没查到您名下的工单 {number}，麻烦核对一下号码。")
            else:
                dispatcher.utter(describe(older))
            return []
        if not mine:
            dispatcher.utter("还没查到您登记过的工单。请把工单号发给我，格式像 LY-20261123-0001。")
            return []
        if number or tracker.get_slot(TICKET_NUMBER) or len(mine) == 1:
            dispatcher.utter(describe(pick(mine, tracker)))
            return []
        lines = [summary_line(ticket) for ticket in mine[:3]]
        dispatcher.utter("您最近的工单：\n" + "\n".join(lines))
        return []


class Handoff:
    """A person takes over: record the request with what the bot knows so far."""

    name = "action_handoff"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        # "工作人员好久来" names staff but asks about a ticket: answer it, hand nothing over.
        asks_about_ticket = not tracker.active_loop_name and not ASKS_FOR_A_PERSON.search(
            tracker.text
        )
        if asks_about_ticket and answered_as_followup(self._context, dispatcher, tracker):
            return [slot_set(MISUNDERSTANDINGS, 0.0)]
        phone = tracker.get_slot(PHONE)
        phone = None if phone in (None, PHONE_DECLINED) else str(phone)
        phone = phone or find_mobile(tracker.text)
        self._context.desk.hand_off(
            tracker.sender_id, tracker.text, tracker.get_slot(PROBLEM), phone
        )
        if phone:
            dispatcher.utter("好的，已为您转人工。值班的老杨工作人员会尽快打电话联系您。")
        else:
            dispatcher.utter(
                "好的，已为您转人工。值班的老杨工作人员会尽快联系您；"
                "方便的话把手机号发给我，工作人员好回电。"
            )
        events: list[Event] = [slot_set(MISUNDERSTANDINGS, 0.0)]
        if tracker.active_loop_name:
            events = [active_loop(None), *reset_events()]
        return events


class RateTicket:
    """1–5 stars for the resident's latest ticket."""

    name = "action_rate_ticket"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        stars = stars_in(tracker)
        desk = self._context.desk
        if answer_followup(desk, tracker, dispatcher):
            return []
        mine = desk.recent_tickets(tracker.sender_id, 1)
        if not mine:
            dispatcher.utter("谢谢您的评价！您在这里还没有工单，有问题随时找我。")
            return []
        if stars is None:
            dispatcher.utter(
                f"请给工单 {mine[0].number} 打个分吧：",
                buttons=[button(f"{n}星", f'/rate{{"rating":"{n}"}}') for n in (5, 4, 3, 2, 1)],
            )
            return []
        desk.rate(tracker.sender_id, mine[0].number, stars, tracker.text)
        if stars >= 4:
            dispatcher.utter(f"谢谢您给 {stars} 星！老杨会继续努力。")
        else:
            dispatcher.utter(f"收到您的 {stars} 星评价，抱歉没让您满意，我们会转告工作站跟进。")
        return []


def stars_in(tracker: Tracker) -> int | None:
    """The rating a message gives, from a button, a number of stars or words."""
    entity = tracker.entity("rating")
    if entity is not None and str(entity).isdigit() and 1 <= int(str(entity)) <= 5:
        return int(str(entity))
    match = _STARS.search(tracker.text)
    if match:
        return int(match.group(1)) if match.group(1) else _CHINESE_DIGITS[match.group(2)]
    return next((stars for word, stars in _RATING_WORDS if word in tracker.text), None)


class OutOfScope:
    """Chat the bot does not handle, unless it is a question about the resident's tickets."""

    name = "action_out_of_scope"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if answered_as_followup(self._context, dispatcher, tracker):
            return []
        dispatcher.utter(
            "这个我帮不上忙 😅 我主要帮您登记生活中遇到的问题，比如漏水、停电、邻里纠纷，"
            "再转给老杨工作站处理。"
        )
        return []


class Capabilities:
    """What 智慧杨 does, unless the question is really about the resident's 办结 ticket.

    "你们怎么就显示处理完了" reads like a question about the service; said after a
    ticket was resolved, it reopens that ticket.
    """

    name = "action_capabilities"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if not answered_as_followup(self._context, dispatcher, tracker):
            dispatcher.utter(response="utter_capabilities")
        return []


def answered_as_followup(context: ActionContext, dispatcher: Dispatcher, tracker: Tracker) -> bool:
    """Answer a question about the resident's own tickets, if the message is one."""
    return answer_followup(context.desk, tracker, dispatcher)


class Fallback:
    """Not understood: say so briefly, and offer a person the second time in a row."""

    name = "action_fallback"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if answered_as_followup(self._context, dispatcher, tracker):
            return [slot_set(MISUNDERSTANDINGS, 0.0)]
        filed = tracker.get_slot(TICKET_NUMBER)
        if filed and (tracker.intent == "affirm" or says_yes(tracker.text)):
            dispatcher.utter(f"好的！工单 {filed} 已经登记好了，有进展会告诉您。还有别的事随时说。")
            return [slot_set(MISUNDERSTANDINGS, 0.0)]
        count = float(tracker.get_slot(MISUNDERSTANDINGS) or 0) + 1
        if count >= 2:
            dispatcher.utter(
                "抱歉，我还是没弄明白。要不请工作人员来帮您？",
                buttons=[button("转人工", "/handoff"), *COMMON_PROBLEMS],
            )
        else:
            dispatcher.utter(
                "抱歉，我没太明白。可以直接说遇到的问题，比如「楼上漏水到我家了」。",
                buttons=COMMON_PROBLEMS,
            )
        return [slot_set(MISUNDERSTANDINGS, count)]
