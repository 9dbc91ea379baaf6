"""Reading the blind message set and scoring what the bot decided for each message.

A line of `eval/blind/messages.jsonl` is one JSON object:
`{"id", "text", "service_code": code | null, "emergency": bool, "non_report": type | null,
"style": str, "note": str}`; a missing `non_report` is null, blank lines are skipped.
The bot's decision for a message is `api.catalogue.understand(intent, ranking)`: the
ticket's code (None: no ticket) and the emergency kind (None: no emergency).

No Rasa here: the Rasa environment (eval/blind_messages.py) parses, this scores.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.catalogue import SERVICE_CODES, understand
from eval.blind_results import BlindInputError, percent, ratio


@dataclass(frozen=True)
class BlindMessage:
    """One gold-labelled message of the blind set."""

    id: str
    text: str
    service_code: str | None
    emergency: bool
    non_report: str | None
    style: str
    note: str


@dataclass(frozen=True)
class Decision:
    """What the bot does with a message: the ticket's code and the emergency kind."""

    intent: str | None
    confidence: float
    code: str | None
    emergency: str | None


def _field(row: dict[str, Any], name: str, kinds: tuple[type, ...], where: str) -> Any:
    value = row.get(name)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise BlindInputError(f"{where}: field {name!r} is missing or of the wrong type")
    return value


def _optional_text(row: dict[str, Any], name: str, where: str) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise BlindInputError(f"{where}: field {name!r} must be a string or null")
    return value or None


def message_from(row: object, where: str) -> BlindMessage:
    """One validated message; BlindInputError (naming `where` and the field) otherwise."""
    if not isinstance(row, dict):
        raise BlindInputError(f"{where}: not a JSON object")
    code = _optional_text(row, "service_code", where)
    if code is not None and code not in SERVICE_CODES:
        raise BlindInputError(f"{where}: 'service_code' is not a code of api/catalogue.py")
    text = _field(row, "text", (str,), where)
    if not text.strip():
        raise BlindInputError(f"{where}: field 'text' is empty")
    return BlindMessage(
        id=str(_field(row, "id", (str, int), where)),
        text=text,
        service_code=code,
        emergency=_field(row, "emergency", (bool,), where),
        non_report=_optional_text(row, "non_report", where),
        style=_optional_text(row, "style", where) or "-",
        note=_optional_text(row, "note", where) or "",
    )


def load_messages(path: Path) -> list[BlindMessage]:
    """Every message of a JSON-lines file, in file order; BlindInputError on a bad line."""
    messages = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise BlindInputError(f"{where}: not valid JSON") from None
            messages.append(message_from(row, where))
    if not messages:
        raise BlindInputError(f"{path.name}: no messages")
    return messages


def decide(
    intent: str | None, confidence: float, ranking: Iterable[tuple[str, float]], text: str = ""
) -> Decision:
    """The bot's two decisions for a parse, exactly as its actions take them."""
    understood = understand(intent, ranking, text)
    kind = understood.emergency.kind if understood.emergency else None
    return Decision(intent, confidence, understood.service_code, kind)


def _code_accuracy(pairs: Sequence[tuple[BlindMessage, Decision]]) -> dict[str, Any]:
    reports = [(m, d) for m, d in pairs if m.service_code is not None]
    correct = sum(d.code == m.service_code for m, d in reports)
    return {
        "reports": len(reports),
        "correct": correct,
        "code_accuracy": ratio(correct, len(reports)),
    }


def _grouped(
    pairs: Sequence[tuple[BlindMessage, Decision]], key: str
) -> dict[str, list[tuple[BlindMessage, Decision]]]:
    groups: dict[str, list[tuple[BlindMessage, Decision]]] = {}
    for message, decision in pairs:
        name = getattr(message, key)
        if name is not None:
            groups.setdefault(str(name), []).append((message, decision))
    return dict(sorted(groups.items()))


