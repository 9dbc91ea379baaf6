"""Resolving the place names residents type against the station registry."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue import SERVICE_CODES
from api.stations.gazetteer import Gazetteer, MatchStatus, registry_gazetteer
from api.stations.models import Station
from api.stations.registry import short_name

TIANBAOLU = "500107001011"
YANGJIAPING = "500107001"
JINFENG = "500107104"
HUANGJUEPING = "500107002"
TAOJIA = "500107109"


@pytest.fixture
def gazetteer(session: Session) -> Gazetteer:
    return registry_gazetteer(session)


@pytest.mark.parametrize(
    "text",
    [
        "杨家坪街道天宝路社区",
        "天宝路社区",
        "天宝路",
        "杨家坪天宝路",
        "我住在杨家坪街道天宝路社区3栋",
        "天宝路社区居民委员会",
        " 天宝路 社区 ",
    ],
)
def test_community_names_resolve_to_the_community(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.EXACT
    assert resolution.place is not None
    assert resolution.place.code == TIANBAOLU
    assert resolution.place.town_code == YANGJIAPING
    assert resolution.place.town_name == "杨家坪街道"


def test_resolved_community_is_named_as_residents_say_it(gazetteer: Gazetteer) -> None:
    # The bot reads this back to the resident: 地点：天宝路社区（杨家坪街道）.
    place = gazetteer.resolve("天宝路").place
    assert place is not None
    assert place.name == "天宝路社区"
    assert place.label == "天宝路社区（杨家坪街道）"


@pytest.mark.parametrize("text", ["金凤", "金凤镇", "我在金凤镇", "金凤镇那边"])
def test_town_names_resolve_to_the_town_only(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.TOWN_ONLY
    assert resolution.place is not None
    assert resolution.place.code == JINFENG
    assert resolution.place.name == "金凤镇"
    assert resolution.place.label == "金凤镇"


@pytest.mark.parametrize("text", ["黄桷坪街道", "黄桷坪"])
def test_street_office_names_resolve_to_the_town_only(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.TOWN_ONLY
    assert resolution.place is not None
    assert resolution.place.code == HUANGJUEPING


@pytest.mark.parametrize("text", ["天宝陆社区", "天宝陆社区3栋"])
def test_one_wrong_character_is_forgiven(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.EXACT
    assert resolution.place is not None
    assert resolution.place.code == TIANBAOLU


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("杨家平", YANGJIAPING),
        ("杨家平那边", YANGJIAPING),
        ("黄角坪", HUANGJUEPING),
        ("金风镇", JINFENG),
    ],
)
def test_one_wrong_character_in_a_short_town_name_is_forgiven(
    gazetteer: Gazetteer, text: str, code: str
) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.TOWN_ONLY
    assert resolution.place is not None and resolution.place.code == code


@pytest.mark.parametrize("text", ["我家里", "杨家的", "我在杨家平那边的菜市场门口摆摊被人打了"])
def test_short_near_misses_need_the_whole_answer(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.place is None or resolution.place.code != YANGJIAPING


@pytest.mark.parametrize("text", ["我家在火星", "不清楚", "好的", "13812345678", ""])
def test_unknown_places_are_unknown(gazetteer: Gazetteer, text: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.status is MatchStatus.UNKNOWN
    assert resolution.place is None
    assert resolution.candidates == ()


def _station(code: str, name: str, level: str, parent: str | None) -> Station:
    return Station(
        code=code,
        name=name,
        short_name=short_name(name),
        level=level,
        parent_code=parent,
        lat=None,
        lon=None,
        service_codes=list(SERVICE_CODES),
        active=True,
    )


@pytest.fixture
def twin_villages() -> Gazetteer:
    """Two towns that each have a 石榴村 (a name the real list does not use)."""
    return Gazetteer(
        [
            _station("900000", "测试区", "district", None),
            _station("900000001", "东岳镇", "town", "900000"),
            _station("900000002", "西岭街道", "town", "900000"),
            _station("900000001201", "石榴村村民委员会", "village", "900000001"),
            _station("900000002201", "石榴村村民委员会", "village", "900000002"),
            _station("900000002001", "桂香社区居民委员会", "village", "900000002"),
        ]
    )


def test_a_name_two_towns_share_is_ambiguous(twin_villages: Gazetteer) -> None:
    resolution = twin_villages.resolve("石榴村")
    assert resolution.status is MatchStatus.AMBIGUOUS
    assert resolution.place is None
    assert {p.code for p in resolution.candidates} == {"900000001201", "900000002201"}
    # The buttons the bot offers must tell the two apart.
    assert {p.label for p in resolution.candidates} == {"石榴村（东岳镇）", "石榴村（西岭街道）"}


@pytest.mark.parametrize(
    ("text", "code"), [("东岳镇石榴村", "900000001201"), ("西岭石榴村", "900000002201")]
)
def test_naming_the_town_too_picks_one(twin_villages: Gazetteer, text: str, code: str) -> None:
    resolution = twin_villages.resolve(text)
    assert resolution.status is MatchStatus.EXACT
    assert resolution.place is not None
    assert resolution.place.code == code


def test_resolve_within_town_narrows_a_shared_name(twin_villages: Gazetteer) -> None:
    resolution = twin_villages.resolve_within_town("石榴村", "900000002")
    assert resolution.status is MatchStatus.EXACT
    assert resolution.place is not None
    assert resolution.place.code == "900000002201"


def test_resolve_within_town_of_a_community_elsewhere_keeps_that_community(
    twin_villages: Gazetteer,
) -> None:
    # The resident corrects the town: 桂香社区 is only in 西岭街道.
    resolution = twin_villages.resolve_within_town("桂香社区", "900000001")
    assert resolution.status is MatchStatus.EXACT
    assert resolution.place is not None
    assert resolution.place.code == "900000002001"


def test_resolve_within_town_of_nothing_known_is_unknown(twin_villages: Gazetteer) -> None:
    assert twin_villages.resolve_within_town("不清楚", "900000001").status is MatchStatus.UNKNOWN


def test_inactive_stations_are_not_offered() -> None:
    closed = _station("900000001202", "樱桃村村民委员会", "village", "900000001")
    closed.active = False
    gazetteer = Gazetteer([_station("900000001", "东岳镇", "town", None), closed])
    assert gazetteer.resolve("樱桃村").status is MatchStatus.UNKNOWN
    assert gazetteer.place("900000001202") is None


def _registry_duplicates(session: Session) -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for station in session.scalars(select(Station).where(Station.level == "village")):
        by_name.setdefault(station.short_name, []).append(station.code)
    return {name: codes for name, codes in by_name.items() if len(codes) > 1}


def test_shared_names_in_the_registry_are_ambiguous(session: Session, gazetteer: Gazetteer) -> None:
    duplicates = _registry_duplicates(session)
    if "九龙村" not in duplicates:
        pytest.skip("the demo registry has no community name shared by two towns")
    resolution = gazetteer.resolve("九龙村")
    assert resolution.status is MatchStatus.AMBIGUOUS
    assert {p.code for p in resolution.candidates} == set(duplicates["九龙村"])
    narrowed = gazetteer.resolve("陶家镇九龙村")
    assert narrowed.status is MatchStatus.EXACT
    assert narrowed.place is not None and narrowed.place.town_code == TAOJIA
    within = gazetteer.resolve_within_town("九龙村", HUANGJUEPING)
    assert within.status is MatchStatus.EXACT
    assert within.place is not None and within.place.town_code == HUANGJUEPING


def test_the_cached_gazetteer_is_reused_while_the_registry_is_unchanged(session: Session) -> None:
    assert registry_gazetteer(session) is registry_gazetteer(session)


@pytest.mark.parametrize(
    ("official", "short"),
    [
        ("天宝路社区居民委员会", "天宝路社区"),
        ("西郊二村社区居民委员会", "西郊二村社区"),
        ("新合村村民委员会", "新合村"),
        ("九龙村村民委员会", "九龙村"),
        ("桃花居民委员会", "桃花社区"),
        ("杨家坪街道", "杨家坪街道"),
        ("金凤镇", "金凤镇"),
        ("村民委员会", "村民委员会"),
    ],
)
def test_short_name_is_the_name_residents_use(official: str, short: str) -> None:
    assert short_name(official) == short
