"""The blind conversation set and the checks a played conversation must pass.

`eval/blind/conversations.json` is a JSON list of
`{"id", "kind", "note", "turns": [...], "expect": {...}}`. A turn is
`{"say": text, "expect_reply_has"?: [phrase, ...]}` or `{"staff": "resolve"}`.
`{ticket}` inside a phrase stands for the number of the ticket filed in the conversation.

How `expect` is read (a conversation passes when every check holds):

- `tickets`: how many tickets were filed under the conversation's sender (0 or 1).
- With a ticket expected, each of these is compared with the newest ticket:
  `service_code` (null: not checked), `emergency`, `phone` (the stored contact phone;
  null: none stored), `place_level` and `place_name` (the registry division the
  resident's place resolved to, see `TicketFacts`; null: not checked).
- Always: `reopened` (a ticket of the sender was reopened, 重办) and `handoff`
  (the sender asked for a person, 转人工).

Pure functions on plain data, so they can be tested without a running system.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.stations.registry import short_name
from eval.blind_results import BlindInputError

TICKET_PLACEHOLDER = "{ticket}"
PLACE_LEVELS = ("village", "town", "district")
STAFF_ACTIONS = ("resolve",)


@dataclass(frozen=True)
class Expect:
    """What the conversation must have left behind."""

    tickets: int
    service_code: str | None
    emergency: bool
    place_level: str | None
    place_name: str | None
    phone: str | None
    reopened: bool
    handoff: bool


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation of the blind set."""

    id: str
    kind: str
    note: str
    turns: tuple[dict[str, Any], ...]
    expect: Expect


@dataclass(frozen=True)
class TicketFacts:
    """What the system stored for one ticket, as the checks compare it.

    `place_level`/`place_name` are the level and short registry name of the station the
    ticket was first dispatched to for its place (the resident's community room, town
    station or the district centre; a duplicate's original ticket's place).
    """

    number: str
    service_code: str
    emergency: bool
    status: str
    reopened: bool
    phone: str | None
    place_level: str | None
    place_name: str | None
    dispatch_reason: str | None = None
    location_text: str | None = None


@dataclass
class Outcome:
    """Everything filed under a conversation's sender, newest ticket first."""

    tickets: list[TicketFacts] = field(default_factory=list)
    handoffs: int = 0


def _require(row: dict[str, Any], name: str, kinds: tuple[type, ...], where: str) -> Any:
    value = row.get(name)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise BlindInputError(f"{where}: field {name!r} is missing or of the wrong type")
    return value


def _optional(row: dict[str, Any], name: str, where: str) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise BlindInputError(f"{where}: field {name!r} must be a string or null")
    return value or None


def _expect(row: object, where: str) -> Expect:
    if not isinstance(row, dict):
        raise BlindInputError(f"{where}: 'expect' is not an object")
    tickets = _require(row, "tickets", (int,), where)
    level = _optional(row, "place_level", where)
    phone = _optional(row, "phone", where)
    if tickets not in (0, 1):
        raise BlindInputError(f"{where}: 'tickets' must be 0 or 1")
    if level is not None and level not in PLACE_LEVELS:
        raise BlindInputError(f"{where}: 'place_level' must be one of {PLACE_LEVELS} or null")
    if phone is not None and not (len(phone) == 11 and phone.isdigit()):
        raise BlindInputError(f"{where}: 'phone' must be 11 digits or null")
    return Expect(
        tickets=tickets,
        service_code=_optional(row, "service_code", where),
        emergency=bool(row.get("emergency", False)),
        place_level=level,
        place_name=_optional(row, "place_name", where),
        phone=phone,
        reopened=bool(row.get("reopened", False)),
        handoff=bool(row.get("handoff", False)),
    )


