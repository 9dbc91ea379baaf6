"""A rule layer for emergencies, after DIET and before the fallback classifier.

A missed gas smell is a failure, a false alarm only costs a phone call, so
clear danger words override the model: when a message says 着火, 煤气味,
晕倒, 持刀, 困在电梯, 插座进水 or 塌了 about now, the intent becomes the matching
emergency with full confidence. A danger word that is negated (没有煤气味了),
in the past (上次着火) or ruled out (没人被困) does not count; the model's own
prediction then stands. The layer never turns an emergency into a non-emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

INTENT_RANKING_KEY = "intent_ranking"
RULE_CONFIDENCE = 1.0
# Other intents keep their order but are scaled down, so the rule verdict is
# never "ambiguous" to the fallback classifier.
OTHERS_SCALE = 0.5


@dataclass(frozen=True)
class DangerPattern:
    """Words that mean a given emergency is happening."""

    intent: str
    pattern: re.Pattern[str]


def _p(intent: str, regex: str) -> DangerPattern:
    return DangerPattern(intent, re.compile(regex))


_GAS = r"(煤气|天然气|天燃气|燃气|液化气|gas)"
DANGER_PATTERNS: tuple[DangerPattern, ...] = (
    _p(
        "emergency_gas_leak",
        rf"{_GAS}(的)?(味|臭)|(闻到|好大|一股|好浓|好冲).{{0,6}}{_GAS}|臭鸡蛋(的)?味|"
        rf"{_GAS}.{{0,10}}(泄漏|泄露|漏了|漏气|破了|断了|裂|冒气|跑气|气味|味道|怪味|嘶嘶)|"
        rf"(怪味|味道|气味).{{0,6}}{_GAS}|"
        r"漏气|(燃气|煤气)?报警器.{0,4}(响|叫)",
    ),
    _p(
        "emergency_electric_water",
        r"(插座|插线板|电线|电闸|配电|电表箱|电箱|开关|电灯|灯泡|浴霸|电器).{0,8}"
        r"(进水|泡|淹|打湿|滴水|水里|水坑|冒火花|漏电)|"
        r"(水|淹|漏|滴).{0,10}(漏电|冒火花|电线|插座|开关|配电|电表箱|电灯|灯上|灯泡|浴霸)|"
        r"(水|淹|漏|滴).{1,10}(电表|电箱|插头|插线板|灯座|吊灯|充电桩)|"
        r"(电表|电箱|吊灯|灯座|充电桩).{0,6}(滴水|渗水|进水|泡在水)|漏电",
    ),
    _p(
        "emergency_fire",
        r"着火|着伙|起火|失火|火灾|烧起来|燃起来|冒(黑)?烟|火(势|好大|很大)|浓烟|"
        r"(满|到处|好大|好浓|全)(楼|屋)?(都)?(是)?(的)?烟",
    ),
    _p(
        "emergency_trapped",
        r"(困|关|卡|锁)(住|了)(个|几个|好几个)?(人|老人|小孩|娃儿)|被困|困人|困梯|"
        r"(困|关|卡|锁)在(电梯|里面|里头|屋|车)|"
        r"电梯.{0,12}(里面|里头)(有人|还有|关|有个)|(我|人|娃儿|小孩).{0,3}在(电梯)?里面|"
        r"出不来(?!水)|出不去|掉进.{0,3}(井|坑)|电梯(关|困)(了)?(个)?人|关在电.梯|"
        r"^(里面|里头)(还)?有(人|个|我|小孩|娃儿|老人)|头卡在",
    ),
    _p(
        "emergency_medical",
        r"晕倒|昏倒|昏迷|不省人事|叫不醒|没(有)?呼吸|(人|他|她|老人|娃儿|孩子).{0,4}没(得|有)?气了|"
        r"抽搐|抽起来|大出血|血流不止|血止不住|(在|好多)流血|流(了)?好多血|受伤|摔伤|触电|"
        r"晕过去|孕倒|救护车|喘不过气|口吐白沫|(?<![睛脚腿体力性])不行了|说不出话|"
        r"(摔|倒|滚|掉).{0,8}(起不来|站不起来|动不了|不动了|流血)|倒在(地|厕所|门口|屋)|"
        r"心脏病(犯|发)|中风|割腕|喝(了)?农药|服毒|"
        r"(爷|婆|爸|妈|公|老汉儿?).{0,2}没(得|有)?气了|喊(他|她)?(都)?不(应|答应)|叫不应|没(有)?反应了|"
        r"(头|额头|脑壳|脸)上.{0,3}血|血流(个)?不停|嘴唇.{0,2}(紫|乌)|(胸口|心口).{0,2}(痛|疼)|"
        r"烫伤|噎住|倒下去了|倒起了|(躺|倒).{0,4}(不动|动不了)|"
        r"(人|娃儿|小孩|孩子|老人|工人|婆婆|爷爷).{0,8}(摔|掉|滚)下来|((人|我|他|她|老人|娃儿|小孩|孩子|爸|妈).{0,2}|^)(被|遭).{0,3}车.{0,2}(撞|挂)|"
        r"晕到|yun倒|昏过去|(叫|打|喊|等)120|120(快|来)",
    ),
    _p(
        "emergency_violence",
        r"砍人|持刀|拿(着)?.{0,2}刀|(在|又在)打(小孩|娃儿|人|他老婆|老婆|老人)|(追|围)着.{0,8}打|扭打|"
        r"在抢|撬.{0,2}门|拿(着)?(棍|棒|钢管).{0,6}(打|追|砸|砍)|动刀|捅(人|了)|打人|打老婆|打架|打起来|打群架|斗殴|家暴|"
        r"抢劫|抢(了|东西)|(在|正在)偷|偷东西|(在|正在)砸|在撬|撬门|翻.{0,4}窗|绑架|跳楼|动手|报警(?!器)",
    ),
    _p(
        "emergency_collapse",
        r"(房子|房屋|墙|楼|屋顶|山|吊顶|阳台|楼梯|堡坎|挡墙|围墙|桥).{0,2}(垮|塌)(了|下来)|"
        r"倒塌|坍塌|垮塌|塌方|滑坡|塌陷|地陷|要塌了|"
        r"(天花板|危房|雨棚|水箱).{0,3}(垮|塌)(了|下来)|(挡土墙|围墙|墙).{0,2}倒了|"
        r"(土|泥巴|石头).{0,4}(往下)?(滑|垮)",
    ),
)

# Words just before a danger word that deny it: 没有煤气味, 不是着火, 没人被困.
_NEGATION_BEFORE = re.compile(r"(没有|没得|没|莫得|不是|并非|无|未|别|不)[^，。,.!！?？]{0,3}$")
# Phrases anywhere in the clause that put the danger in the past or rule it out.
_NOT_NOW = re.compile(
    r"上次|上回|以前|之前|去年|前几天|前些天|早就|已经(灭|修好|好了|处理|没)|"
    r"没(有)?人(被)?(困|关|受伤)|没人在里面|里面(是)?空的|人都出来了|火(已经)?灭了|"
    # checked and ruled out, or not smelled at all: 说没漏气, 闻不到味道
    r"没(有|得)?漏气|不漏气|闻不到|没(有|得)?闻到|"
    # recovering or long past, help asked for: 摔伤了在养, 中风以后生活不能自理, 申请补贴
    r"在养|养伤|养着|(现在|已经)(好|没事)了|以后生活|后遗症|申请|补贴|好几个月|好几年|"
    r"(失火|着火|起火|火灾)(以)?后|"
    # hypothetical: 等房子垮了再来, 万一着火
    r"等.{0,4}(垮|塌|出事)了再|万一|要是|如果"
)
_CLAUSE = re.compile(r"[^，。,.;；!！?？\n]+")


def danger_intent(text: str) -> str | None:
    """The emergency a message describes as happening now, if its words say so."""
    for clause in _CLAUSE.findall(text):
        if _NOT_NOW.search(clause):
            continue
        for danger in DANGER_PATTERNS:
            for match in danger.pattern.finditer(clause):
                if not _NEGATION_BEFORE.search(clause[: match.start()]):
                    return danger.intent
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyRules(GraphComponent):
    """Raises clear emergencies the model scored low; leaves everything else alone."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyRules:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that name a present danger."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            intent = danger_intent(text)
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent is None or (current or "").startswith("emergency_"):
                continue
            self._set_intent(message, intent)
        return messages

    @staticmethod
    def _set_intent(message: Message, intent: str) -> None:
        ranking = [
            {
                **entry,
                PREDICTED_CONFIDENCE_KEY: entry.get(PREDICTED_CONFIDENCE_KEY, 0.0) * OTHERS_SCALE,
            }
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent
        ]
        top = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: RULE_CONFIDENCE}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
