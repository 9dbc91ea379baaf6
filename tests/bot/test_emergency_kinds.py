"""Water coming into homes, people missing, people about to take their life, things hanging
over people: present dangers with their own hotline; the same words about the past, a fear
or a pet are not."""

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
        ("我屋头全部淹了，沙发都浮起来了", "emergency_flood"),
        ("雨水往一楼灌，门口堵了沙袋也没用", "emergency_flood"),
        ("地下车库的水一直在涨，好多车还在里面", "emergency_flood"),
        ("二楼的热水器管子爆开了，水顺着楼梯往下淌，到处都是", "emergency_flood"),
        ("门面房被淹起了，货全部在水头", "emergency_flood"),
        ("水已经漫过门槛进客厅了", "emergency_flood"),
        ("我孙女在菜市场走丢了，才四岁", "emergency_missing_person"),
        ("我外公有点糊涂，吃完午饭出去到现在还没回来", "emergency_missing_person"),
        ("儿子放学到现在都没回家，同学说没看到他", "emergency_missing_person"),
        ("同事一个人去爬山失联了，手机也打不通", "emergency_missing_person"),
        ("楼顶有个小伙子坐在边边上，说不想活了", "emergency_self_harm"),
        ("我姐刚才发消息说要去跳江", "emergency_self_harm"),
        ("有个婆婆翻到桥的护栏外面去了，一直在哭", "emergency_self_harm"),
        ("三楼的空调外机只剩一颗螺丝挂着，下面就是小学门口", "emergency_collapse"),
        ("招牌吊在外面晃，风好大", "emergency_collapse"),
        ("路边那个挡墙在往外鼓，有石头在滚下来", "emergency_collapse"),
        ("刚才有人在地铁口抢一个嬢嬢的手机", "emergency_violence"),
        ("停电了，电梯里面关了三个人", "emergency_trapped"),
        ("被狗咬了，腿上一直淌血", "emergency_medical"),
        ("我爸糖尿病，刚才昏过去了", "emergency_medical"),
        ("马路边有个桶在漏化学品，味道好刺鼻", "emergency_fire"),
        ("对门一股焦糊味，窗户那边在往外冒黑烟", "emergency_fire"),
        ("幺儿下午出去耍，到现在天都黑了人不见", "emergency_missing_person"),
        ("桥底下有个人一步一步往河里走，喊他也不回头", "emergency_self_harm"),
        ("外墙的砖一直在往下掉，下面是菜市场的路", "emergency_collapse"),
        ("my neighbour fell off a ladder and is not breathing well", "emergency_medical"),
    ],
)
def test_new_kinds_of_present_danger(text: str, intent: str) -> None:
    assert danger_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "我家的狗走丢了，帮忙问问有没有人看到",
        "上个月我妈走丢过一次，后来派出所找到了，想问问能不能办个防走失手环",
        "去年夏天一楼淹过，今年雨季前能不能把排水沟疏通一下",
        "我怕哪天暴雨屋头又遭淹，下水道一直不通",
        "钥匙不见了，门锁能不能帮忙换一个",
        "楼上漏水，卫生间吊顶有点湿",
        "下雨天阳台地漏有点返水，地上湿了一片",
        "燃气热水器用起来一直报警，是不是要换了",
        "屋头水压小得很，洗澡都不舒服",
        "昨天小区里有人说要跳楼，警察已经把人劝下来了",
        "找不到人来修路灯，都报了好几次了",
        "物业联系不上，停车场的灯一直不亮",
        "那个空调外机架子生锈了，我担心以后会掉下来",
        "昨天晚上楼下有人打架，今天早上派出所已经处理了",
        "厨房烟囱往外冒烟，这个正常吗",
    ],
)
def test_the_same_words_without_a_danger_now(text: str) -> None:
    assert danger_intent(text) is None