def _turn(row: object, where: str) -> dict[str, Any]:
    if isinstance(row, dict) and isinstance(row.get("say"), str) and row["say"].strip():
        phrases = row.get("expect_reply_has", [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise BlindInputError(f"{where}: 'expect_reply_has' must be a list of strings")
        return {"say": row["say"], "expect_reply_has": phrases}
    if isinstance(row, dict) and row.get("staff") in STAFF_ACTIONS:
        return {"staff": row["staff"]}
    raise BlindInputError(f"{where}: a turn is {{'say': text}} or {{'staff': 'resolve'}}")


def conversation_from(row: object, where: str) -> Conversation:
    """One validated conversation; BlindInputError naming `where` and the field otherwise."""
    if not isinstance(row, dict):
        raise BlindInputError(f"{where}: not a JSON object")
    turns = _require(row, "turns", (list,), where)
    if not turns:
        raise BlindInputError(f"{where}: no turns")
    return Conversation(
        id=str(_require(row, "id", (str, int), where)),
        kind=_optional(row, "kind", where) or "-",
        note=_optional(row, "note", where) or "",
        turns=tuple(_turn(turn, f"{where} turn {n}") for n, turn in enumerate(turns, 1)),
        expect=_expect(row.get("expect"), f"{where} expect"),
    )


def load_conversations(path: Path) -> list[Conversation]:
    """Every conversation of the file, in order; BlindInputError when one is unusable."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError:
        raise BlindInputError(f"{path.name}: not valid JSON") from None
    if not isinstance(rows, list) or not rows:
        raise BlindInputError(f"{path.name}: not a non-empty JSON list")
    return [conversation_from(row, f"{path.name} item {n}") for n, row in enumerate(rows, 1)]


def ticket_numbers(replies: Sequence[dict[str, Any]]) -> list[str]:
    """The numbers on the ticket cards among the replies, in order."""
    return [
        str(custom["number"])
        for reply in replies
        if isinstance(custom := reply.get("custom"), dict)
        and custom.get("type") == "ticket"
        and custom.get("number")
    ]


def shown_replies(replies: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replies as the transcript keeps them: text, button titles, ticket card number."""
    return [
        {
            "text": reply.get("text"),
            "buttons": [button.get("title") for button in reply.get("buttons") or []],
            "ticket": next(iter(ticket_numbers([reply])), None),
        }
        for reply in replies
    ]


def visible_text(replies: Sequence[dict[str, Any]]) -> str:
    """What the resident sees: the reply texts, button titles and ticket card numbers."""
    parts: list[str] = []
    for reply in replies:
        parts.append(str(reply.get("text") or ""))
        parts.extend(str(button.get("title") or "") for button in reply.get("buttons") or [])
    parts.extend(ticket_numbers(replies))
    return "\n".join(parts)


def check_reply(
    phrases: Sequence[str], replies: Sequence[dict[str, Any]], ticket: str | None
) -> list[str]:
    """One failure per expected phrase the replies lack ({ticket} replaced first)."""
    seen = visible_text(replies)
    failures = []
    for phrase in phrases:
        if TICKET_PLACEHOLDER in phrase and ticket is None:
            failures.append(f"expected {phrase!r}, but no ticket has been filed yet")
            continue
        wanted = phrase.replace(TICKET_PLACEHOLDER, ticket or "")
        if wanted not in seen:
            failures.append(f"reply lacks {wanted!r}")
    return failures


def _same_place_name(expected: str, actual: str | None) -> bool:
    return actual is not None and short_name(expected) == short_name(actual)


def check_expect(expect: Expect, outcome: Outcome) -> list[str]:
    """Every way the outcome differs from `expect` (see the module docstring)."""
    failures = []
    if len(outcome.tickets) != expect.tickets:
        failures.append(f"tickets: expected {expect.tickets}, filed {len(outcome.tickets)}")
    reopened = any(ticket.reopened for ticket in outcome.tickets)
    if reopened != expect.reopened:
        failures.append(f"reopened: expected {expect.reopened}, got {reopened}")
    if (outcome.handoffs > 0) != expect.handoff:
        failures.append(f"handoff: expected {expect.handoff}, recorded {outcome.handoffs}")
    if expect.tickets == 0 or not outcome.tickets:
        return failures
    ticket = outcome.tickets[0]
    if expect.service_code is not None and ticket.service_code != expect.service_code:
        failures.append(f"service_code: expected {expect.service_code}, got {ticket.service_code}")
    if ticket.emergency != expect.emergency:
        failures.append(f"emergency: expected {expect.emergency}, got {ticket.emergency}")
    if ticket.phone != expect.phone:
        failures.append(f"phone: expected {expect.phone}, stored {ticket.phone}")
    if expect.place_level is not None and ticket.place_level != expect.place_level:
        failures.append(f"place_level: expected {expect.place_level}, got {ticket.place_level}")
    if expect.place_name is not None and not _same_place_name(expect.place_name, ticket.place_name):
        failures.append(f"place_name: expected {expect.place_name}, got {ticket.place_name}")
    return failures


def tally(results: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """Pass counts per kind and overall from (kind, passed) pairs."""
    kinds: dict[str, dict[str, int]] = {}
    for kind, passed in results:
        row = kinds.setdefault(kind, {"passed": 0, "total": 0})
        row["total"] += 1
        row["passed"] += int(passed)
    return {
        "by_kind": dict(sorted(kinds.items())),
        "passed": sum(passed for _, passed in results),
        "total": len(results),
    }


def render(summary: dict[str, Any]) -> list[str]:
    """The tally as terminal lines: `ordinary 11/12` per kind, then the total."""
    width = max([len("total"), *map(len, summary["by_kind"])])
    lines = [
        f"  {kind:<{width}}  {row['passed']}/{row['total']}"
        for kind, row in summary["by_kind"].items()
    ]
    lines.append(f"  {'total':<{width}}  {summary['passed']}/{summary['total']}")
    return lines
