"""How a resident says "that was wrong": one pattern for the bot and the operators' inbox."""

import re
import unicodedata

# "不对" / "说错了" / "等一下" / "搞错了" / "应该是" / "不是X，是Y" near the start of a message.
CORRECTION_MARK = re.compile(
    r"^.{0,8}?(不对|不是(?=.{1,14}(是|而是))|说错|搞错|弄错|写错|打错|填错|讲错|错了|"
    r"等一下|等等|等哈|稍等|更正|改一下|改成|改为|应该是|重新说|我是说)"
)


def looks_like_correction(text: str) -> bool:
    """The message corrects something the resident said before."""
    return CORRECTION_MARK.search(unicodedata.normalize("NFKC", text).strip()) is not None
