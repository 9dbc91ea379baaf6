"""A rule layer for emergencies, after DIET and before the fallback classifier.

A missed gas smell is a failure, a false alarm only costs a phone call, so
clear danger words override the model: when a message says 着火, 煤气味,
晕倒, 持刀, 困在电梯, 插座进水 or 塌了 about now, the intent becomes the matching
emergency with full confidence. A danger word that is negated (没有煤气味了),
in the past (上次着火), ruled out (没人被困) or only feared
(担心会着火, 火灾隐患, 差点砸到人) does not count; the model's own
prediction then stands. The layer never turns an emergency into a non-emergency.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.danger_context import (
    DENIED_INSIDE,
    EXPERIENCED,
    NEGATION_BEFORE,
    NOT_NOW,
    NOT_NOW_MESSAGE,
    OVER_FOR,
    PINYIN_NEGATION_BEFORE,
    PINYIN_NOT_NOW,
    RESOLVED_AFTER,
)
from bot.components.danger_patterns import (
    ALONE_NO_ANSWER,
    DANGER_PATTERNS,
    PINYIN_PATTERNS,
    DangerPattern,
)

INTENT_RANKING_KEY = "intent_ranking"
RULE_CONFIDENCE = 1.0
# A model this sure of an emergency keeps its own kind; a weaker guess (gas_leak at
# 0.15, which the fallback classifier would drop) is raised by the rule.
MODEL_SURE = 0.5
# Other intents keep their order but are scaled down, so the rule verdict is
# never "ambiguous" to the fallback classifier.
OTHERS_SCALE = 0.5


_CLAUSE = re.compile(r"[^，。,.;；!！?？\n]+")
# (下面就是人行道 says where a fall would land, not "only")
_PLAYED_DOWN = re.compile(r"没有|没得|不是|并非|莫得|没(?!过)|还远|(?<!下面)(?<!底下)(?<!楼下)就是")


def rule_text(text: str) -> str:
    """What the patterns are matched against: typing noise that carries nothing removed.

    Full-width letters, digits and punctuation are folded (NFKC, one character at a
    time), ASCII is lower-cased, emoji and other symbols are dropped, and a space
    is kept only between two ASCII letters or digits (``电梯 困人`` -> ``电梯困人``,
    ``gas leak`` stays). Clause punctuation is kept.
    """
    kept: list[str] = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        char = folded if len(folded) == 1 else char
        if char.isspace():
            kept.append(" ")
            continue
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cf", "Cc", "Cs", "Mn"):
            continue
        kept.append(char.lower() if char.isascii() else char)
    joined = "".join(kept)
    return _STRAY_SPACE.sub("", joined).strip()


# A run of spaces that does not sit between two ASCII letters or digits.
_STRAY_SPACE = re.compile(r"(?<![A-Za-z0-9]) +| +(?![A-Za-z0-9])")


FIRE_EMOJI = frozenset("🔥🧯🚒💥")
# Emoji alone say too little for a ticket: the bot asks 是着火了吗？ with 119 first.
UNCLEAR_INTENT = "report_start"
UNCLEAR_FIRE_ENTITY = {"entity": "unclear_danger", "value": "fire", "extractor": "EmergencyRules"}


def fire_emoji_only(text: str) -> bool:
    """A message of fire emoji (and other symbols) with no words at all."""
    stripped = [char for char in text if not char.isspace()]
    has_fire = any(char in FIRE_EMOJI for char in stripped)
    return has_fire and not any(char.isalnum() for char in stripped)


def danger_intent(text: str) -> str | None:
    """The emergency a message describes as happening now, if its words say so."""
    cleaned = rule_text(text)
    if NOT_NOW_MESSAGE.search(cleaned):
        return None
    clauses = _CLAUSE.findall(cleaned)
    resolved = [i for i, clause in enumerate(clauses) if RESOLVED_AFTER.search(clause)]
    if not resolved and ALONE_NO_ANSWER.search(cleaned):
        return "emergency_medical"
    if resolved:  # what the message says is over before it no longer counts
        clauses = clauses[resolved[-1] :]
    property_only: str | None = None
    for clause in _windows(clauses):
        if NOT_NOW.search(clause):
            continue
        found = _present_danger(clause, DANGER_PATTERNS, NEGATION_BEFORE)
        joined = clause.replace(" ", "")
        if found is None and joined != clause and not PINYIN_NOT_NOW.search(joined):
            found = _present_danger(joined, PINYIN_PATTERNS, PINYIN_NEGATION_BEFORE)
        if found is not None and (over := OVER_FOR.get(found)) and over.search(cleaned):
            continue  # that danger is made safe (the power cut off, the valve shut)
        if found in PROPERTY_ONLY:
            property_only = property_only or found  # a danger to people may come later
        elif found is not None:
            return found
    return property_only


# Dangers to property alone: a danger to people told in the same message
# (一楼淹了，婆婆走不动) decides the kind and the hotline instead.
PROPERTY_ONLY = frozenset({"emergency_flood"})


# Spaces between Chinese words that some residents type instead of commas.
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


def _spaced_pieces(text: str) -> list[str]:
    """The pieces between spaces that stand for commas (上个月物业费有意见 现在楼下在冒黑烟)."""
    parts = _SPACED.split(text.strip())
    if len(parts) < 2:  # no spaces standing for commas: the clauses are read as one message
        return []
    return [p for part in parts for p in _CLAUSE.findall(rule_text(part))]


def ruled_out(text: str) -> set[str]:
    """Emergencies whose danger words the message uses, read as not happening now.

    Meaningful when `danger_intent` finds nothing: then every danger word of the
    message was denied, past, hypothetical or asked about (没有着火, 上回燃气漏气,
    万一着火了是打119还是…, 热得要着火了).
    """
    found: set[str] = set()
    for clause in _CLAUSE.findall(rule_text(text)):
        found.update(d.intent for d in DANGER_PATTERNS if d.pattern.search(clause))
        joined = clause.replace(" ", "")
        if joined != clause:
            found.update(d.intent for d in PINYIN_PATTERNS if d.pattern.search(joined))
    # A piece between spaces that says it now keeps the model's verdict (现在楼下在冒黑烟).
    present = {danger_intent(piece) for piece in _spaced_pieces(text)}
    return found - present


def _windows(clauses: list[str]) -> list[str]:
    """Each clause, then each two neighbours read together (一楼淹了，婆婆走不动).

    A pair is read only when neither half denies or plays anything down: a denial in
    one half (不是泄漏, 离插座还远) must not be skipped by a match that starts in the other.
    """
    pairs = [
        f"{left}，{right}"
        for left, right in pairwise(clauses)
        if not _PLAYED_DOWN.search(left) and not _PLAYED_DOWN.search(right)
    ]
    return clauses + pairs


# Kinds whose patterns span a subject and a sign (燃气…味道, 插座…冒烟), so a denial
# can sit inside the match; the others say 没气了, 没反应, 叫不醒 on purpose.
_DENIABLE_INSIDE = frozenset({"emergency_gas_leak", "emergency_electric_water", "emergency_fire"})


def _present_danger(
    clause: str, patterns: tuple[DangerPattern, ...], negation: re.Pattern[str]
) -> str | None:
    """The first pattern's intent that matches with no denial right before it."""
    for danger in patterns:
        for match in danger.pattern.finditer(clause):
            if negation.search(clause[: match.start()]):
                continue
            if EXPERIENCED.search(clause[match.end() :]):
                continue
            if danger.intent in _DENIABLE_INSIDE and DENIED_INSIDE.search(match.group()):
                continue
            return danger.intent
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyRules(GraphComponent):
    """Raises clear emergencies the model scored low; leaves everything else alone."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyRules:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that name a present danger."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            if fire_emoji_only(text):
                self._set_intent(message, UNCLEAR_INTENT)
                entities = [*(message.get(ENTITIES) or []), UNCLEAR_FIRE_ENTITY]
                message.set(ENTITIES, entities, add_to_output=True)
                continue
            intent = danger_intent(text)
            current = message.get(INTENT) or {}
            name = str(current.get(INTENT_NAME_KEY) or "")
            confident = float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= MODEL_SURE
            if intent is None and name.startswith("emergency_") and name in ruled_out(text):
                self._demote(message, name)  # its own danger words say: not now
                continue
            if intent is None or (name.startswith("emergency_") and confident):
                continue  # no danger words, or the model is already sure of an emergency
            self._set_intent(message, intent)
        return messages

    @staticmethod
    def _demote(message: Message, emergency: str) -> None:
        """The best intent that is no emergency goes first; the emergency is scaled down."""
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        calm = [e for e in ranking if not str(e.get(INTENT_NAME_KEY)).startswith("emergency_")]
        if not calm:
            return
        top = calm[0]
        ceiling = float(top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * OTHERS_SCALE
        # Below the new top, so the fallback classifier does not find the verdict ambiguous.
        rest = sorted(
            (
                {
                    **entry,
                    PREDICTED_CONFIDENCE_KEY: min(
                        float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * OTHERS_SCALE, ceiling
                    ),
                }
                if str(entry.get(INTENT_NAME_KEY)).startswith("emergency_")
                else entry
                for entry in ranking
                if entry is not top
            ),
            key=lambda entry: -float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
        )
        message.set(INTENT, dict(top), add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(top), *rest], add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, intent: str) -> None:
        ranking = [
            {
                **entry,
                PREDICTED_CONFIDENCE_KEY: entry.get(PREDICTED_CONFIDENCE_KEY, 0.0) * OTHERS_SCALE,
            }
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent
        ]
        top = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: RULE_CONFIDENCE}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
