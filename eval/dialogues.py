"""Play the blind conversations against the real system and count those that pass.

Starts a private system (eval/dialogue_stack.py: fresh database, the registry, Rasa
and the app on free loopback ports), then plays every conversation of the set as a
resident of its own (`blind-<id>-<random>` sender): each `say` turn is POST /api/chat,
each `{"staff": "resolve"}` turn signs (签收) and resolves (办结) the conversation's
latest ticket through the staff API as a district operator. Replies and what was
filed are checked as eval/dialogue_checks.py describes. The figures and, per
conversation, the transcript and failed checks go to results/blind/dialogues-<label>.json;
the terminal shows only the pass counts per kind and the total (never a conversation
or its errors). The system is stopped at the end, also after an error or Ctrl-C.

    .venv/bin/python -m eval.dialogues [--label NAME] [--file PATH] [--only-kind KIND]
        [--workers N] [--model PATH]

Exit status: 0 played, 1 unexpected failure (traceback in results/blind/), 2 unusable input.
"""

import argparse
import re
import sys
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from api.conversations.models import HandoffRequest
from api.launcher import MODEL_PATH
from api.tickets.models import Ticket
from eval.blind_results import (
    BLIND_DIR,
    BlindInputError,
    check_label,
    file_digest,
    now_utc,
    quiet_into,
    report_failure,
    result_path,
    shown,
    write_json,
)
from eval.dialogue_checks import (
    Conversation,
    Outcome,
    TicketFacts,
    check_expect,
    check_reply,
    load_conversations,
    render,
    shown_replies,
    tally,
    ticket_numbers,
)
from eval.dialogue_stack import EvalStack, running_stack

DEFAULT_FILE = BLIND_DIR / "conversations.json"
REQUEST_TIMEOUT_SECONDS = 120.0
RESOLUTION = "已上门处理完毕（盲测自动办结）"
UNSIGNED = ("dispatched", "reopened")
MAX_DUPLICATE_HOPS = 3


def sender_for(conversation_id: str) -> str:
    """`blind-<id>-<random>`, within the chat's and the ticket views' sender-id rules."""
    safe = re.sub(r"[^A-Za-z0-9_.:-]", "_", conversation_id)[:80]
    return f"blind-{safe}-{uuid.uuid4().hex[:8]}"


