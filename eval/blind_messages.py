"""Score the blind message set: which code and which emergency flag the bot would give.

Loads a model in-process (Rasa environment, like eval/run.py), parses every message of
the set and decides, with `api.catalogue.understand(intent, ranking)` on the parse's top
intent and its full intent ranking, the ticket's code and the emergency flag the way the
bot's actions do. Writes figures and per-message predictions to
results/blind/messages-<label>.json and prints the figures only: no message, id or
error of the blind set ever reaches the terminal (see eval/blind_results.py).

    .venv-rasa/bin/python -m eval.blind_messages [--model PATH] [--file PATH] [--label NAME]

Exit status: 0 scored, 1 unexpected failure (traceback in results/blind/), 2 unusable input.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from eval.blind_results import (
    BLIND_DIR,
    ROOT,
    BlindInputError,
    check_label,
    file_digest,
    now_utc,
    percent,
    quiet_into,
    report_failure,
    result_path,
    shown,
    write_json,
)
from eval.blind_scores import (
    BlindMessage,
    Decision,
    decide,
    item_rows,
    load_messages,
    render,
    score,
)
from eval.one_edit import one_edit_pairs, read_texts

DEFAULT_MODEL = ROOT / "models" / "zhihuiyang.tar.gz"
DEFAULT_FILE = BLIND_DIR / "messages.jsonl"


async def _decisions(agent: Any, texts: list[str]) -> list[Decision]:
    decisions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        ranking = [
            (str(entry.get("name")), float(entry.get("confidence") or 0.0))
            for entry in parsed.get("intent_ranking") or []
            if entry.get("name")
        ]
        name = intent.get("name")
        decisions.append(
            decide(
                str(name) if name else None,
                float(intent.get("confidence") or 0.0),
                ranking,
                text,
            )
        )
    return decisions


def decisions_for(model: Path, texts: list[str]) -> list[Decision]:
    """Load the model (eval/run.py's load_agent) and decide every text, in order."""
    from eval.run import load_agent

    agent = load_agent(model)
    return asyncio.run(_decisions(agent, texts))


TRAINING = ROOT / "data" / "nlu.yml"
HEADLINE = ("code_accuracy", "emergency_recall", "false_alarm_rate", "non_report_no_code")


def unseen_figures(messages: list[BlindMessage], decisions: list[Decision]) -> dict[str, Any]:
    """The headline figures without messages one typing slip from a training example."""
    seen = {text for text, _ in one_edit_pairs([m.text for m in messages], read_texts(TRAINING))}
    kept = [(m, d) for m, d in zip(messages, decisions, strict=True) if m.text not in seen]
    figures = score([m for m, _ in kept], [d for _, d in kept])
    return {"left_out": len(messages) - len(kept), **{key: figures[key] for key in HEADLINE}}


def run(model: Path, file: Path, label: str) -> int:
    out = result_path("messages", label)
    log = result_path("messages", label, ".log")
    log.unlink(missing_ok=True)
    try:
        messages = load_messages(file)
    except BlindInputError as error:
        print(f"unusable blind set: {error}", file=sys.stderr)
        return 2
    print(f"parsing {len(messages)} messages with {shown(model)} …", flush=True)
    start = time.perf_counter()
    with quiet_into(log):  # Rasa, TensorFlow and jieba write here, never to the terminal
        decisions = decisions_for(model, [m.text for m in messages])
    seconds = time.perf_counter() - start
    figures = score(messages, decisions)
    figures["unseen"] = unseen_figures(messages, decisions)
    write_json(
        out,
        {
            "run": {
                "label": label,
                "date": now_utc(),
                "model": shown(model),
                "model_modified": time.strftime(
                    "%Y-%m-%d %H:%M:%S", time.gmtime(model.stat().st_mtime)
                ),
                "file": shown(file),
                "file_sha256": file_digest(file),
                "seconds": round(seconds, 1),
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            },
            "figures": figures,
            "items": item_rows(messages, decisions),
        },
    )
    for line in render(figures):
        print(line)
    unseen = figures["unseen"]
    print(
        f"without the {unseen['left_out']} messages one slip from a training example: "
        f"code {percent(unseen['code_accuracy'])}, "
        f"emergency recall {percent(unseen['emergency_recall'])}, "
        f"false alarms {percent(unseen['false_alarm_rate'])}, "
        f"non-reports {percent(unseen['non_report_no_code'])}"
    )
    print(f"per-message results: {shown(out)} ({seconds:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="a messages.jsonl")
    parser.add_argument("--label", default="current", help="names the run's results file")
    args = parser.parse_args(argv)
    try:
        label = check_label(args.label)
    except ValueError as error:
        parser.error(str(error))
    model, file = args.model.resolve(), args.file.resolve()
    os.chdir(ROOT)  # the pipeline's jieba dictionary path is relative to the project
    if not model.is_file():
        print(f"no model at {model}: run `make model` first or pass --model", file=sys.stderr)
        return 2
    if not file.is_file():
        print(f"no blind message set at {file}", file=sys.stderr)
        return 2
    try:
        return run(model, file, label)
    except Exception as error:  # its message could quote a blind item
        return report_failure(error, result_path("messages", label, ".log"))


if __name__ == "__main__":
    sys.exit(main())
