"""Reading and writing Rasa NLU yml files without Rasa (both environments use this).

Only `intent` blocks are read; `regex`, `synonym` and `lookup` blocks are skipped.
Entity annotations `[text](entity)` and `[text]{...}` are reduced to their text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    """One labelled message; `group` is the test-set slice (None for training data)."""

    text: str
    intent: str
    group: str | None = None


def strip_annotations(text: str) -> str:
    """`帮我查[LY-20261119-0088](ticket_number)` -> `帮我查LY-20261119-0088`."""
    return _ANNOTATION.sub(r"\1", text)


def _example_texts(examples: Any) -> list[str]:
    if isinstance(examples, str):
        texts = []
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(line[2:].strip())
        return texts
    if isinstance(examples, list):  # the verbose form: [{text: ..., metadata: ...}]
        return [str(item["text"]).strip() for item in examples if isinstance(item, dict)]
    return []


def parse_nlu_yaml(source: str) -> list[Example]:
    """All intent examples of a Rasa NLU yml document, in file order."""
    document = yaml.safe_load(source) or {}
    result: list[Example] = []
    for block in document.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        metadata = block.get("metadata") or {}
        group = metadata.get("group") if isinstance(metadata, dict) else None
        for text in _example_texts(block.get("examples")):
            result.append(Example(strip_annotations(text), str(block["intent"]), group))
    return result


def load_examples(path: Path) -> list[Example]:
    """The intent examples of one NLU yml file."""
    return parse_nlu_yaml(path.read_text(encoding="utf-8"))


def _quoted(text: str) -> str:
    """An example line Rasa reads back verbatim: one line, no annotation brackets."""
    flat = " ".join(text.split())
    return flat.replace("[", "【").replace("]", "】")


def render_nlu_yaml(by_intent: Mapping[str, Iterable[str]], header: str) -> str:
    """A Rasa 3 NLU file: a commented header, then one block per intent in the given order."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ['version: "3.1"', "nlu:" if by_intent else "nlu: []"]
    for intent, texts in by_intent.items():
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {_quoted(text)}" for text in texts]
    return "\n".join(lines) + "\n"
