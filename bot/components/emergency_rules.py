"""A rule layer for emergencies, after DIET and before the fallback classifier.

A missed gas smell is a failure, a false alarm only costs a phone call, so
clear danger words override the model: when a message says 着火, 煤气味,
晕倒, 持刀, 困在电梯, 插座进水 or 塌了 about now, the intent becomes the matching
emergency with full confidence. A danger word that is negated (没有煤气味了),
in the past (上次着火), ruled out (没人被困) or only feared
(担心会着火, 火灾隐患, 差点砸到人) does not count; the model's own
prediction then stands. The layer never turns an emergency into a non-emergency.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

INTENT_RANKING_KEY = "intent_ranking"
RULE_CONFIDENCE = 1.0
# A model this sure of an emergency keeps its own kind; a weaker guess (gas_leak at
# 0.15, which the fallback classifier would drop) is raised by the rule.
MODEL_SURE = 0.5
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


_GAS = r"(煤气|煤汽|天然气|天燃气|燃气|液化气|气罐|gas|meiqi|ranqi|tianranqi|ran气|mei气|煤qi|燃qi)"
DANGER_PATTERNS: tuple[DangerPattern, ...] = (
    _p(
        "emergency_gas_leak",
        rf"{_GAS}(的)?(味|臭)|(闻到|好大|一股|好浓|好冲).{{0,6}}{_GAS}|臭鸡蛋(的)?味|"
        rf"{_GAS} ?(smell|味道)|smell(s|ing)?.{{0,8}}{_GAS}|"
        rf"{_GAS}.{{0,10}}(泄漏|泄露|漏了|漏气|破了|断了|裂|冒气|跑气|气味|味道|怪味|嘶嘶)|"
        rf"(怪味|味道|气味).{{0,6}}{_GAS}|"
        r"漏气|(燃气|煤气)?(?<!烟)(?<!烟雾)(?<!烟感)报警器.{0,4}(响|叫|滴滴|嘀嘀)|"
        # 闻到怪味，像天然气 / 燃气表在转，灶是关起的 / 气罐在漏
        rf"(怪味|味道|气味|臭).{{0,8}}像.{{0,2}}{_GAS}|{_GAS}.{{0,4}}(leak|在漏)|"
        r"(燃气表|气表).{0,4}(在)?(转|走).{0,8}(关|没开|没用)|(灶|阀门).{0,4}关(着|起|了).{0,8}(燃气表|气表).{0,4}(在)?(转|走)|(灶|阀门|开关).{0,4}关(着|起|了).{0,8}(闻|味|臭)|"
        r"(灶|燃气|阀门|管子).{0,8}嘶嘶",
    ),
    _p(
        "emergency_electric_water",
        r"(插座|插线板|电线|电闸|配电|电表箱|电箱|开关|电灯|灯泡|浴霸|电器).{0,8}"
        r"(进水|泡|淹|打湿|滴水|水里|水坑|冒火花|漏电)|"
        r"(水|淹|漏|滴).{0,10}(漏电|冒火花|电线|插座|开关|配电|电表箱|电灯|灯上|灯泡|浴霸)|"
        r"(水|淹|漏|滴).{1,10}(电表|电箱|插头|插线板|灯座|吊灯|充电桩)|"
        r"(电表|电箱|吊灯|灯座|充电桩).{0,6}(滴水|渗水|进水|泡在水)|漏电|"
        # 电缆泡在水坑里 / 插排还通着电 / 水里带电 / 电线掉到水里
        r"(电缆|电线|插排|插板|电源线).{0,6}(泡|掉|落|垂|浸).{0,4}(水|淹)|"
        r"(淹|水).{0,12}(插排|插板).{0,6}(通|有|带)(着)?电|(?<![停没来])(水|积水|水管|水龙头)(里|上)?.{0,4}(有电|带电|麻人|麻手|电人)|"
        # live wires down or sparking: 电线掉在地上还在打火花, 电线断了垂下来带电
        r"(电线|电缆|高压线).{0,8}(掉|断|垂|落|拖).{0,8}(地|路|下来|街|水)|(打|冒|闪)(火花|电火花)|"
        r"(电线|电缆|电箱|电表|插座).{0,6}(带电|打火|冒烟|烧起)",
    ),
    _p(
        "emergency_fire",
        r"着火|着伙|起火|失火|火灾|烧起来|燃起来|冒(黑)?烟|火(势|好大|很大)|浓烟|"
        r"(满|到处|好大|好浓|全)(楼|屋)?(都)?(是)?(的)?烟|"
        # 车在燃，烟好大 / 电线冒火了 / 火扑不灭 / 烟雾报警器在响 / pinyin and English
        r"(?<![油])烟(好|很|太|非常)(大|浓|呛)|(在|正在)(燃|烧)(?![气烧水饭菜垃纸香秸落树叶烤])|明火|冒(火苗|火星)|"
        r"(电线|插座|插排|电器|电箱|电表|车|机器|屋|楼|窗|灶|锅).{0,4}冒火|"
        r"火(苗|光|焰).{0,2}(窜|蹿|好高|老高|冒出来)|"
        r"火.{0,2}(扑|灭|浇)不(灭|熄|住)|烟(雾)?(感|报警器).{0,4}(响|叫)|"
        r"zhao火|zhaohuo|着huo|起huo|qihuo|fire|烧(着|到)(了)?(房|屋|楼|窗帘|沙发|床|电线|车)|"
        # a fire that spreads, smoke said in dialect: 越烧越大, 火烧过来了, 烟子好大
        r"越烧越(大|旺|凶)|火.{0,3}(越来越大|蔓延|烧过来|窜过来)|烟子.{0,2}(好|很|太|大|浓|呛|冒)",
    ),
    _p(
        "emergency_trapped",
        r"(困|关|卡|锁)(住|了)(个|几个|好几个)?(人|老人|小孩|娃儿)|被困(?!难|惑|扰|境)|困人|困梯|"
        r"(困|关|卡|锁)在(电梯|里面|里头|屋|车)|"
        r"电梯.{0,12}(里面|里头)(有人|还有|关|有个)|(我|人|娃儿|小孩).{0,3}在(电梯)?里面|"
        r"出不来(?!水)|出不去|掉进.{0,3}(井|坑)|电梯(关|困)(了)?(个)?人|关在电.梯|"
        r"^(里面|里头)(还)?有(人|个|我|小孩|娃儿|老人)|头卡在|"
        # 电梯里有人，门打不开 / 电梯困了个外卖小哥 / 娃儿锁在车里 / 被水围住了
        r"(电|dian) ?(梯|提|ti|t).{0,4}(里|里面|里头)(有人|有个人|有娃儿|有老人|有小孩)"
        r"(?!.{0,4}(抽|吸|贴|尿|吐|丢|扔|画|吵|骂))|"
        r"(电|dian) ?(梯|提|ti|t).{0,2}(困|关|卡)(了|住)?(个|一个|几个)|"
        r"(人|我|娃儿|小孩|孩子|老人)(被)?(关|困|锁|卡)在.{0,3}(电提|电t|车|厕所|卫生间|阳台|屋头|房间)|"
        r"(被|遭)(水|洪水|大水)(围|困|冲)|水.{0,6}(淹到|漫到).{0,3}(腰|胸|脖子|二楼|床)|困在水|"
        # 困在了电梯里 / 宝宝反锁在车里 / 老人关在家里出不来 / bei困, kun在dian梯, 电ti里有人
        r"(困|关|卡|锁)在了|(被|bei) ?(困|kun)(?!难|惑|扰|境|乏|倦)|困(在)?(电|dian) ?(梯|提|ti)|"
        r"(kun|guan)在(电|dian) ?(梯|提|ti)|"
        r"(人|我|我们|娃儿|娃娃|小孩|孩子|宝宝|老人|婆婆|爷爷|奶奶)(被)?(反锁|关|困|锁|卡)在.{0,3}"
        r"(家里|屋里|屋头|里面|里头|车里|车上|楼顶|天台|井里|坑里|地下室|电梯)|"
        r"反锁在(?!门外|外面).{0,3}(屋|房|厕所|卫生间|家|里面|里头|车)",
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
        r"晕到|yun倒|昏过去|(叫|打|喊|等)120|120(快|来)|"
        # 晕了 / 人倒了 / 脑壳出血 / 嘴巴歪了 / 溺水 / 吃了好多安眠药 / 吞了电池 / 呼吸困难
        r"^(人)?晕了|(人|他|她|老人|婆婆|爷爷|我爸|我妈|大爷|嬢嬢)(突然|一下|就)?(晕|倒)了|"
        r"(?<![龈鼻])出血|流血|血.{0,2}(一直|在)流|满脸是血|一身血|全是血|"
        r"嘴(巴)?歪|口眼歪|半边.{0,3}(麻|动不了|没知觉)|突然.{0,6}说话.{0,4}(含糊|不清)|说话含含糊糊|"
        r"溺水|落水(?!管)|(人|娃儿|小孩|孩子|老人).{0,6}掉(进|到|下)(了)?(河|江|水|塘|池)|"
        r"(吃|喝|吞)了.{0,3}(好多|一瓶|整瓶|一把|很多|大把).{0,3}药|(吃|喝)了.{0,2}(老鼠药|百草枯|敌敌畏|洗衣液)|"
        r"吞了.{0,3}(电池|纽扣|硬币|钉子|磁铁)|中毒|"
        r"呼吸.{0,2}(困难|不上来|急促)|(气|呼吸)(都)?(喘|出)不(过|上|赢)|上不来气|"
        r"心梗|心肌梗|脑梗|脑溢血|脑出血|休克|癫痫|羊癫疯|发病了|犯病了|"
        r"(摔|跌|滑)(了一跤|倒|了).{0,12}(起不来|站不起来|爬不起来|动不了|(腿|手|骨头).{0,2}断|出血|流血|糊涂|迷糊|喊痛|躺在地)|"
        r"(头|脑壳|脑袋).{0,4}(撞|磕|摔).{0,8}(糊涂|迷糊|不说话|吐|血)|"
        r"突然.{0,8}(不说话|不动了|晕|吐|不认人|没反应|倒下)|"
        r"(人|老人|婆婆|爷爷|大爷|嬢嬢|娃儿|小孩)(晕|倒|躺)在.{0,6}(地上|楼梯|路边|街上|菜市场)|"
        r"人.{0,4}(迷糊|不清醒)|(发烧|高烧).{0,6}(抽|惊厥)|烧到抽筋|"
        # hit or pinned by something falling: 瓷砖掉下来把人头砸破了, 灯杆倒了压到人
        r"(人|头|脑壳|娃儿|小孩|老人|路人).{0,4}(砸|压)(破|伤|到|中|住|倒)|"
        r"压(破|伤|到|中|住)(了)?.{0,2}(人|头|脑壳|娃儿|小孩|老人|路人)|"
        r"被.{0,6}(砸|压)(伤|到|中|住|破)",
    ),
    _p(
        "emergency_violence",
        r"砍人|持刀|拿(着)?.{0,2}刀|(在|又在)打(小孩|娃儿|人|他老婆|老婆|老人)|(追|围)着.{0,8}打|扭打|"
        r"在抢|撬.{0,2}门|拿(着)?(棍|棒|钢管).{0,6}(打|追|砸|砍)|动刀|捅(人|了)|打人|打老婆|打架|打起来|打群架|斗殴|家暴|"
        r"抢劫|抢(了|东西)|(在|正在)偷|偷东西|(在|正在)砸|在撬|撬门|翻.{0,4}窗|绑架|跳楼|动手|报警(?!器)|"
        # 威胁要砍我 / fighting with knife / 打老人 / 小偷翻进 / 一直跟着我
        r"(威胁|扬言)(要)?.{0,3}(砍|杀|弄死|打死|捅)|杀人|行凶|(要|想)(杀|砍|捅)(人|我|他|她)|"
        r"knife|fighting|(在|又在)打(我|他|她|孩子|女的|男的)|打老人|被(人)?打(了|伤)|挨打|殴打|揍(人|我|他|她)|"
        r"(小偷|贼|贼娃子).{0,4}(翻|钻|撬|爬|进)|有人.{0,4}(翻|爬|钻|闯)进|踹门|砸门|"
        r"(一直|一路)(跟|尾随)着?我|尾随|猥亵|非礼|性侵|强奸|拐(走|卖)|抢(包|手机)",
    ),
    _p(
        "emergency_collapse",
        r"(房子|房屋|墙|楼|屋顶|山|吊顶|阳台|楼梯|堡坎|挡墙|围墙|桥).{0,2}(垮|塌)(了|下来)|"
        r"倒塌|坍塌|垮塌|塌方|滑坡|塌陷|地陷|要塌了|"
        r"(天花板|危房|雨棚|水箱).{0,3}(垮|塌)(了|下来)|(挡土墙|围墙|墙).{0,2}倒了|"
        r"(土|泥巴|石头).{0,4}(往下)?(滑|垮)|"
        # 路面塌了个大坑，车陷进去了 / 山在往下垮 / 天花板整块掉下来 / 砸到人
        r"^(垮|塌)了|(路|地|路面|地面).{0,3}(塌|陷)(了|下去)?.{0,3}(大坑|大洞)|车.{0,4}陷(进|下)去|"
        r"(在|正在)(往下)?(垮|塌)|(天花板|吊顶|楼板|预制板|房梁|屋顶).{0,4}(整块|一大块|大块|全部).{0,2}(掉|垮|塌|砸)|"
        r"砸(到|伤|中)(了)?(人|头|脑壳)|泥石流|山体.{0,2}(滑|垮|塌)|(楼|房子).{0,4}(歪|倾斜|斜)了",
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
    r"等.{0,4}(垮|塌|出事)了再|万一|要是|如果|假如|"
    # worry, prevention and safety talk: 担心会着火, 火灾隐患, 消防演练, 防溺水宣传
    r"怕.{0,4}(着|起|失|出|垮|塌|砸|漏|触)|迟早|将来|"
    r"钥匙.{0,3}(锁|关)在|差点|差一点|险些|怕(会|掉|垮|塌|砸|着|出)|担心|害怕会|会不会|容易|小心|注意|防止|预防|隐患|演练|培训|宣传|知识|讲座|以防"
)
_CLAUSE = re.compile(r"[^，。,.;；!！?？\n]+")


def rule_text(text: str) -> str:
    """What the patterns are matched against: typing noise that carries nothing removed.

    Full-width letters, digits and punctuation are folded (NFKC, one character at a
    time), ASCII is lower-cased, emoji and other symbols are dropped, and a space
    is kept only between two ASCII letters or digits (``电梯 困人`` -> ``电梯困人``,
    ``gas leak`` stays). Clause punctuation is kept.
    """
    kept: list[str] = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        char = folded if len(folded) == 1 else char
        if char.isspace():
            kept.append(" ")
            continue
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cf", "Cc", "Cs", "Mn"):
            continue
        kept.append(char.lower() if char.isascii() else char)
    joined = "".join(kept)
    return _STRAY_SPACE.sub("", joined).strip()


# A run of spaces that does not sit between two ASCII letters or digits.
_STRAY_SPACE = re.compile(r"(?<![A-Za-z0-9]) +| +(?![A-Za-z0-9])")


FIRE_EMOJI = frozenset("🔥🧯🚒💥")
# Emoji alone say too little for a ticket: the bot asks 是着火了吗？ with 119 first.
UNCLEAR_INTENT = "report_start"
UNCLEAR_FIRE_ENTITY = {"entity": "unclear_danger", "value": "fire", "extractor": "EmergencyRules"}


def fire_emoji_only(text: str) -> bool:
    """A message of fire emoji (and other symbols) with no words at all."""
    stripped = [char for char in text if not char.isspace()]
    has_fire = any(char in FIRE_EMOJI for char in stripped)
    return has_fire and not any(char.isalnum() for char in stripped)


def danger_intent(text: str) -> str | None:
    """The emergency a message describes as happening now, if its words say so."""
    for clause in _CLAUSE.findall(rule_text(text)):
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
            if fire_emoji_only(text):
                self._set_intent(message, UNCLEAR_INTENT)
                entities = [*(message.get(ENTITIES) or []), UNCLEAR_FIRE_ENTITY]
                message.set(ENTITIES, entities, add_to_output=True)
                continue
            intent = danger_intent(text)
            current = message.get(INTENT) or {}
            name = str(current.get(INTENT_NAME_KEY) or "")
            confident = float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= MODEL_SURE
            if intent is None or (name.startswith("emergency_") and confident):
                continue  # no danger words, or the model is already sure of an emergency
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