def score(messages: Sequence[BlindMessage], decisions: Sequence[Decision]) -> dict[str, Any]:
    """Aggregate figures only (no texts, no ids), safe to print.

    code_accuracy: of messages with a gold code, the share whose predicted code equals it;
    emergency_recall: of gold emergencies, the share predicted as an emergency;
    false_alarm_rate: of all other messages, the share predicted as an emergency;
    non_report_no_code: of messages with no code and no emergency, the share that got
    neither. Breakdowns of code accuracy per style and per gold code; of the no-code share
    per non_report type.
    """
    pairs = list(zip(messages, decisions, strict=True))
    emergencies = [d for m, d in pairs if m.emergency]
    calm = [d for m, d in pairs if not m.emergency]
    non_reports = [(m, d) for m, d in pairs if m.service_code is None and not m.emergency]

    def no_ticket(rows: Sequence[tuple[BlindMessage, Decision]]) -> float | None:
        return ratio(sum(d.code is None and d.emergency is None for _, d in rows), len(rows))

    return {
        "items": len(pairs),
        "duplicate_ids": sum(n - 1 for n in Counter(m.id for m in messages).values() if n > 1),
        **_code_accuracy(pairs),
        "emergencies": len(emergencies),
        "emergency_recall": ratio(
            sum(d.emergency is not None for d in emergencies), len(emergencies)
        ),
        "non_emergencies": len(calm),
        "false_alarms": sum(d.emergency is not None for d in calm),
        "false_alarm_rate": ratio(sum(d.emergency is not None for d in calm), len(calm)),
        "non_reports": len(non_reports),
        "non_report_no_code": no_ticket(non_reports),
        "by_style": {
            style: {"items": len(rows), **_code_accuracy(rows)}
            for style, rows in _grouped(pairs, "style").items()
        },
        "by_code": {
            code: _code_accuracy(rows) for code, rows in _grouped(pairs, "service_code").items()
        },
        "by_non_report": {
            kind: {"items": len(rows), "no_code": no_ticket(rows)}
            for kind, rows in _grouped(non_reports, "non_report").items()
        },
    }


def item_rows(
    messages: Sequence[BlindMessage], decisions: Sequence[Decision]
) -> list[dict[str, Any]]:
    """Per-message gold and prediction, for the results file only (never the terminal)."""
    rows = []
    for m, d in zip(messages, decisions, strict=True):
        code_ok = m.service_code is None or d.code == m.service_code
        emergency_ok = m.emergency == (d.emergency is not None)
        quiet_ok = m.service_code is not None or m.emergency or d.code is None
        rows.append(
            {
                "id": m.id,
                "text": m.text,
                "style": m.style,
                "note": m.note,
                "gold": {
                    "service_code": m.service_code,
                    "emergency": m.emergency,
                    "non_report": m.non_report,
                },
                "predicted": {
                    "intent": d.intent,
                    "confidence": round(d.confidence, 4),
                    "service_code": d.code,
                    "emergency": d.emergency,
                },
                "correct": code_ok and emergency_ok and quiet_ok,
            }
        )
    return rows


def render(figures: dict[str, Any]) -> list[str]:
    """The figures as terminal lines (aggregates only)."""
    lines = [
        f"items {figures['items']}"
        + (f" ({figures['duplicate_ids']} duplicate ids)" if figures["duplicate_ids"] else ""),
        f"  code accuracy on reports   {percent(figures['code_accuracy'])}  "
        f"({figures['correct']}/{figures['reports']})",
        f"  emergency recall           {percent(figures['emergency_recall'])}  "
        f"(of {figures['emergencies']})",
        f"  false-alarm rate           {percent(figures['false_alarm_rate'])}  "
        f"({figures['false_alarms']}/{figures['non_emergencies']})",
        f"  non-reports with no code   {percent(figures['non_report_no_code'])}  "
        f"(of {figures['non_reports']})",
    ]
    for title, key in (("by style", "by_style"), ("by code", "by_code")):
        lines.append(f"code accuracy {title}:")
        width = max(map(len, figures[key]), default=0)
        for name, row in figures[key].items():
            counts = f"({row['correct']}/{row['reports']})"
            lines.append(f"  {name:<{width}}  {percent(row['code_accuracy'])}  {counts}")
    if figures["by_non_report"]:
        lines.append("non-reports with no code by type:")
        width = max(map(len, figures["by_non_report"]))
        for name, row in figures["by_non_report"].items():
            lines.append(f"  {name:<{width}}  {percent(row['no_code'])}  (of {row['items']})")
    return lines
