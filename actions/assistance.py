"""Everything that is not a new report: progress, a person, a rating, not understood."""

import re
from zoneinfo import ZoneInfo

from actions.context import ActionContext
from actions.framework import Dispatcher, Event, Tracker, active_loop, button, slot_set
from actions.report_slots import MISUNDERSTANDINGS, PHONE, PHONE_DECLINED, PROBLEM, reset_events
from api.catalogue import SERVICE_NAMES
from api.conversations.service import record_handoff
from api.tickets.contact import find_mobile
from api.tickets.models import STATUS_NAMES, Ticket
from api.tickets.models import TicketStatus as TicketState  # TicketStatus here is the action
from api.tickets.numbers import find_ticket_number
from api.tickets.schemas import TicketStatusView
from api.tickets.service import (
    TicketNotFoundError,
    get_ticket,
    record_rating,
    station_of,
    status_view,
    tickets_of_sender,
)

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


def _line(ticket: Ticket, station_name: str) -> str:
    status = STATUS_NAMES.get(ticket.status, ticket.status)
    return f"{ticket.number}｜{SERVICE_NAMES[ticket.service_code]}｜{station_name}｜{status}"


class TicketStatus:
    """Progress of a ticket by number, or of the resident's own latest tickets."""

    name = "action_ticket_status"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        number = find_ticket_number(str(tracker.entity("ticket_number") or tracker.text))
        with self._context.session_factory() as session:
            if number is None:
                mine = tickets_of_sender(session, tracker.sender_id, limit=3)
                if not mine:
                    dispatcher.utter(
                        "还没查到您登记过的工单。请把工单号发给我，格式像 LY-20261123-0001。"
                    )
                    return []
                lines = [_line(t, station_of(session, t).display_name) for t in mine]
                dispatcher.utter("您最近的工单：\n" + "\n".join(lines))
                return []
            try:
                view = status_view(session, get_ticket(session, number), tracker.sender_id)
            except TicketNotFoundError:
                dispatcher.utter(f"没查到工单 {number}，麻烦核对一下号码。")
                return []
        lines = [
            f"工单 {view.number}（{view.service_name}）：{view.status_name}。",
            f"承办：{view.station_name}",
            *_next_step(view, self._context.tz),
        ]
        dispatcher.utter("\n".join(lines))
        return []


def _next_step(view: TicketStatusView, tz: ZoneInfo) -> list[str]:
    """What the resident can expect next: contact while unsigned, a rating once resolved."""
    if view.status in (TicketState.DISPATCHED, TicketState.REOPENED):
        due = view.contact_due_at.astimezone(tz)
        return [f"约定联系时间：{due.month}月{due.day}日 {due:%H:%M}前"]
    if view.status == TicketState.RESOLVED:
        return ["工作站已办结。问题解决了吗？可以给这次办理打 1–5 星。"]
    return []


class Handoff:
    """A person takes over: record the request with what the bot knows so far."""

    name = "action_handoff"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        phone = tracker.get_slot(PHONE)
        phone = None if phone in (None, PHONE_DECLINED) else str(phone)
        phone = phone or find_mobile(tracker.text)
        with self._context.session_factory() as session:
            record_handoff(
                session,
                sender_id=tracker.sender_id,
                last_message=tracker.text,
                problem=tracker.get_slot(PROBLEM),
                contact_phone=phone,
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
        with self._context.session_factory() as session:
            mine = tickets_of_sender(session, tracker.sender_id, limit=1)
            if not mine:
                dispatcher.utter("谢谢您的评价！您在这里还没有工单，有问题随时找我。")
                return []
            if stars is None:
                dispatcher.utter(
                    f"请给工单 {mine[0].number} 打个分吧：",
                    buttons=[button(f"{n}星", f'/rate{{"rating":"{n}"}}') for n in (5, 4, 3, 2, 1)],
                )
                return []
            record_rating(session, mine[0], stars, tracker.text, self._context.now())
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


class Fallback:
    """Not understood: say so briefly, and offer a person the second time in a row."""

    name = "action_fallback"

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
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
