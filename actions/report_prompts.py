"""The questions of the report form: what happened, where, which phone, is it right."""

from actions.context import ActionContext
from actions.framework import Button, Dispatcher, Event, Tracker, button, slot_set
from actions.report_slots import (
    CORRECTING,
    EMERGENCY,
    MISUNDERSTANDINGS,
    PHONE,
    PHONE_DECLINED,
    PLACE,
    PLACE_CANDIDATES,
    PLACE_CODE,
    PROBLEM,
    SERVICE_CODE,
)
from api.catalogue import SERVICE_NAMES
from api.desk.types import StationLevel, mask_phone

HANDOFF_OFFER_AFTER = 2
# Set by the NLU's emergency rules for a message of fire emoji and no words.
UNCLEAR_DANGER = "unclear_danger"
HANDOFF_BUTTON = button("转人工", "/handoff")
CANCEL_BUTTON = button("不报了", "/cancel")


def with_handoff_offer(
    tracker: Tracker, text: str, buttons: list[Button]
) -> tuple[str, list[Button]]:
    """After two misunderstandings in a row, offer a person."""
    if float(tracker.get_slot(MISUNDERSTANDINGS) or 0) >= HANDOFF_OFFER_AFTER:
        return f"抱歉，我可能没理解对。{text}\n也可以点「转人工」，请工作人员来帮您。", [
            *buttons,
            HANDOFF_BUTTON,
        ]
    return text, buttons


def understood() -> list[Event]:
    """The answer was usable: the count of misunderstandings starts again."""
    return [slot_set(MISUNDERSTANDINGS, 0.0)]


def misunderstood(dispatcher: Dispatcher, tracker: Tracker, hint: str) -> list[Event]:
    """Say what is needed, and count one more misunderstanding in a row."""
    dispatcher.utter(hint)
    count = float(tracker.get_slot(MISUNDERSTANDINGS) or 0) + 1
    return [slot_set(MISUNDERSTANDINGS, count)]


class AskProblem:
    """What happened?"""

    name = "action_ask_problem"

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        if tracker.entity(UNCLEAR_DANGER) == "fire":
            dispatcher.utter(
                "是着火了吗？如果着火了，请马上拨打 119，先带家人离开，别乘电梯！"
                "安全以后告诉我在哪里、什么情况，我马上通知老杨工作站。",
                buttons=[button("是，着火了", "着火了"), CANCEL_BUTTON],
            )
            return []
        text, buttons = with_handoff_offer(
            tracker, "好的，请说说遇到了什么问题？比如「楼上漏水到我家了」。", [CANCEL_BUTTON]
        )
        dispatcher.utter(text, buttons=buttons)
        return []


class AskPlace:
    """Where? With buttons when several places fit, or the town's communities to pick from."""

    name = "action_ask_place"

    def __init__(self, context: ActionContext) -> None:
        self._context = context

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        gazetteer = self._context.desk.places()
        candidates = [gazetteer.place(code) for code in tracker.get_slot(PLACE_CANDIDATES) or []]
        choices = [place for place in candidates if place is not None]
        if choices:
            buttons = [
                button(place.label, f'/inform{{"place_code":"{place.code}"}}')
                for place in choices[:8]
            ]
            dispatcher.utter("有几个地方名字相近，您说的是哪一个？", buttons=buttons)
            return []
        code = tracker.get_slot(PLACE_CODE)
        town = gazetteer.place(str(code)) if code else None
        if town is not None and town.level == StationLevel.TOWN:
            text = f"{town.name}的哪个社区或村？小区名、楼栋号也可以说。不清楚的话回复「不清楚」。"
        else:
            text = (
                "请问在哪里？告诉我街道或镇，再加上社区、村或小区，"
                "比如「杨家坪街道天宝路社区」；也可以点「发送位置」。"
            )
        text, buttons = with_handoff_offer(tracker, text, [])
        dispatcher.utter(text, buttons=buttons)
        return []


class AskPhone:
    """Which phone may the station call?"""

    name = "action_ask_phone"

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        text, buttons = with_handoff_offer(
            tracker,
            "留个手机号，方便工作人员联系您？不方便的话点「不留电话」。",
            [button("不留电话", "/deny")],
        )
        dispatcher.utter(text, buttons=buttons)
        return []


class AskConfirm:
    """Read the report back before filing it; or ask which part to change."""

    name = "action_ask_confirm"

    def run(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event]:
        corrections = [
            button("改问题", '/correct{"field":"problem"}'),
            button("改地点", '/correct{"field":"place"}'),
            button("改电话", '/correct{"field":"phone"}'),
        ]
        if tracker.get_slot(CORRECTING):
            dispatcher.utter(
                "要改哪一项？", buttons=[*corrections, button("没问题，提交", "/affirm")]
            )
            return []
        phone = tracker.get_slot(PHONE)
        shown_phone = "不留" if phone in (None, PHONE_DECLINED) else mask_phone(str(phone))
        code = tracker.get_slot(SERVICE_CODE) or "other"
        lines = [
            "请核对一下：",
            f"问题：{tracker.get_slot(PROBLEM)}",
            f"类别：{SERVICE_NAMES.get(str(code), SERVICE_NAMES['other'])}",
            f"地点：{tracker.get_slot(PLACE)}",
            f"电话：{shown_phone}",
        ]
        if tracker.get_slot(EMERGENCY):
            lines.insert(1, "【紧急】")
        text, buttons = with_handoff_offer(
            tracker,
            "\n".join(lines) + "\n没问题就点「确认提交」。",
            [button("确认提交", "/affirm"), *corrections, CANCEL_BUTTON],
        )
        dispatcher.utter(text, buttons=buttons)
        return []
