"""The service catalogue (service codes, emergencies) shared by bot, tickets and staff.

Source: the district's service catalogue, `categories.md`. Chinese names are what
residents and staff see.
"""

from dataclasses import dataclass
from typing import Final

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
class EmergencyKind:
    """What kind of danger it is, whom the resident must call, and the ticket's code."""

    kind: str
    label: str
    hotline: str
    advice: str
    service_code: str


EMERGENCY_KINDS: Final[dict[str, EmergencyKind]] = {
    item.kind: item
    for item in (
        EmergencyKind(
            "fire",
            "火情",
            "火警 119",
            "请立即拨打 119！先带家人离开，别乘电梯，用湿毛巾捂住口鼻。",
            "other",
        ),
        EmergencyKind(
            "gas_leak",
            "燃气泄漏",
            "燃气抢修 96777（重庆燃气）",
            "请立即拨打燃气抢修电话 96777！关掉燃气总阀，打开门窗，"
            "千万别开关电器、别打火，到室外再打电话。",
            "gas",
        ),
        EmergencyKind(
            "medical",
            "有人受伤或急病",
            "急救 120",
            "请立即拨打 120！说清地址和病人情况，不要随意搬动伤者。",
            "welfare",
        ),
        EmergencyKind(
            "violence",
            "暴力或违法行为",
            "报警 110",
            "请立即拨打 110！先保证自己安全，远离危险的人。",
            "dispute",
        ),
        EmergencyKind(
            "trapped",
            "有人被困",
            "火警 119（电梯困人也可拨 96333）",
            "请立即拨打 119，电梯困人也可拨电梯应急电话 96333。"
            "被困的人请按警铃、保持冷静，不要扒门。",
            "housing_repair",
        ),
        EmergencyKind(
            "electric_water",
            "水电交汇、触电危险",
            "火警 119",
            "请立即拨打 119！能安全够到的话先拉下电闸，人别靠近有水的电器和插座。",
            "power_outage",
        ),
        EmergencyKind(
            "collapse",
            "垮塌",
            "火警 119",
            "请立即拨打 119！马上离开危险区域，提醒周围的人远离。",
            "housing_repair",
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
