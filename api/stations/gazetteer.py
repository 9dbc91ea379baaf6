"""Resolving the place names residents type against the station registry.

Residents write 天宝路社区, 天宝路, 杨家坪天宝路 or 金凤 rather than the official
天宝路社区居民委员会 or 金凤镇. Every station gets a few aliases; the longest
aliases found in the text win, a town named alongside a community narrows the
community down, and a near miss (one wrong character) is accepted when it is
the only one.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.stations.models import Station, StationLevel

TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
VILLAGE_SUFFIXES = ("社区", "村")
DISTRICT_SUFFIXES = ("区", "县")
MIN_ALIAS_LENGTH = 2
FUZZY_MIN_LENGTH = 4
FUZZY_THRESHOLD = 0.74
# Near misses are only looked for in short answers, where a place is expected.
FUZZY_MAX_TEXT = 30
# A near miss on a short name scores just above the threshold, below any closer match.
SHORT_NEAR_MISS_SCORE = 0.75
SHORT_NAME_MIN_LENGTH = 3
# What residents put around a place name: 那边, 这里, 附近; a town's or community's suffix.
_PLACE_WORDS = re.compile(r"(街道|镇|社区|村|那边|这边|那里|这里|那儿|这儿|附近|一带|的)$")
# A particle or pronoun in place of a name's character is another phrase (杨家的), not a typo.
_NOT_A_NAME_CHARACTER = frozenset("的了吗呢嘛啊哦呀我你他她它这那里边个是在有就也都")
_NOISE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")


class MatchStatus(StrEnum):
    """How far a text could be resolved."""

    EXACT = "exact"  # one community/village (or one town when only a town was named)
    TOWN_ONLY = "town_only"  # a town, with no community named
    AMBIGUOUS = "ambiguous"  # several stations fit equally well
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Place:
    """A station as the resolver sees it."""

    code: str
    name: str
    level: str
    town_code: str | None
    town_name: str | None

    @property
    def label(self) -> str:
        """A label that tells two same-named places apart: 天宝路社区（杨家坪街道）."""
        if self.level in (StationLevel.VILLAGE, StationLevel.GRID) and self.town_name:
            return f"{self.name}（{self.town_name}）"
        return self.name


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one text."""

    status: MatchStatus
    place: Place | None = None
    candidates: tuple[Place, ...] = ()


