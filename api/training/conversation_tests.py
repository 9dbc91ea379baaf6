"""A reviewed conversation saved as a Rasa test story, so the mistake stays fixed.

Rasa writes the story (`GET /conversations/{id}/story`, up to the reviewed
message); we mask every string in it and put the operator's label on that last
message. The story ends there: what the bot did next answered the wrong intent,
so it is not something to test for. `make test` runs these stories with the
others in tests/bot, and checks that the model gives each message its label.
"""

from pathlib import Path
from typing import Any

import yaml

from api.privacy import mask_strings, redact
from api.rasa.model_api import RasaModelAPI
from api.training.models import ReviewItem, ReviewStatus
from api.training.nlu_files import strip_annotations

HEADER = (
    "# Saved from the operators' review inbox: a resident's conversation up to the message\n"
    "# an operator reviewed, masked, with the operator's label on that message.\n"
)


class NotATestableItemError(ValueError):
    """The item has no conversation or no label to test."""


def _without_entity_marks(stories: list[dict[str, Any]]) -> None:
    """Drop Rasa's entity marks from user texts: masked values are no longer entities."""
    for story in stories:
        for step in story.get("steps") or []:
            if isinstance(step.get("user"), str):
                step["user"] = strip_annotations(step["user"]).strip()


def _label_step(stories: list[dict[str, Any]], text: str, intent: str) -> None:
    """Put the reviewed label on the message (its last occurrence in the conversation)."""
    for story in reversed(stories):
        for step in reversed(story.get("steps") or []):
            if step.get("user") == text:
                step["intent"] = intent
                return
    raise NotATestableItemError("对话记录里找不到这条消息")


def build_story(raw_yaml: str, item: ReviewItem, intent: str) -> dict[str, Any]:
    """Rasa's story document, masked, relabelled and renamed after the review item."""
    document = yaml.safe_load(raw_yaml) or {}
    stories: list[dict[str, Any]] = mask_strings(document.get("stories") or [], redact)
    if not stories:
        raise NotATestableItemError("Rasa 没有这段对话的记录")
    _without_entity_marks(stories)
    _label_step(stories, item.text, intent)
    for index, story in enumerate(stories, 1):
        story["story"] = f"review {item.id}" + (f" part {index}" if len(stories) > 1 else "")
    return {"version": "3.1", "stories": stories}


def save_conversation_test(
    rasa: RasaModelAPI, item: ReviewItem, out_dir: Path, until: float | None
) -> Path:
    """Write tests/bot/reviewed/review_<id>.yml for a reviewed message; returns its path."""
    if item.tracker_event_id is None:
        raise NotATestableItemError("这条来自工单，没有对话记录，不能存为对话测试")
    if item.status == ReviewStatus.RELABELLED or item.status == ReviewStatus.NOISE:
        raise NotATestableItemError(
            "机器人对这条的回复是按错的意图给的，不能直接存为测试；"
            "改进后的模型上线后，用同样的话再对话一次，把那段对话存为测试"
        )
    intent = item.label_intent or item.predicted_intent
    if not intent:
        raise NotATestableItemError("机器人没有给出意图，不能存为对话测试")
    # Through the bot's answer to the message (Rasa keeps events with timestamp <= until).
    raw = rasa.test_story(item.sender_id, until)
    document = build_story(raw, item, intent)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"review_{item.id}.yml"
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    path.write_text(HEADER + body, encoding="utf-8")
    return path
