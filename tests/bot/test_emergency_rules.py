"""The emergency rule layer: present dangers are raised, denied or past ones are not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("rasa")

from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.components.emergency_rules import EmergencyRules, danger_intent  # noqa: E402


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("救命，厨房着火了", "emergency_fire"),
        ("家里好大一股煤气味", "emergency_gas_leak"),
        ("燃气管子被挖断了，在往外冒气", "emergency_gas_leak"),
        ("插座进水了还在冒火花", "emergency_electric_water"),
        ("电梯卡住了，我和娃儿在里面", "emergency_trapped"),
        ("楼下有个老人晕倒了", "emergency_medical"),
        ("隔壁有人拿着刀在砍人", "emergency_violence"),
        ("后面的堡坎垮了", "emergency_collapse"),
        ("屋头燃气报警器一直在叫", "emergency_gas_leak"),
        ("楼上漏下来的水滴到电表上了", "emergency_electric_water"),
        ("电梯卡在两层中间，里面有人", "emergency_trapped"),
        ("我老汉儿倒起了，喊不应", "emergency_medical"),
        ("救命，我爷爷没气了", "emergency_medical"),
        ("我妈遭车撞了", "emergency_medical"),
        ("有个男的在街上追着一个女的打", "emergency_violence"),
        ("报警！有人在撬门", "emergency_violence"),
        ("工地的围墙倒了", "emergency_collapse"),
        # broader wording, terse and narrative, dialect, pinyin and English
        ("仓库那边冒火苗了", "emergency_fire"),
        ("楼道里烟好浓，呛得睁不开眼", "emergency_fire"),
        ("停车场有辆电瓶车正在烧", "emergency_fire"),
        ("3单元zhaohuo了", "emergency_fire"),
        ("烟雾报警器一直在响", "emergency_fire"),
        ("屋头meiqi味好重", "emergency_gas_leak"),
        ("灶都关了燃气表还在转", "emergency_gas_leak"),
        ("气罐阀门那里一直嘶嘶响", "emergency_gas_leak"),
        ("我爸突然嘴巴歪了", "emergency_medical"),
        ("婆婆在卫生间滑倒了爬不起来", "emergency_medical"),
        ("老汉儿呼吸困难，脸都乌了", "emergency_medical"),
        ("隔壁娃儿吞了颗纽扣电池", "emergency_medical"),
        ("有人掉到河里了", "emergency_medical"),
        ("我妈吃了一瓶安眠药", "emergency_medical"),
        ("一家人好像一氧化碳中毒了", "emergency_medical"),
        ("婆婆晕倒在菜市场门口", "emergency_medical"),
        ("有个人扬言要砍死他老婆", "emergency_violence"),
        ("有贼娃子在翻隔壁的窗子", "emergency_violence"),
        ("有人一路尾随我到楼下", "emergency_violence"),
        ("我被人打伤了", "emergency_violence"),
        ("电t困了几个人", "emergency_trapped"),
        ("娃儿被锁在车里了", "emergency_trapped"),
        ("一家人被洪水围住了", "emergency_trapped"),
        ("电线掉到积水里了", "emergency_electric_water"),
        ("水龙头摸起来麻手", "emergency_electric_water"),
        ("后山在往下垮", "emergency_collapse"),
        ("吊顶整块砸下来了", "emergency_collapse"),
        ("高空掉下来的花盆砸到人了", "emergency_collapse"),
    ],
)
def test_present_dangers_are_recognised(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "没有煤气味了，就是打不着火",
        "上次着火的地方现在垃圾堆起来了",
        "电梯坏了，还好没人被困",
        "燃气费这个月多收了",
        "楼上漏水到我家天花板",
        "热水器出不来水",
        "燃气公司来查过了，说没漏气，就是火小",
        "天然气闻不到味道，就是停了",
        "燃气报警器坏了，一直不亮灯",
        "屋头没气了，灶打不燃",
        "楼下天天拿棍子敲天花板",
        "墙上的缝越来越宽，等房子垮了再来？",
        "腿摔伤了在养，想请人帮忙买菜",
        "我爸中风以后生活不能自理，想申请护理补贴",
        "眼睛不行了，想请人帮忙读信",
        "护栏被车撞断了",
        "路面塌了个小坑",
        "水电表都不走了",
        "万一着火了找哪个",
        "家里失火以后什么都没了，想申请救助",
        "老伴腿摔伤了好几个月，现在在家养着",
        "你好",
        # everyday words that look like danger words
        "天然气火苗是黄的，烧不旺",
        "楼下烧烤店油烟太大",
        "有人在路边烧垃圾",
        "外墙瓷砖松了，差点砸到人",
        "楼道堆满杂物，有火灾隐患",
        "社区什么时候搞消防演练",
        "想给娃儿报个防溺水的安全讲座",
        "落水管断了，雨水到处流",
        "手机掉到水里了",
        "钥匙锁在屋头了，进不去",
        "电梯里有人乱贴小广告",
        "路灯杆被人推倒了",
        "老人每天要吃药片，想请人提醒",
        "牙龈出血想问问医保能不能报",
        "停水了有电，没得气",
        "老鼠钻进屋头了",
        "物业费收这么多简直是抢钱",
        "客服说话不清不楚",
        "气得我心头冒火",
        "地板有一块陷下去了",
        "担心电线泡水会漏电",
    ],
)
def test_denied_past_or_harmless_words_are_not(text: str) -> None:
    assert danger_intent(text) is None


def _message(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": "report_gas", "confidence": 0.3}],
    )
    return message


def test_a_low_scored_emergency_is_raised_to_the_top() -> None:
    message = _message("闻到好大一股天然气味", "report_gas", 0.6)
    EmergencyRules().process([message])
    assert message.get("intent") == {"name": "emergency_gas_leak", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "emergency_gas_leak"
    assert all(entry["confidence"] <= 0.5 for entry in ranking[1:])


def test_the_model_keeps_its_verdict_without_danger_words() -> None:
    message = _message("没有煤气味了，就是打不着火", "report_gas", 0.6)
    EmergencyRules().process([message])
    assert message.get("intent") == {"name": "report_gas", "confidence": 0.6}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # typing noise that carries nothing: stray spaces, full width, emoji
        ("电梯 困人了😭😭", "emergency_trapped"),
        ("救命 我们 被 困在 电梯里", "emergency_trapped"),
        ("🆘着 火了", "emergency_fire"),
        ("ＧＡＳ leak！！", "emergency_gas_leak"),
        # trapped people, said more ways
        ("我们困在了地下车库出不去", "emergency_trapped"),
        ("宝宝锁在车里了，窗子打不开", "emergency_trapped"),
        ("婆婆反锁在卫生间里，喊不应", "emergency_trapped"),
        ("bei困在电梯里", "emergency_trapped"),
        ("kun在dian梯里半小时了", "emergency_trapped"),
        ("dian梯里有个人，门开不了", "emergency_trapped"),
        ("人关在屋头，门锁坏了", "emergency_trapped"),
    ],
)
def test_noise_and_more_trapped_wording_are_recognised(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "家里遇到困难，想申请低保",
        "一直被困扰，想问问低保政策",
        "我被反锁在门外了，进不去屋",
        "电梯里有人 乱贴小广告",
        "关电梯的时间能不能晚一点",
    ],
)
def test_noise_normalisation_adds_no_false_alarm(text: str) -> None:
    assert danger_intent(text) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # pinyin typed with spaces
        ("chu fang zhao huo le kuai lai", "emergency_fire"),
        ("rq xie lou le 5栋", "emergency_gas_leak"),
        ("dian ti kun ren le", "emergency_trapped"),
        ("lao ren yun dao le", "emergency_medical"),
        # a bare 不 a few characters before the danger is not a denial
        ("油锅蹿火了关不到，火越来越大", "emergency_fire"),
        ("变电房在冒火", "emergency_fire"),
        ("洗澡的时候摸到水管手麻了一下", "emergency_electric_water"),
        ("关人了!!!3单元电梯", "emergency_trapped"),
        ("一楼淹了，屋头的婆婆走不动", "emergency_trapped"),
        ("外面积水到大腿了还在涨", "emergency_trapped"),
        ("有个人倒在马路上喊不醒", "emergency_medical"),
        ("他们拿起棍子威胁说要打断我的手", "emergency_violence"),
        ("阳台上的花盆吊起要掉下来了，下面全是人", "emergency_collapse"),
        ("雨棚塌了，有人被压在下面", "emergency_collapse"),
        ("楼上的墙裂开了一直咔咔响，还在掉灰", "emergency_collapse"),
    ],
)
def test_more_present_dangers(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "mei you zhao huo, shi lu deng huai le",
        "ran qi xie lou le gai zen me ban",
        "那次电梯关人的事后来咋个处理的",
        "上个星期楼下打架那个事有结果没有",
        "遇到燃气泄漏应该打哪个电话",
        "天气热得人都要晕倒了",
        "被物业气得冒烟",
        "热水器出不来水",
        "我家被砸烂的窗户哪个来赔",
        "水管爆了，现在已经没事了",
    ],
)
def test_talk_about_danger_is_not_one(text: str) -> None:
    assert danger_intent(text) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a fall that hurt, told by what it did to the person
        ("小区门口那个坑，一个骑电瓶车的大爷连人带车栽下去了，伤得好重", "emergency_medical"),
        ("我爸从梯子上滑下来，后脑勺着地，现在人有点晕乎", "emergency_medical"),
        ("婆婆在厕所滑了一跤，瘫在地上不能动了", "emergency_medical"),
        ("someone is bleeding on the stairs", "emergency_medical"),
        ("娃儿从滑梯上栽下来，手杆怕是断了", "emergency_medical"),
        # a stopped lift or a jammed door with someone inside; English
        ("电梯走到一半停在半空，我女儿在里面哭", "emergency_trapped"),
        ("储藏室的门锁坏了打不开，我儿子在里头", "emergency_trapped"),
        ("we are stuck in the elevator at block 3", "emergency_trapped"),
        # a shock felt, wet fittings, a lamp full of water
        ("下雨后广告牌的灯箱泡在积水里，路人靠上去遭电麻了", "emergency_electric_water"),
        ("楼上的水顺着吸顶灯往下滴，灯还开起的", "emergency_electric_water"),
        # fire moving or coming out; a dialect 着起了
        ("烧秸秆的火窜到坡上的竹林了", "emergency_fire"),
        ("路灯杆的接线盒冒出火来了", "emergency_fire"),
        ("the kitchen is on fire", "emergency_fire"),
        # a ceiling, road or wall giving way now
        ("厨房的铝扣板吊顶一大块塌下来了", "emergency_collapse"),
        ("暴雨过后小区的人行道陷下去一大片", "emergency_collapse"),
        ("楼梯间墙上的裂缝一直在变宽，我们都跑出来了", "emergency_collapse"),
        # people brought to fight, a chase with a weapon, a lock forced, theft now
        ("讨债的带了一帮人来店里打我们", "emergency_violence"),
        ("几个人拿钢管在巷子里追着砍人", "emergency_violence"),
        ("有两个人在撬楼下那辆车的车窗", "emergency_violence"),
        ("有人正在锯小区的铁栏杆拿去卖", "emergency_violence"),
        # a guess put as a question is still a worry about now
        ("屋头一股怪味，是不是燃气漏了", "emergency_gas_leak"),
    ],
)
def test_further_present_dangers(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        # denied inside the words, in English, or marked as an experience
        "煤气灶没有味道，就是点不着",
        "no fire, the smoke alarm just beeps all night",
        "我爸去年晕倒过，想问下社区有没有上门体检",
        # long past, fixed, reconciled, rescued
        "配电房起火是半个月前的事了，到现在路灯还不亮",
        "两口子前晚打架，现在已经和好了，就是门口的碎碗没人扫",
        "插座进水那回电工来换过了，现在没危险了，就是墙上留了水印子",
        # which number to call, a real-if hypothesis, a figure of speech, a joke, a typo
        "煤气漏了是打119还是打燃气公司",
        "如果有人触电了，应该先拉闸还是先打120",
        "灭火器都是空的，真着火了咋个办",
        "楼下天天打麻将，吵得我要逼疯了，我要杀人了",
        "我朋友说他宿舍着火了，原来是开玩笑的",
        "kun ren? 不是不是，打错字了，是问困难补助",
        # fire words that are objects, a pothole, a call for someone
        "the fire door on floor 5 will not close",
        "消防通道旁边的fire extinguisher过期了",
        "路面塌了个小坑，车开过去颠得很",
        "客厅墙上的裂缝越来越长，想请人来看看",
        "麻烦叫个人来接电话，我打字慢",
        "活动室的椅子腿杆断了，坐不得",
        "被人倒了一地的建筑垃圾没人管",
    ],
)
def test_more_talk_about_danger_is_not_one(text: str) -> None:
    assert danger_intent(text) is None


def test_a_model_emergency_its_own_words_rule_out_is_set_aside() -> None:
    message = _message("万一楼道着火了，应该往哪边跑", "emergency_fire", 0.7)
    EmergencyRules().process([message])
    assert message.get("intent") == {"name": "report_gas", "confidence": 0.3}
    ranking = message.get("intent_ranking")
    assert ranking[1] == {"name": "emergency_fire", "confidence": 0.15}
    assert ranking[0]["confidence"] > ranking[1]["confidence"]  # not ambiguous to the fallback


def test_a_model_emergency_without_danger_words_stands() -> None:
    message = _message("屋头有股怪怪的味道，老伴说头昏", "emergency_gas_leak", 0.4)
    EmergencyRules().process([message])
    assert message.get("intent") == {"name": "emergency_gas_leak", "confidence": 0.4}


def test_a_piece_between_spaces_that_says_it_now_keeps_the_model_verdict() -> None:
    message = _message("上个月的物业费有意见 先不说 现在楼道在冒黑烟", "emergency_fire", 0.6)
    EmergencyRules().process([message])
    assert message.get("intent") == {"name": "emergency_fire", "confidence": 0.6}
