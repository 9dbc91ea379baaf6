"""When danger words do not mean a danger now: denials, the past, hypotheses, figures of speech.

`bot/components/emergency_rules.py` reads every clause in which a pattern of
`danger_patterns.py` matches against these before it raises an emergency.
"""

from __future__ import annotations

import re

# Words just before a danger word that deny it: 没有煤气味, 不是着火, 没人被困; a bare
# 不 only right before it (打不着火), not a few characters earlier (关不到，火越来越大).
NEGATION_BEFORE = re.compile(
    r"(没有|没得|没|莫得|(?<!是)不是|不像|并非|无|未|别)[^，。,.!！?？]{0,3}$|不$|"
    # English: no fire, not on fire, without any injury
    r"(?<![a-z])(no|not|without|never|isn't|wasn't|no one|nobody)( [a-z]+)?( )?$"
)
# Phrases anywhere in the clause that put the danger in the past or rule it out.
NOT_NOW = re.compile(
    r"上次|上回|以前|之前|去年|前几天|前些天|早就|已经(灭|修好|好了|处理|没(事|得事|了))|"
    r"没(有)?人(被)?(困|关|受伤)|没人在里面|里面(是)?空的|人都出来了|火(已经)?灭了|"
    # checked and ruled out, or not smelled at all: 说没漏气, 闻不到味道
    r"没(有|得)?漏气|不漏气|闻不到|没(有|得)?闻到|"
    # recovering or long past, help asked for: 摔伤了在养, 中风以后生活不能自理, 申请补贴
    r"在养|养伤|养着|(现在|已经)(好|没事)了|以后(生活|走路|行动|身体|腿脚|一直)|哪天|当时|后遗症|申请|补贴|好几个月|好几年|"
    r"(失火|着火|起火|火灾)(以)?后|"
    # hypothetical: 等房子垮了再来, 万一着火
    r"等.{0,4}(垮|塌|出事)了再|万一|要是|如果|假如|"
    # worry, prevention and safety talk: 担心会着火, 火灾隐患, 消防演练, 防溺水宣传
    r"怕.{0,4}(着|起|失|出|垮|塌|砸|漏|触)|迟早|将来|"
    # a past event talked about, a question about what to do, a test or a figure of speech:
    # 那天路面塌陷的坑, 上个礼拜电梯关人那个事, 遇到家暴应该找哪个, 气得冒烟, 热得要晕倒了
    r"那天|那次|那回|上个(月|礼拜|星期|周)|前天|(?<![昏晕死])过去了|那个事|做梦|梦到|测试一下|点个赞|评价|"
    r"应该(打|找|报)|找哪个|是报|以后再|能找你|找你不|建议|(热|气|吃|笑|急)得|"
    r"钥匙.{0,3}(锁|关)在|差点|差一点|险些|怕(会|掉|垮|塌|砸|着|出)|担心|害怕会|会不会|容易|小心|注意|防止|预防|隐患|演练|培训|宣传|知识|讲座|以防|"
    # long past, said with a count or a week: 三天前的事了, 上周就报过, 前两天闻到过
    r"[0-9一二两三四五六七八九十几]+(天|个月|年|周|个星期|个礼拜)(以)?前|的事了|上周|上礼拜|上星期|前两天|前几年|"
    r"(就|已经)?报过|(已经|都)?(修好|换好|和好|救出来)了|"
    # which number to call, a hypothesis that it really happens: 着火打119还是110,
    # 真着火了拿什么灭, 等着烧起来是不是, 比如有人受伤
    r"(打|是)(119|110|120|96777)?还是|先打|打(什么|啥子|哪个)电话|真(的)?(要)?(着|烧|起|出事|垮|塌)|"
    r"等着.{0,3}(烧|着|垮|塌|出事)|比如|for example|"
    # a figure of speech: 我要杀人了 after 逼疯了
    r"逼疯|烦死|吵死|气死|心(头|里)(都)?(在)?(冒烟|冒火|着火|起火|在烧)|(着|起|失|冒)过(一次|一回|几次|两次)?(火|烟)|"
    r"听说|(喉咙|嗓子|嘴巴|嘴).{0,4}冒烟|干得冒烟|离.{0,10}(都|还|很|挺)?远|(我|老子)(都)?(要|想)(杀|砍)人|"
    # a pet, not a person, is lost: 猫走丢了三天了 (the model's missing person is set aside)
    r"(狗|猫|宠物|鸟|鹦鹉|兔)(儿|子|咪|狗)?.{0,3}(走丢|走失|跑丢|不见|跑了)"
)

