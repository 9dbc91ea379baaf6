"""The problem a resident names first around a danger, read from plain words.

Around a danger the model's ranking of report intents says little (a confident
emergency leaves almost no score to the rest, and what is left leans to the
place: 台阶 → public_facility). Utilities, leaks and crimes are named in words
no one mistakes, so when one is named, the first one named is the ticket's code
(categories.md rule 5: 停电了，电梯里关了人 is `power_outage`; 漏水流到燃气表上，
有股燃气味 is `water_leak`). Only emergencies use this; the model decides the rest.
"""

from __future__ import annotations

import re
from typing import Final

# Each code with the words that name its problem beyond doubt.
_CUES: Final[tuple[tuple[str, str], ...]] = (
    (
        "power_outage",
        # a lift stopped by a power cut is still the lift (rule 3): 电梯停电关了人
        r"(?<!电梯)(?<!电梯突然)(停电|断电|ting ?dian)|没(得|有)?电了|跳闸|电线杆.{0,3}倒|变压器|"
        r"电(线|表)箱|配电(房|箱|柜|室)|(电线|电缆).{0,4}(掉|断|垂)",
    ),
    # tap water gone bad (浑, 有怪味) that made people ill is the supply to fix
    ("water_supply", r"停水|断水|没(得|有)?水(了|用|喝)|水压.{0,2}(小|低)|自来(水|谁)(?!管)"),
    (
        "water_leak",
        r"漏水|渗水|水管.{0,3}(爆|破|裂|脱)|pipe.{0,3}(爆|burst)|水箱.{0,2}(破|爆|裂)|进水管.{0,2}脱",
    ),
    ("gas", r"燃气|煤气|天然气|液化气"),
    ("other", r"抢劫|抢.{0,6}(包|手机|钱)|小偷|贼娃子|偷东西|撬.{0,6}(门|锁)|在撬|诈骗"),
    # a quarrel between identifiable people (categories.md: dispute)
    (
        "dispute",
        r"(邻居|两家|两个司机|房东|租客|对门|楼上那家|楼下那家|业主和物业).{0,12}(吵|打(架|人|起来|起了|我|他|她)|骂|扯皮|理论|纠纷)|"
        r"为了.{0,10}(吵|打)(起来|架)|抢(车位|停车位)|不给工资|拖欠工资|欠.{0,6}工资|欠薪|讨薪|工钱",
    ),
    # a manhole or a street light named around a danger is the public facility to fix
    ("public_facility", r"窨井|井盖|下水井|检查井|路灯(杆)?"),
    # sites, shops and public hygiene (categories.md: environment)
    (
        "environment",
        r"广场舞|烧烤(店|摊)|工地|马蜂|黄蜂|垃圾(堆|站|桶|池|场)|化粪池|排污|臭水沟",
    ),
)
# A person's circumstances name the problem only when the danger is to that person.
_PERSONAL: Final = re.compile(
    r"独居|孤寡|孤老|空巢|一个人(住|在家|过)|独自(住|在家|生活)|老年痴呆|痴呆|残疾|自闭|autism"
)
_PERSONAL_KINDS: Final = frozenset({"medical", "trapped", "missing_person", "self_harm"})
_PATTERNS: Final = tuple((code, re.compile(regex, re.IGNORECASE)) for code, regex in _CUES)


def first_named_problem(text: str, kind: str | None = None) -> str | None:
    """The code of the problem named first in so many words, or None when none is.

    With the danger's `kind`, a person's circumstances (独居, 痴呆) count as welfare
    when the danger is to a person (a fall, someone missing), not to a building.
    """
    found = [
        (match.start(), code)
        for code, pattern in _PATTERNS
        if (match := pattern.search(text)) is not None
    ]
    if kind in _PERSONAL_KINDS and (personal := _PERSONAL.search(text)) is not None:
        found.append((personal.start(), "welfare"))
    return min(found)[1] if found else None
