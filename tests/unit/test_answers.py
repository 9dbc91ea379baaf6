"""Reading answers before they fill a slot: corrections, places, phones (no model needed)."""

import pytest

from actions.answers import (
    Field,
    declines_place,
    estate_in,
    is_bare_reply,
    names_landmark,
    phone_problem,
    read_correction,
    says_yes,
    usable_place_text,
)
from actions.report_slots import MessageFacts, problem_words
from api.stations.gazetteer import MatchStatus, Place, Resolution


@pytest.mark.parametrize(
    ("text", "field", "content"),
    [
        ("哦不对，是楼上的管子在滴水", None, "楼上的管子在滴水"),
        ("不是停电，是跳闸了合不上", None, "跳闸了合不上"),
        ("等一下，社区说错了，应该是西郊二村社区", Field.PLACE, "西郊二村社区"),
        ("电话打错了 是13912345678", Field.PHONE, "13912345678"),
        ("搞错了", None, ""),
        ("地址写错了", Field.PLACE, ""),
    ],
)
def test_a_correction_names_its_new_words(text: str, field: Field | None, content: str) -> None:
    correction = read_correction(text)
    assert correction is not None
    assert correction.field == field
    assert correction.content == content


@pytest.mark.parametrize(
    "text", ["楼上漏水到我家了", "我家对面的路灯坏了", "是的", "13812345678", "不是很清楚"]
)
def test_ordinary_answers_are_not_corrections(text: str) -> None:
    assert read_correction(text) is None


@pytest.mark.parametrize("text", ["对", "是的！", "嗯嗯", "好", "你好", "谢谢", "OK", "不是"])
def test_yes_no_and_greetings_are_bare_replies(text: str) -> None:
    assert is_bare_reply(text)
    assert not usable_place_text(text)


@pytest.mark.parametrize("text", ["13812345678", "LY-20261119-0088", "12345", "a"])
def test_numbers_are_not_places(text: str) -> None:
    assert not usable_place_text(text)


def test_landmarks_and_refusals() -> None:
    assert names_landmark("动物园后门那条路")
    assert names_landmark("九龙广场对面")
    assert not names_landmark("对")
    assert declines_place("这个不想说")
    assert declines_place("我也不晓得是哪里")
    assert not declines_place("天宝路社区")


def test_an_estate_loses_the_town_before_it() -> None:
    assert (
        estate_in("杨家坪街道翠湖花园3栋2单元漏水", ("杨家坪街道", "杨家坪")) == "翠湖花园3栋2单元"
    )
    assert estate_in("石桥铺翠微苑7栋", ("石桥铺街道", "石桥铺")) == "翠微苑7栋"
    assert estate_in("家里漏水了", ("杨家坪街道",)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("68451234", "座机"),
        ("023-68451234", "座机"),
        ("1381234567", "10 位"),
        ("138123456789", "12 位"),
        ("1234567", "座机"),
        ("23812345678", "1 开头"),
    ],
)
def test_wrong_numbers_get_a_reason(text: str, reason: str) -> None:
    problem = phone_problem(text)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "text", ["13812345678", "138 1234 5678", "+86-138-1234-5678", "１３８１２３４５６７８", "不留"]
)
def test_mobiles_and_no_number_are_no_problem(text: str) -> None:
    assert phone_problem(text) is None


def _facts(text: str, phone: str | None, place: Place | None) -> MessageFacts:
    status = MatchStatus.EXACT if place else MatchStatus.UNKNOWN
    return MessageFacts(text=text, phone=phone, resolution=Resolution(status, place), location=None)


WUTAISHAN = Place("500107008006", "五台山社区", "village", "500107008", "二郎街道")


def test_the_words_besides_place_and_phone_are_the_problem() -> None:
    facts = _facts(
        "二郎街道五台山社区，楼道灯坏了好几天，电话15912345678", "15912345678", WUTAISHAN
    )
    assert problem_words(facts) == "楼道灯坏了好几天"
    facts = _facts(
        "五台山社区楼上漏水，我手机号是 159 1234 5678 麻烦快点", "15912345678", WUTAISHAN
    )
    words = problem_words(facts) or ""
    assert words.startswith("楼上漏水") and "159" not in words and "五台山" not in words


def test_a_message_that_is_only_place_and_phone_tells_no_problem() -> None:
    facts = _facts("五台山社区 15912345678", "15912345678", WUTAISHAN)
    assert problem_words(facts) is None


def test_a_correction_that_ends_on_the_old_value_keeps_the_new_one() -> None:
    correction = read_correction("说错了，我是想反映小区门口的路灯不亮，不是物业的事")
    assert correction is not None
    assert correction.content == "小区门口的路灯不亮"


def test_a_correction_keeps_its_earlier_words_for_the_place() -> None:
    correction = read_correction("弄错了，是华岩镇华福社区，跳磴那个是我上班的地方")
    assert correction is not None
    assert correction.content == "我上班的地方"
    assert correction.alternatives == ("华岩镇华福社区",)
    assert not correction.unsure


def test_a_correction_may_say_the_finer_place_is_not_known() -> None:
    correction = read_correction("不对，具体哪个社区我说不清楚，反正是在石桥铺街道")
    assert correction is not None and correction.unsure


@pytest.mark.parametrize(
    "text",
    [
        "对的，谢谢您",
        "好的，辛苦了",
        "是的，就是停气",
        "要得，麻烦你们了",
        "对，没问题",
        "是的是的，多谢了",
        "好好好！尽快哈！",
    ],
)
def test_a_yes_with_thanks_or_said_again_is_a_yes(text: str) -> None:
    assert says_yes(text)


@pytest.mark.parametrize(
    "text", ["好，不报了", "对，电话要改一下", "是的，还有一个问题", "对，但是地点不对", "好吧算了"]
)
def test_a_yes_that_turns_into_something_else_is_not(text: str) -> None:
    assert not says_yes(text)