# Said once anywhere in a message, these take it all out of the present: a joke
# (说着玩的), or a question of what one should do if it happened (万一着火了是打119还是?).
NOT_NOW_MESSAGE = re.compile(
    r"说着玩|开玩笑|开个玩笑|逗你|打错(字)?了|虚惊一场|(以为|第一反应是).{0,16}(原来|结果是|其实)|第一反应是.{0,30}结果.{0,8}发现是|"
    # a rumour asked about, a question of what is handled: 在传…是真的吗, 能处理着火的事情不
    r"朋友圈|网上.{0,4}(传|说)|在传|是(不是)?真的(吗|哦|不)|(能|可以|会)(处理|管).{0,8}的事(情)?|还是只能|"
    # asking whether what one sees is normal: 烟囱往外冒烟，这个正常吗
    r"正常(的)?(吗|不|嘛)|正不正常|"
    r"(万一|要是|如果|假如|比如|遇到|if ).{0,24}"
    r"(应该|该(咋|怎|找|打)|是打|还是|找哪|打(什么|啥子|哪个)|先打|往哪)"
)
# Said later in a message, these close what came before: 打碎的玻璃 after 今天已经和好了,
# 插座换了现在没危险了.
RESOLVED_AFTER = re.compile(
    r"缓过来|缓过气|(都|被).{0,5}(带|抓)走了|(现在|目前)(已经)?没(得)?事了|没事没事|没得事了|(盖|扑|浇|弄)灭了|"
    r"(已经|都)(来)?(换|修|处理|弄)(了|好了)|已经和好|和好了|没(有)?危险了|没得危险了|(人|都)(是|已经)?救出来了|已经灭了|火灭了|出院|"
    r"(已经|都)(来)?修好了|止住了|(已经|也)干了|已经(被)?(警察)?带走|已经处理(了|好)|(已经)?找到了|找回来了|(劝|救)(下来|上来)了"
)
# Said anywhere in a message, these end one kind of danger only: the power cut off ends
# water meeting electricity (灯我已经拆了电也断了), the main valve shut ends a flood.
OVER_FOR: dict[str, re.Pattern[str]] = {
    "emergency_electric_water": re.compile(
        r"^(?!.*(不确定|不晓得|还有没有电|还(在)?(冒|打)火|还带电|还在冒))"
        r".*((电|电源|电闸|总闸)(我|也|都|已经|已){1,3}(断|拉|关|切)(了|掉)|"
        r"(已经|我)(把)?(总闸|电闸|闸)(拉|关)(了|掉))"
    ),
    "emergency_flood": re.compile(r"(总阀|阀门|水阀|总闸).{0,4}(也|都|已经)?关(了|好|上)|止住了"),
}
# A danger word with a denial inside the match: 燃气没味道, 插座没有冒烟
DENIED_INSIDE = re.compile(r"没有|没得|莫得|没(?![开用过气呼反人])|不是|并非")
# A danger word marked as an experience (晕倒过一次, 闻到过): not now.
EXPERIENCED = re.compile(r"^过(?![来去头])")


# The same denials and not-now words, typed in pinyin: "mei you zhao huo", "na ci".
PINYIN_NEGATION_BEFORE = re.compile(r"(meiyou|meide|bushi|mei|bu)$")
PINYIN_NOT_NOW = re.compile(r"dashenme|zenmeban|zhaoshui|naci|natian|shangci|xiexie|dacuo")