class Player:
    """Plays conversations on one running system; safe to use from several threads."""

    def __init__(self, env: EvalStack, http: httpx.Client) -> None:
        self.env = env
        self.http = http
        self.staff = {"Authorization": f"Bearer {env.staff_token}"}

    # ---- what the system holds ------------------------------------------------

    def _my_numbers(self, sender: str) -> list[str]:
        answer = self.http.get("/api/my/tickets", headers={"X-Sender-Id": sender})
        answer.raise_for_status()
        return [str(ticket["number"]) for ticket in answer.json()["tickets"]]

    def _detail(self, number: str) -> dict[str, Any]:
        answer = self.http.get(f"/api/staff/tickets/{number}", headers=self.staff)
        answer.raise_for_status()
        detail: dict[str, Any] = answer.json()
        return detail

    def _place(self, detail: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
        """(dispatch reason, level, short name) of the first dispatch, through duplicates."""
        for _ in range(MAX_DUPLICATE_HOPS + 1):
            first = next((e for e in detail["events"] if e["kind"] == "dispatched"), None)
            data = (first or {}).get("data") or {}
            reason = data.get("reason")
            if reason != "duplicate" or not detail.get("duplicate_of"):
                break
            detail = self._detail(str(detail["duplicate_of"]))
        code = data.get("station_code")
        division = self.env.divisions.get(str(code)) or self.env.divisions.get(
            str(detail["station_code"])
        )
        if division is None:
            return reason, None, None
        return reason, division.level, division.short_name

    def _facts(self, number: str) -> TicketFacts:
        detail = self._detail(number)
        reason, level, name = self._place(detail)
        with self.env.session_factory() as session:
            phone = session.scalars(
                select(Ticket.contact_phone).where(Ticket.number == number)
            ).first()
        return TicketFacts(
            number=number,
            service_code=detail["service_code"],
            emergency=bool(detail["emergency"]),
            status=detail["status"],
            reopened=detail["status"] == "reopened"
            or any(event["kind"] == "reopened" for event in detail["events"]),
            phone=phone,
            place_level=level,
            place_name=name,
            dispatch_reason=reason,
            location_text=detail.get("location_text"),
        )

    def outcome(self, sender: str) -> Outcome:
        """The sender's tickets (newest first) and how often they asked for a person."""
        tickets = [self._facts(number) for number in self._my_numbers(sender)]
        with self.env.session_factory() as session:
            handoffs = session.scalar(
                select(func.count())
                .select_from(HandoffRequest)
                .where(HandoffRequest.sender_id == sender)
            )
        return Outcome(tickets=tickets, handoffs=int(handoffs or 0))

    # ---- playing ----------------------------------------------------------------

    def _say(self, sender: str, text: str) -> tuple[int, list[dict[str, Any]]]:
        answer = self.http.post("/api/chat", json={"sender": sender, "message": text})
        return answer.status_code, answer.json() if answer.status_code == 200 else []

    def _resolve(self, sender: str) -> dict[str, Any]:
        """签收 when needed, then 办结, on the sender's latest ticket."""
        numbers = self._my_numbers(sender)
        if not numbers:
            return {"staff": "resolve", "failures": ["staff resolve: no ticket to resolve"]}
        number, failures = numbers[0], []
        steps: list[tuple[str, dict[str, str]]] = [("resolve", {"resolution": RESOLUTION})]
        if self._detail(number)["status"] in UNSIGNED:
            steps.insert(0, ("sign", {}))
        for action, body in steps:
            url = f"/api/staff/tickets/{number}/{action}"
            answer = self.http.post(url, json=body, headers=self.staff)
            if answer.status_code != 200:
                failures.append(f"staff {action} of {number}: HTTP {answer.status_code}")
                break
        return {"staff": "resolve", "ticket": number, "failures": failures}

    def _turns(self, conversation: Conversation, sender: str) -> list[dict[str, Any]]:
        transcript: list[dict[str, Any]] = []
        filed: str | None = None
        for turn in conversation.turns:
            if "staff" in turn:
                transcript.append(self._resolve(sender))
                continue
            status, replies = self._say(sender, turn["say"])
            record: dict[str, Any] = {"say": turn["say"], "replies": shown_replies(replies)}
            transcript.append(record)
            if status != 200:
                record["failures"] = [f"POST /api/chat answered HTTP {status}"]
                break
            cards = ticket_numbers(replies)
            filed = cards[-1] if cards else filed
            if turn["expect_reply_has"]:
                filed = filed or next(iter(self._my_numbers(sender)), None)
                record["failures"] = check_reply(turn["expect_reply_has"], replies, filed)
        return transcript

    def play(self, conversation: Conversation) -> dict[str, Any]:
        """Play one conversation; never raises (an error is a failed check)."""
        sender = sender_for(conversation.id)
        record: dict[str, Any] = {
            "id": conversation.id,
            "kind": conversation.kind,
            "note": conversation.note,
            "sender": sender,
            "expect": asdict(conversation.expect),
        }
        start = time.perf_counter()
        failures: list[str] = []
        try:
            record["transcript"] = self._turns(conversation, sender)
            for n, turn in enumerate(record["transcript"], 1):
                failures += [f"turn {n}: {failure}" for failure in turn.get("failures", [])]
            outcome = self.outcome(sender)
            record["tickets"] = [asdict(ticket) for ticket in outcome.tickets]
            record["handoffs"] = outcome.handoffs
            failures += check_expect(conversation.expect, outcome)
        except Exception as error:
            failures.append(f"error: {type(error).__name__}")
            record["error"] = traceback.format_exc()
        record["failures"] = failures
        record["passed"] = not failures
        record["seconds"] = round(time.perf_counter() - start, 2)
        return record


def play_all(env: EvalStack, conversations: list[Conversation], workers: int) -> list[Any]:
    """Every conversation's record, in the file's order, `workers` at a time."""
    with httpx.Client(base_url=env.app_url, timeout=REQUEST_TIMEOUT_SECONDS) as http:
        player = Player(env, http)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blind")
        try:
            futures = [pool.submit(player.play, conversation) for conversation in conversations]
            return [future.result() for future in futures]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def run(args: argparse.Namespace, label: str) -> int:
    try:
        conversations = load_conversations(args.file)
    except BlindInputError as error:
        print(f"unusable blind set: {error}", file=sys.stderr)
        return 2
    if args.only_kind:
        conversations = [c for c in conversations if c.kind == args.only_kind]
        if not conversations:
            print(f"no conversation of kind {args.only_kind!r}", file=sys.stderr)
            return 2
    out, log = result_path("dialogues", label), result_path("dialogues", label, ".log")
    log.unlink(missing_ok=True)
    print(f"playing {len(conversations)} conversations on {shown(args.model)} …", flush=True)
    start = time.perf_counter()
    logs = result_path("dialogues", label, "-logs")
    with quiet_into(log), running_stack(args.model, logs_to=logs) as env:
        stack_seconds = time.perf_counter() - start
        records = play_all(env, conversations, args.workers)
        registry = shown(env.registry)
    seconds = time.perf_counter() - start
    summary = tally([(record["kind"], record["passed"]) for record in records])
    run_info = {
        "label": label,
        "date": now_utc(),
        "model": shown(args.model),
        "model_modified": time.strftime(
            "%Y-%m-%d %H:%M:%S", time.gmtime(args.model.stat().st_mtime)
        ),
        "registry": registry,
        "file": shown(args.file),
        "file_sha256": file_digest(args.file),
        "only_kind": args.only_kind,
        "workers": args.workers,
        "startup_seconds": round(stack_seconds, 1),
        "seconds": round(seconds, 1),
    }
    write_json(out, {"run": run_info, "summary": summary, "conversations": records})
    for line in render(summary):
        print(line)
    print(f"per-conversation results: {shown(out)} ({seconds:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--label", default="current", help="names the run's results file")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="a conversations.json")
    parser.add_argument("--only-kind", help="play only the conversations of this kind")
    parser.add_argument("--workers", type=int, default=4, help="conversations at a time")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    try:
        label = check_label(args.label)
    except ValueError as error:
        parser.error(str(error))
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    args.file, args.model = args.file.resolve(), args.model.resolve()
    for what, path in (("blind conversation set", args.file), ("model", args.model)):
        if not path.is_file():
            print(f"no {what} at {path}", file=sys.stderr)
            return 2
    try:
        return run(args, label)
    except KeyboardInterrupt:
        print("interrupted; the system was stopped", file=sys.stderr)
        return 130
    except Exception as error:  # its message could quote a blind item
        return report_failure(error, result_path("dialogues", label, ".log"))


if __name__ == "__main__":
    sys.exit(main())
