"""Near-identical messages share a group key, so one decision labels them all."""

import re
import unicodedata

# Sentence-final particles and fillers that do not change what a message asks for.
_FILLERS = re.compile(r"[啊呀吧呢嘛哦哈噢喔啦咯诶哎唉嗯么]+")
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
MAX_KEY_LENGTH = 255


def group_key(text: str) -> str:
    """The message reduced to what it says: width, case, punctuation, digits and fillers dropped."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _NOT_WORD.sub("", folded)
    folded = _DIGITS.sub("0", folded)
    folded = _FILLERS.sub("", folded)
    return folded[:MAX_KEY_LENGTH] or "-"
