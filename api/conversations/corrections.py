"""How a resident says "that was wrong": one pattern for the bot and the operators' inbox."""

import re
import unicodedata

# The words that say "that was wrong", wherever they stand: 不对, 说错, 等一下, 哦不, 口误 …
CORRECTION_WORDS = (
    r"不对|说错|搞错|弄错|写错|打错|填错|讲错|错了|等一下|等等|等哈|稍等|更正|改一下|改成|改为|"
    r"应该是|重新说|我是说|(?:哦|噢|喔|啊)不(?![是要用会能行好对])|不不|口误|说反|搞混|纠正|重说|"
    r"没说清楚|说得不对"
)
# Those words near the start of a message, or "不是X，是Y", 其实是…, 刚才说的不准.
CORRECTION_MARK = re.compile(
    rf"^.{{0,12}}?({CORRECTION_WORDS}|不是(?=.{{1,14}}(是|而是))|不是[^，,。是]{{1,10}}[，,]|"
    r"其实是|其实(?=.{0,6}是)|刚才(说|讲)的.{0,2}(不|有))"
)


def looks_like_correction(text: str) -> bool:
    """The message corrects something the resident said before."""
    return CORRECTION_MARK.search(unicodedata.normalize("NFKC", text).strip()) is not None
