"""Score a development message set (JSON lines) on a model: both decisions per message.

A line is `{"id", "text", "service_code": code | null, "emergency": bool, "kind": str | null,
"style": str}` (eval/dev/messages2.jsonl, eval/dev/emergencies.jsonl). The bot's decision for
a message is `api.catalogue.understand_parse` on the parse, as its actions take it. Figures
are those of eval/blind_scores.py: emergency recall, false alarms among non-emergencies,
code accuracy on messages with a gold code (emergencies included: an emergency's code is
its problem's), non-reports given neither code nor emergency; per kind and per style.

The model is parsed once with the emergency rule layer switched off and the result cached
(var/eval/dev-cache-<model digest>.json); the rules (bot/components/emergency_rules.py,
danger_patterns.py) and the fallback threshold are then applied here, as the pipeline
applies them, so a rule change is scored in seconds without parsing again. `--live`
parses the whole pipeline instead, to check the two agree.

    .venv-rasa/bin/python -m eval.dev_scores [--model PATH] [--file PATH ...] [--live]
        [--errors] [--json OUT]

Development data only: never point it at eval/blind/.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from api.catalogue import understand_parse
from eval import blind_scores
from eval.blind_results import ratio
from eval.blind_scores import BlindMessage, Decision

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "zhihuiyang.tar.gz"
DEFAULT_FILES = (ROOT / "eval" / "dev" / "messages2.jsonl",)
CACHE_DIR = ROOT / "var" / "eval"
FALLBACK_INTENT = "nlu_fallback"
# config.yml's FallbackClassifier ambiguity_threshold: a top intent tied with the next falls back.
AMBIGUITY = 0.0

# The dev sets' writers named kinds their own way; the project's kind for each
# (None: no single project kind).
KIND_NAMES: dict[str, str | None] = {
    "fire": "fire",
    "fire_smoke": "fire",
    "gas_leak": "gas_leak",
    "injury": "medical",
    "medical": "medical",
    "trapped": "trapped",
    "violence": "violence",
    "violence_crime": "violence",
    "water_electricity": "electric_water",
    "collapse": "collapse",
    "flooding": "flood",
    "flood": "flood",
    "gas": "gas_leak",
    "electric": "electric_water",
    "missing_person": "missing_person",
}
# The figures of a set, in the order --json writes them.
FIGURES = (
    "items", "emergencies", "emergency_recall", "kind_right", "non_emergencies", "false_alarms",
    "false_alarm_rate", "reports", "code_accuracy", "code_accuracy_emergencies",
    "code_accuracy_calm", "non_reports", "non_report_no_code",
)  # fmt: skip


@dataclass(frozen=True)
class DevMessage(BlindMessage):
    """A blind-set message with the writers' emergency kind, scored by blind_scores."""

    kind: str | None


def load(path: Path) -> list[DevMessage]:
    messages = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        messages.append(
            DevMessage(
                id=str(row["id"]),
                text=row["text"],
                service_code=row.get("service_code") or None,
                emergency=bool(row.get("emergency")),
                non_report=None,
                style=row.get("style") or "-",
                note="",
                kind=row.get("kind") or None,
            )
        )
    return messages


def _nodes(agent: Any, component: str) -> list[Any]:
    """The model graph's nodes that run a component of that class name."""
    runner = getattr(agent.processor, "graph_runner", None)
    nodes = getattr(runner, "_instantiated_nodes", {}) or {}
    return [n for n in nodes.values() if type(getattr(n, "_component", None)).__name__ == component]


def _as_parse(parsed: dict[str, Any]) -> dict[str, Any]:
    intent = parsed.get("intent") or {}
    return {
        "text": parsed.get("text"),
        "intent": {"name": intent.get("name"), "confidence": float(intent.get("confidence") or 0)},
        "intent_ranking": [
            {"name": r.get("name"), "confidence": float(r.get("confidence") or 0.0)}
            for r in parsed.get("intent_ranking") or []
        ],
    }


async def _parse(agent: Any, texts: Sequence[str]) -> list[dict[str, Any]]:
    return [_as_parse(await agent.parse_message(text)) for text in texts]


