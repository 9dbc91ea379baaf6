"""Questions about tickets the resident already has: where it is, when someone comes, not fixed.

Right after filing, residents ask "单号是好多来着" or "啥时候来人"; days later they
write "上回报的那个下水道，派人没得嘛" or "还是在漏水，根本没修好". None of these is a
new report. Whatever intent the NLU gives them, the actions that would otherwise
start a report or give up ask these readers first. A resident only ever hears
about their own tickets.
"""

import re

from actions.framework import Dispatcher, Tracker
from actions.report_slots import TICKET_NUMBER
from api.catalogue import SERVICE_NAMES, service_code_for_intent
from api.desk.port import TicketDesk
from api.desk.types import TicketView, find_ticket_number

ASKS_ABOUT_TICKET = re.compile(
    r"单号|工单号|编号|单子|进度|到哪(一步|了|里)|处理得?(怎么样|咋样|如何)|"
    r"派(人|的人)(了)?(没|莫)|来人(了)?(没|莫)|有人来(了)?(没|莫)|"
    r"(啥|什么|几)(时候|时|子时候)(来|到|派|处理|修|联系|打电话|上门)|"
    r"多久(能|会|才|可以)?(来|到|修|处理|联系|上门)|好久(来|到|修|上门)|"
    r"(怎么|咋个?|为啥)还没(人|有人)?(来|修|处理|联系|管)|还没(有)?人(来|联系|管|处理)|"
    r"有没有人(管|处理|来)|上(回|次)(报|反映|说|登记)的|之前(报|反映|登记)的|前(天|几天)(报|反映|说)的|"
    # in English or by name, not "提个工单" (a new report): 我的ticket number是多少, 工单到哪了
    r"ticket ?(number|no|号|进度|status)|(工单|ticket).{0,4}(到哪|怎么样|咋样|进度|状态|处理得)"
)
# Said about a ticket marked 办结, these mean it is not done, whatever problem they name.
NOT_DONE = re.compile(
    r"(怎么|咋个?|凭啥子?|为啥|为什么|你们)(就)?(显示|说|给)?(办结|结案|处理完|完结|关闭|关了|办完)|"
    r"(就|都)(办结|结案)了|说是(修好|弄好|处理好|办好)|(跟|和)(原来|以前|之前|修之前)(一模)?一样|"
    r"一点(变化|效果|用)都没(有|得)|等于白(弄|修|搞|做|跑)|白(弄|搞|做|修)了|"
    r"根本没(人)?(来|修|解决|处理|管)|(人|师傅|工作人员)(都|根本)?没(有)?来(过)?|没(有)?人来(过|修|看)|"
    r"没修好|没有修好|没弄好|没整好|没搞好|没(有)?解决|修了(跟|和|等于)没修|白修|还没(修)?好"
)
# Weaker words (还是黄的, 又黑起了) reopen only a ticket of the problem they name.
NOT_FIXED = re.compile(
    r"还是(在|没|不|一样|老样子|漏|坏|停|堵)|又(开始)?(漏|坏|停|堵|响|吵|臭)|没(有)?(效果|用)|"
    # 灯还是黑的, 水还是黄的, 老鼠又出来了
    r"还是(黑|不亮|不通|没水|没电|没气|臭|吵|湿|老样子|照样|那样|原样|黄|浑|烂|坏)|"
    r"又(黑|出来|回来|来了|开始|犯|烂|冒|没)"
)
RECENT_TICKETS = 5


def answer_followup(desk: TicketDesk, tracker: Tracker, dispatcher: Dispatcher) -> bool:
    """Answer a question about the resident's own tickets; False when it is not one."""
    mine = desk.recent_tickets(tracker.sender_id, RECENT_TICKETS)
    if not mine:
        return False
    text = tracker.text
    waiting = [ticket for ticket in mine if ticket.awaiting_rating]
    ticket = not_fixed_ticket(text, waiting, service_code_for_intent(tracker.intent))
    if ticket is not None:
        desk.reopen(tracker.sender_id, ticket.number, text[:200])
        dispatcher.utter(
            f"抱歉问题还没解决！已把工单 {ticket.number} 退回工作站重新办理（重办），"
            "工作人员会尽快再跟进。"
        )
        return True
    if not ASKS_ABOUT_TICKET.search(text):
        return False
    dispatcher.utter(describe(pick(mine, tracker)))
    return True


def not_fixed_ticket(
    text: str, waiting: list[TicketView], said_code: str | None
) -> TicketView | None:
    """The 办结 ticket a message says is not fixed, or None.

    "凭啥子就办结了" or "根本没人来过" is about the ticket whatever it names; "又黑起了"
    reopens it only when the message is not a report of another problem (又停电了 after
    a leak was fixed is a new report).
    """
    if not waiting:
        return None
    if NOT_DONE.search(text):
        return waiting[0]
    if NOT_FIXED.search(text):
        same = [ticket for ticket in waiting if said_code in (None, ticket.service_code)]
        return same[0] if same else None
    return None


def pick(mine: list[TicketView], tracker: Tracker) -> TicketView:
    """The ticket a question is about: the number named, the one just filed, or the newest."""
    wanted = find_ticket_number(tracker.text) or tracker.get_slot(TICKET_NUMBER)
    return next((ticket for ticket in mine if ticket.number == wanted), mine[0])


def describe(ticket: TicketView) -> str:
    """Number, category, status, station and what comes next, for the resident who filed it."""
    lines = [
        f"工单 {ticket.number}（{SERVICE_NAMES[ticket.service_code]}）：{ticket.status_name}。",
        f"承办：{ticket.station_name}",
    ]
    if ticket.awaiting_contact:
        due = ticket.contact_due_at
        lines.append(f"约定联系时间：{due.month}月{due.day}日 {due:%H:%M}前")
    elif ticket.resolved:
        lines.append("工作站已办结。问题解决了吗？可以给这次办理打 1–5 星；没解决就直接告诉我。")
    return "\n".join(lines)


def summary_line(ticket: TicketView) -> str:
    """One line for a list of the resident's tickets."""
    category = SERVICE_NAMES[ticket.service_code]
    return f"{ticket.number}｜{category}｜{ticket.station_name}｜{ticket.status_name}"
