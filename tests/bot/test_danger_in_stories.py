"""Dangers told the way people tell them, and danger words that are over, rumoured or figurative.

Wordings of this file's own; the rules are read without a model (danger_intent).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("rasa")

from bot.components.emergency_rules import danger_intent  # noqa: E402


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # smoke in dialect, a pipe dug through, a box full of water, wire ends in a puddle
        ("对面那家窗子里烟子一股一股往外窜，屋头好像没人", "emergency_fire"),
        ("修路的把地底下的气管挖破了，呼呼地往外冒气", "emergency_gas_leak"),
        ("地下室的配电柜里面全是水，还在滋滋的响", "emergency_electric_water"),
        ("一楼门口那几根线头泡在积水里，娃娃些放学要走这里", "emergency_electric_water"),
        ("卫生间的插排上一直在冒电火花", "emergency_electric_water"),
        # someone who cannot move, lies on the floor groaning, or lives alone and does not answer
        ("老汉儿从楼梯上滚下来，现在动都动不得", "emergency_medical"),
        ("外婆睡在厨房地上，喊她只会哼哼", "emergency_medical"),
        ("隔壁独居的王爷爷两天没开门了，我们敲门喊了半天都没人应", "emergency_medical"),
        # beaten with a stick a few words later, held against their will
        ("几个人拿棍子把老板堵在店里头打", "emergency_violence"),
        ("讨债的守在门口，不准我们出去", "emergency_violence"),
        # earth coming down, ground washed out, a wall leaning, a sign about to fall
        ("后山坡一直在往下落石头，下面就是马路", "emergency_collapse"),
        ("暴雨把人行桥的台阶底下冲空了，走上去在晃", "emergency_collapse"),
        ("那堵围墙明显往外歪了，下面天天有娃娃走", "emergency_collapse"),
        ("楼顶的广告牌随时要掉下来", "emergency_collapse"),
        # people made ill by the tap water, an alarm in English, a structure coming down whole
        ("水管里的水一股怪味，隔壁几个娃娃喝了之后都在吐", "emergency_medical"),
        ("厨房的gas alarm一直嘀嘀叫", "emergency_gas_leak"),
        ("三楼的雨棚整块掉下来了，上面还在往下掉碎玻璃", "emergency_collapse"),
    ],
)
def test_dangers_told_in_other_words(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        # a mistake found out, a rumour asked about, a question of what is handled
        "还以为是着火了，原来是楼下在烧纸钱",
        "网上都在传我们这边化工厂爆炸起火了，是真的吗",
        "你们能处理打架斗殴的事情吗",
        # a figure of speech, an experience
        "我心里都在冒火，物业费又涨了",
        "楼道去年着过一次火，现在消防栓还是空的",
        # over and handled
        "昨天燃气管子漏气，燃气公司已经来修了，就是灶还点不燃",
        "刚才两个人在楼下打架，后来都被派出所带走了",
        "我妈早上晕倒了一下，现在缓过来了，想问社区医生几点上班",
        "锅里的油烧起来了，已经拿锅盖盖灭了，墙熏黑了一块",
        "楼上两口子昨晚打架，现在没得事了，就是想请社区调解一下",
        # hearsay, a figure of speech, a danger made safe, a danger kept at a distance
        "听说隔壁小区有人在楼道里打架，我们这边的监控能不能修一下",
        "停水三天了，嗓子都干得冒烟了",
        "楼上漏水滴到吸顶灯上，电闸我已经拉了，现在就是在滴水",
        "热水器的管子爆了，总阀已经关上了，地上积了一层水要人来修",
        "墙角在渗水，还好离插座都还远",
    ],
)
def test_over_rumoured_or_figurative_danger_is_not_one(text: str) -> None:
    assert danger_intent(text) is None
