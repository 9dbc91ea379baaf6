"""What a message can be labelled as: the bot's intents, read from its domain."""

from functools import lru_cache
from pathlib import Path

import yaml

from api.catalogue import SERVICE_NAMES, service_code_for_intent, ticket_code_for_intent
from api.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "bot" / "domain.yml"
# Rasa's own label for "not sure": never a training label.
FALLBACK_INTENT = "nlu_fallback"
HANDOFF_INTENT = "handoff"
CORRECTION_INTENT = "correct"

# Intents named for people, beside the service catalogue's own names.
INTENT_NAMES: dict[str, str] = {
    "report_start": "要反映问题（未说明）",
    "emergency_fire": "紧急：火情",
    "emergency_gas_leak": "紧急：燃气泄漏",
    "emergency_medical": "紧急：急病受伤",
    "emergency_violence": "紧急：暴力违法",
    "emergency_trapped": "紧急：有人被困",
    "emergency_electric_water": "紧急：水电交汇",
    "emergency_collapse": "紧急：垮塌",
    "emergency_flood": "紧急：水淹",
    "emergency_missing_person": "紧急：有人走失",
    "emergency_self_harm": "紧急：轻生危险",
    "greet": "打招呼",
    "goodbye": "再见",
    "thanks": "感谢",
    "capabilities": "问能做什么",
    "ticket_status": "查进度",
    "handoff": "转人工",
    "rate": "评价",
    "out_of_scope": "无关闲聊",
    "affirm": "肯定",
    "deny": "否定",
    "cancel": "取消",
    "correct": "纠正",
    "inform": "补充信息",
}


# The code a label files under: the catalogue's own mapping.
code_for_intent = ticket_code_for_intent


class UnknownLabelError(ValueError):
    """The label is not one of the bot's intents, or does not match the service code."""


@lru_cache
def domain_intents(domain_file: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """The intents the bot is trained on, in the domain's order."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    return tuple(str(intent) for intent in domain["intents"])


def intent_name(intent: str | None) -> str:
    """The intent as operators read it."""
    if intent is None:
        return "（无）"
    code = service_code_for_intent(intent)
    if code:
        return f"报事：{SERVICE_NAMES[code]}"
    return INTENT_NAMES.get(intent, intent)


def resolve_label(intent: str | None, service_code: str | None) -> str:
    """The intent an operator meant: given directly, or as a service code for a report."""
    if service_code is not None and service_code not in SERVICE_NAMES:
        raise UnknownLabelError(f"没有这个类别：{service_code}")
    if intent is None:
        if service_code is None:
            raise UnknownLabelError("请选择意图或类别")
        intent = f"report_{service_code}"
    if intent not in domain_intents():
        raise UnknownLabelError(f"机器人没有这个意图：{intent}")
    if service_code is not None and code_for_intent(intent) != service_code:
        raise UnknownLabelError(
            f"意图 {intent_name(intent)} 与类别 {SERVICE_NAMES[service_code]} 不一致"
        )
    return intent
