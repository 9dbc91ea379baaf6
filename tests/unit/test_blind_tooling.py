"""The blind-set tooling's pure parts: reading the sets, scoring, checks, and what it prints.

Synthetic items only; the blind sets themselves are never read by tests.
"""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eval.blind_results import BlindInputError, report_failure
from eval.blind_scores import Decision, decide, load_messages, render, score
from eval.dialogue_checks import (
    Expect,
    Outcome,
    TicketFacts,
    check_expect,
    check_reply,
    load_conversations,
    tally,
)
from eval.dialogue_checks import render as render_tally

SECRET = "只在测试里出现的居民原话"


def _line(id_: str, code: str | None, emergency: bool = False, **extra: object) -> str:
    row = {"id": id_, "text": f"{SECRET}{id_}", "service_code": code, "emergency": emergency}
    return json.dumps({"style": "plain", "note": "", **row, **extra}, ensure_ascii=False)


def test_messages_default_non_report_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(_line("a", "gas") + "\n\n" + _line("b", None, non_report="greet") + "\n")
    first, second = load_messages(path)
    assert (first.non_report, second.non_report) == (None, "greet")


def test_a_bad_line_is_named_by_position_not_content(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(_line("a", "gas") + "\n" + SECRET + "{\n", encoding="utf-8")
    with pytest.raises(BlindInputError) as caught:
        load_messages(path)
    assert "line 2" in str(caught.value) and SECRET not in str(caught.value)


def test_decide_follows_the_catalogue() -> None:
    ranking = [("emergency_fire", 0.8), ("report_environment", 0.15), ("greet", 0.05)]
    assert decide("emergency_fire", 0.8, ranking) == Decision(
        "emergency_fire", 0.8, "environment", "fire"
    )
    assert decide("report_gas", 0.9, []).code == "gas"
    assert decide("nlu_fallback", 0.3, [("report_gas", 0.3)]) == Decision(
        "nlu_fallback", 0.3, None, None
    )


def test_figures_and_their_lines_hold_no_item(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    lines = [
        _line("r1", "gas", style="dialect"),
        _line("r2", "gas"),
        _line("e1", "other", emergency=True),
        _line("n1", None, non_report="greet"),
        _line("n2", None),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    decisions = [
        Decision("report_gas", 0.9, "gas", None),
        Decision("report_water_leak", 0.9, "water_leak", None),
        Decision("emergency_fire", 0.9, "other", "fire"),
        Decision("emergency_fire", 0.7, "other", "fire"),
        Decision("greet", 0.9, None, None),
    ]
    figures = score(load_messages(path), decisions)
    assert (figures["reports"], figures["correct"]) == (3, 2)
    assert figures["emergency_recall"] == 1.0
    assert figures["false_alarm_rate"] == 0.25
    assert figures["non_report_no_code"] == 0.5
    assert figures["by_style"]["dialect"]["code_accuracy"] == 1.0
    assert figures["by_code"]["gas"]["code_accuracy"] == 0.5
    assert figures["by_non_report"]["greet"]["no_code"] == 0.0
    printed = "\n".join(render(figures))
    assert SECRET not in printed and "r1" not in printed


CONVERSATION = {
    "id": "c1",
    "kind": "ordinary",
    "note": "",
    "turns": [{"say": "漏水了", "expect_reply_has": ["{ticket}"]}, {"staff": "resolve"}],
    "expect": {
        "tickets": 1,
        "service_code": "water_leak",
        "emergency": False,
        "place_level": "village",
        "place_name": "天宝路社区",
        "phone": None,
        "reopened": True,
        "handoff": False,
    },
}


def test_conversations_load_and_reject_bad_turns(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps([CONVERSATION], ensure_ascii=False), encoding="utf-8")
    (conversation,) = load_conversations(path)
    assert conversation.turns[1] == {"staff": "resolve"}
    path.write_text(json.dumps([{**CONVERSATION, "turns": [{"staff": "sing"}]}]))
    with pytest.raises(BlindInputError, match="item 1 turn 1"):
        load_conversations(path)


def test_reply_checks_see_texts_buttons_and_the_ticket_card() -> None:
    replies = [
        {"text": "已登记", "buttons": [{"title": "确认提交", "payload": "/affirm"}]},
        {"custom": {"type": "ticket", "number": "LY-20261204-0001"}},
    ]
    assert check_reply(["{ticket}", "确认提交"], replies, "LY-20261204-0001") == []
    assert check_reply(["{ticket}"], [], None) == [
        "expected '{ticket}', but no ticket has been filed yet"
    ]
    assert check_reply(["没有这句"], replies, None) == ["reply lacks '没有这句'"]


NEWEST = TicketFacts(
    number="LY-20261204-0001",
    service_code="water_leak",
    emergency=False,
    status="reopened",
    reopened=True,
    phone=None,
    place_level="village",
    place_name="天宝路社区",
)


def test_expectations_compare_with_the_newest_ticket() -> None:
    expect = Expect(1, "water_leak", False, "village", "天宝路社区居民委员会", None, True, False)
    assert check_expect(expect, Outcome([NEWEST])) == []
    failures = check_expect(
        expect, Outcome([replace(NEWEST, phone="13812345678", place_level="town")], 1)
    )
    assert failures == [
        "handoff: expected False, recorded 1",
        "phone: expected None, stored 13812345678",
        "place_level: expected village, got town",
    ]
    nothing = Expect(0, None, False, None, None, None, False, False)
    assert check_expect(nothing, Outcome()) == []
    assert check_expect(nothing, Outcome([replace(NEWEST, reopened=False)])) == [
        "tickets: expected 0, filed 1"
    ]


def test_tally_counts_per_kind() -> None:
    summary = tally([("ordinary", True), ("ordinary", False), ("emergency", True)])
    assert render_tally(summary) == ["  emergency  1/1", "  ordinary   1/2", "  total      2/3"]


def test_an_unexpected_error_prints_its_type_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.log"
    assert report_failure(KeyError(SECRET), log) == 1
    assert SECRET not in capsys.readouterr().err and SECRET in log.read_text(encoding="utf-8")
