"""Which fields one correction changes, and the words for each (no model needed).

The model's reading of a problem is stood in for by a word list: these tests are about
how a correction is taken apart, not about what the model understands.
"""

import pytest

from actions.answers import Field, read_correction
from actions.framework import Tracker
from actions.report_corrections import correction_fields
from api.stations.gazetteer import MatchStatus, Place, Resolution

HUANGJUEPING = Place("500107007008", "九龙湾社区", "village", "500107007", "黄桷坪街道")
BAFU = Place("500107017", "巴福镇", "town", None, None)
PROBLEM_WORDS = ("停电", "跳闸", "路灯", "井盖", "漏", "低保", "停水")


def _code_of(text: str) -> str | None:
    return "other" if any(word in text for word in PROBLEM_WORDS) else None


def _fields(text: str, place: Place | None = None) -> dict[Field, str]:
    correction = read_correction(text)
    assert correction is not None, text
    status = MatchStatus.UNKNOWN
    if place is not None:
        status = MatchStatus.TOWN_ONLY if place.level == "town" else MatchStatus.EXACT
    tracker = Tracker({"latest_message": {"text": text}}, "unit")
    return correction_fields(correction, Resolution(status, place), tracker, _code_of)


def test_a_new_problem_and_a_phone_are_both_taken() -> None:
    fields = _fields("弄错了，不是门锁，是屋头一直跳闸。手机 139-1234-5678")
    assert set(fields) == {Field.PROBLEM, Field.PHONE}
    assert fields[Field.PROBLEM] == "屋头一直跳闸"


def test_a_new_problem_and_a_place_are_both_taken() -> None:
    fields = _fields("我说反了，其实是路灯不亮，地方在黄桷坪街道九龙湾社区", HUANGJUEPING)
    assert set(fields) == {Field.PROBLEM, Field.PLACE}
    assert fields[Field.PROBLEM] == "路灯不亮"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # where the place belongs, an estate after a town, a place and a phone: no problem
        ("说错了，我们那栋归九龙湾社区管，不是隔壁那个", HUANGJUEPING),
        ("搞错了，不是白市驿，是巴福镇的锦绣华庭", BAFU),
        ("哦不对，是九龙湾社区哈，我电话15086723419", HUANGJUEPING),
    ],
)
def test_words_about_the_place_are_not_a_new_problem(text: str, place: Place) -> None:
    assert Field.PROBLEM not in _fields(text, place)


def test_a_field_only_named_is_changed_without_new_words() -> None:
    assert set(_fields("地址写错了")) == {Field.PLACE}
