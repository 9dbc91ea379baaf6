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
    ("water_supply", r"停水|断水|没(得|有)?水(了|用|喝)|水压.{0,2}(小|低)"),
    (
        "water_leak",
        r"漏水|渗水|水管.{0,3}(爆|破|裂|脱)|pipe.{0,3}(爆|burst)|水箱.{0,2}(破|爆|裂)|进水管.{0,2}脱",
    ),
    ("gas", r"燃气|煤气|天然气|液化气"),
    ("other", r"抢劫|抢.{0,6}(包|手机|钱)|小偷|贼娃子|偷东西|撬.{0,6}(门|锁)|在撬|诈骗"),
)
_PATTERNS: Final = tuple((code, re.compile(regex, re.IGNORECASE)) for code, regex in _CUES)


def first_named_problem(text: str) -> str | None:
    """The code of the problem named first in so many words, or None when none is."""
    found = [
        (match.start(), code)
        for code, pattern in _PATTERNS
        if (match := pattern.search(text)) is not None
    ]
    return min(found)[1] if found else None
