"""The service catalogue (service codes, emergencies) shared by bot, tickets and staff.

Source: the district's service catalogue, `categories.md`. Chinese names are what
residents and staff see.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from api.problem_cues import first_named_problem

SERVICE_NAMES: Final[dict[str, str]] = {
    "water_leak": "漏水渗水",
    "water_supply": "供水问题",
    "power_outage": "停电断电",
    "gas": "燃气问题",
    "dispute": "矛盾纠纷",
    "housing_repair": "房屋设施维修",
    "environment": "环境卫生",
    "public_facility": "公共设施",
    "welfare": "民生求助",
    "other": "其他诉求",
}

SERVICE_CODES: Final[tuple[str, ...]] = tuple(SERVICE_NAMES)

REPORT_INTENT_PREFIX: Final = "report_"
EMERGENCY_INTENT_PREFIX: Final = "emergency_"

# Utilities whose outage the network promises to answer within a day.
UTILITY_CODES: Final[frozenset[str]] = frozenset(
    {"water_leak", "water_supply", "power_outage", "gas"}
)


@dataclass(frozen=True)
class Hotline:
    """A number the resident can tap to call, with what it is called."""

    name: str
    number: str


@dataclass(frozen=True)
class EmergencyKind:
    """What kind of danger it is, whom the resident must call, and the ticket's code.

    `calls` are the numbers in `hotline`, first the one to call first: the chat page
    turns them into call buttons.
    """

    kind: str
    label: str
    hotline: str
    advice: str
    service_code: str
    calls: tuple[Hotline, ...]


EMERGENCY_KINDS: Final[dict[str, EmergencyKind]] = {
    item.kind: item
    for item in (
        EmergencyKind(
            "fire",
            "火情",
            "火警 119",
            "请立即拨打 119！先带家人离开，别乘电梯，用湿毛巾捂住口鼻。",
            "other",
            (Hotline("火警", "119"),),
        ),
        EmergencyKind(
            "gas_leak",
            "燃气泄漏",
            "燃气抢修 96777（重庆燃气）",
            "请立即拨打燃气抢修电话 96777！关掉燃气总阀，打开门窗，"
            "千万别开关电器、别打火，到室外再打电话。",
            "gas",
            (Hotline("燃气抢修", "96777"),),
        ),
        EmergencyKind(
            "medical",
            "有人受伤或急病",
            "急救 120",
            "请立即拨打 120！说清地址和病人情况，不要随意搬动伤者。",
            "welfare",
            (Hotline("急救", "120"),),
        ),
        EmergencyKind(
            "violence",
            "暴力或违法行为",
            "报警 110",
            "请立即拨打 110！先保证自己安全，远离危险的人。",
            "dispute",
            (Hotline("报警", "110"),),
        ),
        EmergencyKind(
            "trapped",
            "有人被困",
            "火警 119（电梯困人也可拨 96333）",
            "请立即拨打 119，电梯困人也可拨电梯应急电话 96333。"
            "被困的人请按警铃、保持冷静，不要扒门。",
            "housing_repair",
            (Hotline("火警", "119"), Hotline("电梯应急", "96333")),
        ),
        EmergencyKind(
            "electric_water",
            "水电交汇、触电危险",
            "火警 119",
            "请立即拨打 119！能安全够到的话先拉下电闸，人别靠近有水的电器和插座。",
            "power_outage",
            (Hotline("火警", "119"),),
        ),
        EmergencyKind(
            "collapse",
            "垮塌",
            "火警 119",
            "请立即拨打 119！马上离开危险区域，提醒周围的人远离。",
            "housing_repair",
            (Hotline("火警", "119"),),
        ),
        EmergencyKind(
            "flood",
            "水淹进屋、积水危险",
            "火警 119",
            "水势大请立即拨打 119！能安全够到的话先关总水阀、拉下电闸，"
            "老人孩子和贵重东西先移到高处，别蹚深水。",
            "water_leak",
            (Hotline("火警", "119"),),
        ),
        EmergencyKind(
            "missing_person",
            "有人走失",
            "报警 110",
            "请立即拨打 110 报警，走失报警不用等 24 小时！说清他的样子、穿着和最后出现的地方，"
            "留一个人在家等，其他人分头找。",
            "welfare",
            (Hotline("报警", "110"),),
        ),
        EmergencyKind(
            "self_harm",
            "有人有轻生危险",
            "报警 110（有人受伤请拨 120）",
            "请立即拨打 110！有人受伤请同时拨 120。尽量陪着他、轻声跟他说话，别刺激他，"
            "不要一个人冒险去拉。",
            "welfare",
            (Hotline("报警", "110"), Hotline("急救", "120")),
        ),
    )
}


def service_code_for_intent(intent: str | None) -> str | None:
    """The service code a report intent names, or None for anything else."""
    if intent and intent.startswith(REPORT_INTENT_PREFIX):
        code = intent.removeprefix(REPORT_INTENT_PREFIX)
        return code if code in SERVICE_NAMES else None
    return None


def emergency_for_intent(intent: str | None) -> EmergencyKind | None:
    """The emergency an intent names, or None."""
    if intent and intent.startswith(EMERGENCY_INTENT_PREFIX):
        return EMERGENCY_KINDS.get(intent.removeprefix(EMERGENCY_INTENT_PREFIX))
    return None


def ticket_code_for_intent(intent: str | None) -> str | None:
    """The service code a ticket for this intent carries (an emergency's code included)."""
    emergency = emergency_for_intent(intent)
    return emergency.service_code if emergency else service_code_for_intent(intent)


@dataclass(frozen=True)
class Understanding:
    """The two independent decisions a message leads to: the ticket's code and the danger.

    `service_code` names the problem to fix (None: not a report); `emergency` is the
    present danger, if any. An emergency's ticket carries the code of its problem
    (a burning garbage pile is `environment`), not a code fixed by the danger.
    """

    service_code: str | None
    emergency: EmergencyKind | None


def understand(
    intent: str | None, ranking: Iterable[tuple[str, float]] = (), text: str = ""
) -> Understanding:
    """Both decisions from the NLU's top intent, its ranking of every intent and the text.

    For an emergency intent the code is the problem the resident names first in
    plain words (`problem_cues`), else the problem the model reads in the words
    around the danger (`code_beside_danger`); only when there is neither does the
    kind's usual code stand in.
    """
    emergency = emergency_for_intent(intent)
    if emergency is None:
        return Understanding(service_code_for_intent(intent), None)
    code = first_named_problem(text, emergency.kind) or code_beside_danger(ranking, emergency.kind)
    return Understanding(code or emergency.service_code, emergency)


# The problems a danger of each kind can come from. A gas smell is always `gas`
# (categories.md); someone trapped is in a building or a public place; a collapse is
# a building or a public structure; a person hurt or taken ill needs help (welfare) or
# was hurt by a defect. The model's words around a danger (漏, 臭, 吵, 老人) often lean to a
# code no such danger comes from (煤气漏了 → water_leak, 电梯关人 → welfare); those are skipped.
PROBLEM_CODES: Final[dict[str, frozenset[str]]] = {
    "fire": frozenset(
        {"power_outage", "gas", "environment", "public_facility", "housing_repair", "other"}
    ),
    "gas_leak": frozenset({"gas"}),
    "medical": frozenset({"welfare", "public_facility", "housing_repair", "water_leak"}),
    "violence": frozenset({"dispute", "public_facility", "other", "gas", "power_outage"}),
    "trapped": frozenset({"housing_repair", "public_facility"}),
    "electric_water": frozenset(
        {"water_leak", "power_outage", "public_facility", "housing_repair", "environment"}
    ),
    "collapse": frozenset({"housing_repair", "public_facility", "environment"}),
    "flood": frozenset(
        {"water_leak", "housing_repair", "public_facility", "environment", "water_supply"}
    ),
    "missing_person": frozenset({"welfare"}),
    "self_harm": frozenset({"welfare", "dispute"}),
}


def code_beside_danger(ranking: Iterable[tuple[str, float]], kind: str | None = None) -> str | None:
    """The problem named around a danger: the best-ranked intent that is not an emergency.

    A confident emergency leaves little score to the rest, so only the order counts:
    when what comes first after the dangers is a report (垃圾站 → environment), that is
    the problem; when it is anything else (厨房着火了 → goodbye), no problem was named.
    With the danger's `kind`, reports of a code no such danger comes from
    (`PROBLEM_CODES`) are passed over.
    """
    allowed = PROBLEM_CODES.get(kind or "")
    rest = sorted(
        ((score, name) for name, score in ranking if not name.startswith(EMERGENCY_INTENT_PREFIX)),
        reverse=True,
    )
    for _, name in rest:
        code = service_code_for_intent(name)
        if code is None or allowed is None or code in allowed:
            return code
    return None


# Below this, a report intent's score says nothing about the problem ("厨房着火了").
REPORT_EVIDENCE = 0.05


def best_report_code(ranking: Iterable[tuple[str, float]]) -> str | None:
    """The code of the best-ranked report intent, or None when no report scores at all."""
    reports = [(score, code) for name, score in ranking if (code := service_code_for_intent(name))]
    best = max(reports, default=None)
    return best[1] if best is not None and best[0] >= REPORT_EVIDENCE else None


def ranking_from(parse: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(intent, confidence) pairs of a Rasa parse result's `intent_ranking`, best first."""
    return [
        (str(entry.get("name")), float(entry.get("confidence") or 0.0))
        for entry in parse.get("intent_ranking") or []
        if isinstance(entry, Mapping) and entry.get("name")
    ]


def understand_parse(parse: Mapping[str, Any]) -> Understanding:
    """Both decisions for one Rasa parse result (`/model/parse`, a tracker's latest message)."""
    intent = (parse.get("intent") or {}).get("name")
    text = parse.get("text")
    return understand(
        str(intent) if intent else None, ranking_from(parse), text if isinstance(text, str) else ""
    )