def parse_texts(model: Path, texts: Sequence[str], *, live: bool) -> list[dict[str, Any]]:
    """Full parses (`live`) or parses without the rule layer, cached per model."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    cache_file = CACHE_DIR / f"dev-cache-{digest}.json"
    cache: dict[str, Any] = {}
    if not live and cache_file.is_file():
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing or live:
        from eval.run import load_agent

        agent = load_agent(model)
        fallbacks = [node._component for node in _nodes(agent, "FallbackClassifier")]
        thresholds = [float(c.component_config.get("threshold", 0.0)) for c in fallbacks]
        threshold = thresholds[0] if thresholds else 0.0
        if live:
            return asyncio.run(_parse(agent, texts))
        for node in _nodes(agent, "EmergencyRules"):  # applied afterwards, in apply_rules
            node._fn = lambda _component, messages: messages
        for component in fallbacks:
            component.component_config = {**component.component_config, "threshold": 0.0}
        cache.update(zip(missing, asyncio.run(_parse(agent, missing)), strict=True))
        cache["__threshold__"] = threshold
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    threshold = float(cache.get("__threshold__", 0.0))
    return [apply_rules(text, cache[text], threshold) for text in texts]


def apply_rules(text: str, parse: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The rule layer, then the fallback classifier, on a parse made without them."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.emergency_rules import EmergencyRules

    message = Message(
        data={
            "text": text,
            "intent": dict(parse["intent"]),
            "intent_ranking": [dict(r) for r in parse["intent_ranking"]],
        }
    )
    EmergencyRules().process([message])
    intent = message.get("intent") or {}
    ranking = message.get("intent_ranking") or []
    scores = [float(entry.get("confidence") or 0.0) for entry in ranking[:2]]
    ambiguous = len(scores) == 2 and scores[0] - scores[1] <= AMBIGUITY
    if float(intent.get("confidence") or 0.0) < threshold or ambiguous:
        intent = {"name": FALLBACK_INTENT, "confidence": threshold}
        ranking = [intent, *ranking]
    return {"text": text, "intent": intent, "intent_ranking": ranking}


def decide(parse: dict[str, Any]) -> Decision:
    understood = understand_parse(parse)
    intent = parse.get("intent") or {}
    return Decision(
        intent.get("name"),
        float(intent.get("confidence") or 0.0),
        understood.service_code,
        understood.emergency.kind if understood.emergency else None,
    )


def score(pairs: Sequence[tuple[DevMessage, Decision]]) -> dict[str, Any]:
    """blind_scores' figures, plus the hotline kind and code accuracy split by emergency."""
    figures = blind_scores.score([m for m, _ in pairs], [d for _, d in pairs])
    mapped = [(m, d) for m, d in pairs if m.emergency and KIND_NAMES.get(m.kind or "")]

    def code_accuracy(emergency: bool) -> float | None:
        rows = [(m, d) for m, d in pairs if m.emergency is emergency]
        subset = blind_scores.score([m for m, _ in rows], [d for _, d in rows])
        return cast("float | None", subset["code_accuracy"])

    figures["kind_right"] = ratio(
        sum(d.emergency == KIND_NAMES[m.kind or ""] for m, d in mapped), len(mapped)
    )
    figures["code_accuracy_emergencies"] = code_accuracy(True)
    figures["code_accuracy_calm"] = code_accuracy(False)
    return {name: figures[name] for name in FIGURES}


def _group(pairs: Sequence[tuple[DevMessage, Decision]], key: str) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for m, d in pairs:
        groups.setdefault(str(getattr(m, key)), []).append((m, d))
    return dict(sorted(groups.items()))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def render(name: str, pairs: Sequence[tuple[DevMessage, Decision]]) -> list[str]:
    f = score(pairs)
    lines = [
        f"## {name} ({f['items']} messages)",
        "",
        "| figure | value |",
        "|---|---|",
        f"| emergency recall | {_pct(f['emergency_recall'])} ({f['emergencies']}) |",
        f"| emergency kind right (hotline) | {_pct(f['kind_right'])} |",
        f"| false alarms among non-emergencies | {_pct(f['false_alarm_rate'])}"
        f" ({f['false_alarms']} of {f['non_emergencies']}) |",
        f"| code accuracy, reports | {_pct(f['code_accuracy'])} ({f['reports']}) |",
        f"| · of which emergencies | {_pct(f['code_accuracy_emergencies'])} |",
        f"| · of which not emergencies | {_pct(f['code_accuracy_calm'])} |",
        f"| non-reports given no code | {_pct(f['non_report_no_code'])} ({f['non_reports']}) |",
        "",
        "| kind | n | recall | kind right | code acc. |",
        "|---|---|---|---|---|",
    ]
    for kind, rows in _group([p for p in pairs if p[0].emergency], "kind").items():
        s = score(rows)
        lines.append(
            f"| {kind} | {len(rows)} | {_pct(s['emergency_recall'])} | {_pct(s['kind_right'])} "
            f"| {_pct(s['code_accuracy'])} |"
        )
    lines += [
        "",
        "| style | n | recall | false alarms | code acc. | no code |",
        "|---|---|---|---|---|---|",
    ]
    for style, rows in _group(pairs, "style").items():
        s = score(rows)
        lines.append(
            f"| {style} | {len(rows)} | {_pct(s['emergency_recall'])} "
            f"| {_pct(s['false_alarm_rate'])} | {_pct(s['code_accuracy'])} "
            f"| {_pct(s['non_report_no_code'])} |"
        )
    return lines


def errors(pairs: Sequence[tuple[DevMessage, Decision]]) -> list[str]:
    lines = []
    for m, d in pairs:
        missed = m.emergency and d.emergency is None
        alarm = not m.emergency and d.emergency is not None
        code = m.service_code != d.code
        if missed or alarm or code:
            tag = "MISS" if missed else "ALARM" if alarm else "CODE"
            lines.append(
                f"{tag:5} {m.id} gold={m.service_code}/{m.kind} got={d.code}/{d.emergency} "
                f"({d.intent} {d.confidence:.2f}) {m.text}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--file", type=Path, action="append", help="a dev jsonl (repeatable)")
    parser.add_argument("--live", action="store_true", help="parse the full pipeline, no cache")
    parser.add_argument("--errors", action="store_true", help="list every wrong message")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    files = [f.resolve() for f in (args.file or DEFAULT_FILES)]
    if any("blind" in f.parts for f in files):
        parser.error("development sets only")
    model = args.model.resolve()
    os.chdir(ROOT)  # the pipeline's jieba dictionary path is relative to the project
    sets = {f: load(f) for f in files}
    texts = [m.text for messages in sets.values() for m in messages]
    parses = iter(parse_texts(model, texts, live=args.live))
    out: dict[str, Any] = {}
    for path, messages in sets.items():
        pairs = [(m, decide(next(parses))) for m in messages]
        print("\n".join(render(path.name, pairs)) + "\n")
        if args.errors:
            print("\n".join(errors(pairs)) + "\n")
        out[path.name] = score(pairs)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