def normalise(text: str) -> str:
    """Full-width to half-width, no whitespace or zero-width characters."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_ALIAS_LENGTH:
            return name.removesuffix(suffix)
    return name


def aliases_for(station: Station) -> tuple[set[str], set[str]]:
    """The names a resident may use for this station: (full names, shortened cores)."""
    names = {normalise(station.name), normalise(station.short_name)}
    suffixes = {
        StationLevel.TOWN: TOWN_SUFFIXES,
        StationLevel.VILLAGE: VILLAGE_SUFFIXES,
        StationLevel.GRID: VILLAGE_SUFFIXES,
        StationLevel.DISTRICT: DISTRICT_SUFFIXES,
    }.get(StationLevel(station.level), ())
    core = normalise(_strip_suffix(station.short_name, suffixes))
    cores = {core} - names if len(core) >= MIN_ALIAS_LENGTH else set()
    return {name for name in names if len(name) >= MIN_ALIAS_LENGTH}, cores


class Gazetteer:
    """An in-memory index of station aliases, built from the registry."""

    def __init__(self, stations: list[Station]) -> None:
        by_code = {station.code: station for station in stations if station.active}
        self._places: dict[str, Place] = {}
        self._aliases: dict[str, set[str]] = defaultdict(set)
        shortened: dict[str, set[str]] = {}
        for station in by_code.values():
            town = self._town_of(station, by_code)
            self._places[station.code] = Place(
                code=station.code,
                name=station.short_name,
                level=station.level,
                town_code=town.code if town else None,
                town_name=town.short_name if town else None,
            )
            full, cores = aliases_for(station)
            for alias in full:
                self._aliases[alias].add(station.code)
            shortened[station.code] = cores
        # A shortened name never hides a full one: 含谷镇 is the town, not 含谷镇社区.
        full_names = set(self._aliases)
        for code, cores in shortened.items():
            for alias in cores - full_names:
                self._aliases[alias].add(code)
        self._by_length = sorted(self._aliases, key=len, reverse=True)

    @staticmethod
    def _town_of(station: Station, by_code: dict[str, Station]) -> Station | None:
        current: Station | None = station
        while current is not None:
            if current.level == StationLevel.TOWN:
                return current
            current = by_code.get(current.parent_code) if current.parent_code else None
        return None

    def place(self, code: str) -> Place | None:
        """The place of one station code, if it is active."""
        return self._places.get(code)

    def resolve(self, text: str) -> Resolution:
        """Resolve free text to a community, a town, several candidates or nothing."""
        clean = normalise(text)
        codes = self._exact_codes(clean) or self._fuzzy_codes(clean)
        if not codes:
            return Resolution(MatchStatus.UNKNOWN)
        found = [self._places[code] for code in sorted(codes)]
        towns = [p for p in found if p.level == StationLevel.TOWN]
        locals_ = [p for p in found if p.level in (StationLevel.VILLAGE, StationLevel.GRID)]
        if locals_:
            town_codes = {t.code for t in towns}
            narrowed = [p for p in locals_ if p.town_code in town_codes] if towns else locals_
            if len(narrowed) == 1:
                return Resolution(MatchStatus.EXACT, narrowed[0])
            if len(narrowed) > 1:
                return Resolution(MatchStatus.AMBIGUOUS, candidates=tuple(narrowed))
        if len(towns) == 1:
            return Resolution(MatchStatus.TOWN_ONLY, towns[0])
        if len(towns) > 1:
            return Resolution(MatchStatus.AMBIGUOUS, candidates=tuple(towns))
        return Resolution(MatchStatus.UNKNOWN)

    def resolve_within_town(self, text: str, town_code: str) -> Resolution:
        """Resolve a community name the resident gives after naming the town."""
        return self.narrow_to_town(self.resolve(text), town_code)

    def narrow_to_town(self, resolution: Resolution, town_code: str) -> Resolution:
        """Keep the candidates inside the town already named, when there are any."""
        inside = [p for p in self._candidates(resolution) if p.town_code == town_code]
        if len(inside) == 1:
            return Resolution(MatchStatus.EXACT, inside[0])
        if len(inside) > 1:
            return Resolution(MatchStatus.AMBIGUOUS, candidates=tuple(inside))
        return resolution

    @staticmethod
    def _candidates(resolution: Resolution) -> tuple[Place, ...]:
        if resolution.place is not None:
            return (resolution.place,)
        return resolution.candidates

    def _exact_codes(self, text: str) -> set[str]:
        taken = [False] * len(text)
        codes: set[str] = set()
        for alias in self._by_length:
            start = text.find(alias)
            while start != -1:
                span = range(start, start + len(alias))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    codes |= self._aliases[alias]
                start = text.find(alias, start + 1)
        return codes

    def _fuzzy_codes(self, text: str) -> set[str]:
        best_score = 0.0
        best: set[str] = set()
        if len(text) > FUZZY_MAX_TEXT:
            return best
        bare = _PLACE_WORDS.sub("", text)
        for alias, codes in self._aliases.items():
            size = len(alias)
            if size < FUZZY_MIN_LENGTH:
                # A short name (杨家坪) is forgiven one wrong character only when it is
                # all the answer says (杨家平, 杨家平那边), never inside a longer text.
                near = _one_substitution(alias, text) or _one_substitution(alias, bare)
                score = SHORT_NEAR_MISS_SCORE if near else 0.0
            elif len(text) < size - 1:
                continue
            else:
                score = max(
                    SequenceMatcher(None, alias, text[i : i + size]).ratio()
                    for i in range(max(1, len(text) - size + 1))
                )
            if score > best_score:
                best_score, best = score, set(codes)
            elif score == best_score:
                best |= codes
        return best if best_score >= FUZZY_THRESHOLD else set()


def _one_substitution(alias: str, text: str) -> bool:
    """The text is the alias with exactly one character typed wrong (same length)."""
    if len(alias) < SHORT_NAME_MIN_LENGTH or len(alias) != len(text):
        return False
    wrong = [typed for right, typed in zip(alias, text, strict=True) if right != typed]
    return len(wrong) == 1 and wrong[0] not in _NOT_A_NAME_CHARACTER


_cache: dict[tuple[str, int, str], Gazetteer] = {}


def registry_gazetteer(session: Session) -> Gazetteer:
    """The gazetteer for the current registry, rebuilt only when the registry changes."""
    count, newest = session.execute(select(func.count(), func.max(Station.updated_at))).one()
    key = (_database_of(session), int(count), str(newest))
    gazetteer = _cache.get(key)
    if gazetteer is None:
        gazetteer = Gazetteer(list(session.scalars(select(Station))))
        _cache.clear()
        _cache[key] = gazetteer
    return gazetteer


def last_read_gazetteer(session: Session) -> Gazetteer:
    """The gazetteer as last read from this session's database, without asking it.

    For when the database is down: the registry rarely changes, so its last reading
    still finds residents' places; empty if it was never read in this process.
    """
    database = _database_of(session)
    found = [gazetteer for key, gazetteer in _cache.items() if key[0] == database]
    return found[0] if found else Gazetteer([])


def _database_of(session: Session) -> str:
    return str(session.get_bind().engine.url)
