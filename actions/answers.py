"""What a resident's answer is, before it fills a slot.

Residents answer the question they were asked, correct an earlier answer in
passing ("等一下，社区说错了，是西郊二村社区"), or type something that is not an
answer at all (a bare "对" when asked where). These readers tell those apart from
the text alone, so every question of the report form applies the same rules.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from api.desk.types import (
    CORRECTION_WORDS,
    find_mobile,
    find_ticket_number,
    looks_like_correction,
)


class Field(StrEnum):
    """What a correction may change."""

    PROBLEM = "problem"
    PLACE = "place"
    PHONE = "phone"


@dataclass(frozen=True)
class Correction:
    """A correction: which field it names (if it does), and the new words after it.

    `alternatives` are the words after each earlier mark, up to the end of their
    clause, last first ("搞错了，是西彭镇泥壁村，马鞍村是我亲戚屋头": the new value is
    the clause the registry knows, not the explanation after it). `unsure` says the
    resident does not know a finer place ("我也不晓得是哪个社区，反正是在渝州路街道").
    """

    field: Field | None
    content: str
    alternatives: tuple[str, ...] = ()
    unsure: bool = False


# The new value follows the last of these words: "不是停水，是水管爆了" -> "水管爆了".
_CONTENT_START = re.compile(
    rf"(({CORRECTION_WORDS})(了|一下)?|其实|而是|(?<![老就还但可总真要于凡若倒硬算正只也都像])是)"
)
_FIELD_WORDS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (Field.PHONE, re.compile(r"电话|号码|手机|手机号")),
    (Field.PLACE, re.compile(r"地址|地点|位置|地方|社区|小区|街道|村子?|镇|楼栋|门牌")),
    (Field.PROBLEM, re.compile(r"问题|类别|事情|情况")),
)
_FILLER = re.compile(r"^[\s，,。.！!？?、:：~～…]+|[\s，,。.！!？?、~～…]+$")
# A later clause that names the old value: "我其实是老板欠我工资，不是找工作",
# "不对，是停电了，不是然气。手机…".
_OLD_VALUE_AFTER = re.compile(r"[，,。;；!！]\s*(我|我们)?(而)?不是[^，,。;；!！]*")
# The old value named first, before the new words: "不是路灯，楼道灯".
_OLD_VALUE_FIRST = re.compile(r"^(?P<lead>.{0,4}?)不是[^，,。;；是]{1,10}[，,]\s*")
_CLAUSE_END = re.compile(r"[，,。;；！!？?]")
# Words that only lead into the new value: "我是想反映路灯不亮" -> "路灯不亮".
_LEAD = re.compile(r"^(想|要)(反映|说|报|讲)(一下)?(的是)?(?=.{2})")


def read_correction(text: str) -> Correction | None:
    """The correction a message makes, or None when it corrects nothing."""
    clean = unicodedata.normalize("NFKC", text).strip()
    if not looks_like_correction(clean):
        return None
    said = _OLD_VALUE_AFTER.sub("", clean) or clean
    said = _OLD_VALUE_FIRST.sub(lambda match: match.group("lead"), said) or said
    marks = list(_CONTENT_START.finditer(said))
    content = said[marks[-1].end() :] if marks else said
    content = _LEAD.sub("", _FILLER.sub("", content))
    head = said[: marks[-1].start()] if marks else ""
    named = next((field for field, words in _FIELD_WORDS if words.search(head)), None)
    alternatives = tuple(
        _FILLER.sub("", _CLAUSE_END.split(said[mark.end() :], maxsplit=1)[0])
        for mark in reversed(marks[:-1])
    )
    return Correction(named, content, tuple(a for a in alternatives if a), declines_place(said))


# Answers that are not a place, a problem or a phone: yes/no, greetings, thanks.
_NOT_AN_ANSWER = re.compile(
    r"^(对|对的|对头|是|是的|是滴|嗯|嗯嗯|好|好的|好嘞|行|可以|没错|没问题|确认|ok|okay|yes|"
    r"不对|不是|不|不要|没有|no|你好|您好|在吗|在不在|喂|哈喽|hello|hi|谢谢|谢了|多谢|"
    r"收到|晓得了|知道了|明白|哦|噢|啊|呃|嗯呢)$",
    re.IGNORECASE,
)
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_characters(text: str) -> int:
    """How many Chinese characters a text holds (punctuation, digits and letters not counted)."""
    return len(_CJK.findall(text))


MIN_ANSWER_CHARACTERS = 2


def is_bare_reply(text: str) -> bool:
    """A yes/no, greeting or thanks: never a place or a problem."""
    core = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text)).lower()
    return not core or _NOT_AN_ANSWER.match(core) is not None


_YES = re.compile(
    r"^(对|对的|对头|是|是的|是滴|嗯+|好|好的|行|可以|可以的|没问题|没错|确认|确定|提交|要得|ok|okay|yes)"
    r"(的|了|啊|哈|嘛|呀)?(，|,|\s)*(确认|提交|没问题|可以)?(吧|了|嘛|哈)?$",
    re.IGNORECASE,
)


_SAID_TWICE = re.compile(r"^(对的|对头|是的|好的|要得|可以|对|是|好|行|嗯)(?:[，,\s]*\1)+")


# A yes followed by thanks or a few words that say it again: 对的，谢谢你 / 对，停气.
_YES_HEAD = re.compile(
    r"^(对|对的|对头|是|是的|是滴|好|好的|行|可以|没问题|没错|确认|要得|ok|okay|yes)"
    r"(的|了|啊|哈|嘛|呀)?[，,\s!！]+(?P<tail>.+)$",
    re.IGNORECASE,
)
_THANKS = re.compile(r"^(谢谢|多谢|感谢|麻烦|辛苦)(你|您|你们|了|啦|哈)*$")
# Words that turn a yes into something else: 好，不报了 / 对，电话要改 / 是的，还有一个问题
_NOT_A_PLAIN_TAIL = re.compile(r"不|没|别|莫|改|错|换|取消|算了|等|还有|但|可是|电话|地点|地址|号")
MAX_RESTATED = 8


def says_yes(text: str) -> bool:
    """A plain yes: 对的, 确认, 没问题，提交吧, 可以的; also with thanks or restated (对，停气)."""
    core = re.sub(r"[。.！!~～]+$", "", unicodedata.normalize("NFKC", text).strip())
    core = _SAID_TWICE.sub(r"\1", core)  # 对的对的 / 好好好 / 是的是的
    if _YES.match(core) is not None:
        return True
    head = _YES_HEAD.match(core)
    if head is None:
        return False
    tail = _FILLER.sub("", head.group("tail"))
    if _THANKS.match(tail):
        return True
    return len(tail) <= MAX_RESTATED and _NOT_A_PLAIN_TAIL.search(tail) is None


def usable_place_text(text: str) -> bool:
    """Free text that can stand as a place: words, not a number, a yes or a greeting."""
    if find_mobile(text) or find_ticket_number(text) or is_bare_reply(text):
        return False
    return chinese_characters(text) >= MIN_ANSWER_CHARACTERS


_DECLINE_PLACE = re.compile(
    r"不告诉|不想说|不想讲|不方便(说|讲|透露)|不说|保密|不(知道|晓得|清楚|记得)|说不(清|来)|搞不清"
)


def declines_place(text: str) -> bool:
    """The resident will not, or cannot, say where."""
    return _DECLINE_PLACE.search(text) is not None


# Landmarks and streets the registry cannot know, but a station can find.
_LANDMARK = re.compile(
    r"路|街|巷|广场|附近|旁边|对面|门口|公园|小区|花园|苑|医院|学校|小学|中学|幼儿园|车站|"
    r"站|桥|市场|超市|商场|大厦|栋|幢|单元|号楼|步行街|动物园|轻轨|地铁|银行|酒店|宾馆|菜市|"
    r"厂|码头|体育馆|图书馆|加油站|派出所"
)


def names_landmark(text: str) -> bool:
    """The text names a street, building or landmark (not a registry unit)."""
    return usable_place_text(text) and _LANDMARK.search(text) is not None


# An estate or building after a town: 翠湖花园3栋, 华福小区2单元.
_ESTATE = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{2,8}?(小区|花园|苑|家园|大厦|公寓|新村|名居|华庭|华府|山庄|公馆|宿舍|邸|园|庭|轩|阁|府|(?<!社区)(?<!村)居)"
    r"([\dA-Za-z一二三四五六七八九十]+(栋|幢|号楼|单元|楼|号|室)){0,4}"
)


def estate_in(text: str, known_names: tuple[str, ...]) -> str | None:
    """The estate or building a text names, without the town or district names around it."""
    match = _ESTATE.search(unicodedata.normalize("NFKC", text).replace(" ", ""))
    if match is None:
        return None
    estate = match.group(0)
    for name in sorted(known_names, key=len, reverse=True):
        if name and estate.startswith(name):
            estate = estate.removeprefix(name)
    estate = _ESTATE_LEAD.sub("", estate)
    return estate if chinese_characters(estate) >= MIN_ANSWER_CHARACTERS else None


# Words that only introduce the estate's name: 小区叫翠湖雅居, 我们那个小区是锦绣华庭.
_ESTATE_LEAD = re.compile(r"^(的)?(我们|我家)?(那个|这个)?(小区|楼盘)(名字)?(叫做?|是|名叫)")


_DIGIT_RUN = re.compile(r"\+?\d[\d\s\-－—–()（）]{5,}\d")
_LANDLINE = re.compile(r"^0\d{9,11}$|^\d{7,8}$")
MOBILE_DIGITS = 11
_OR_DECLINE = "不想留就回复「不留」。"


def phone_problem(text: str) -> str | None:
    """Why the number in a message is not a mobile we can call back, or None.

    None also when the message holds no number at all; a valid mobile anywhere
    in the text is never a problem.
    """
    clean = unicodedata.normalize("NFKC", text)
    if find_mobile(clean):
        return None
    run = _DIGIT_RUN.search(clean)
    if run is None:
        return None
    digits = re.sub(r"\D", "", run.group(0)).removeprefix("86")
    if _LANDLINE.match(digits):
        return f"这像是座机号码。为了方便工作人员回电，请留一个 11 位的手机号；{_OR_DECLINE}"
    if len(digits) == MOBILE_DIGITS:
        return f"手机号一般是 1 开头的 11 位数字，这个号码好像不对，麻烦再核对一下；{_OR_DECLINE}"
    return f"这个号码是 {len(digits)} 位，手机号是 11 位，麻烦再核对一下；{_OR_DECLINE}"
