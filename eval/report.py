"""Render the evaluation results (the dict written to report.json) as Markdown."""

from __future__ import annotations

from typing import Any

from eval.metrics import HEADLINE, lookup


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}"


def _pts(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


HEADLINE_LABELS = {
    "service_code_macro_f1": "service_code macro-F1 (reports)",
    "service_code_accuracy": "service_code accuracy (reports)",
    "emergency_recall": "emergency recall",
    "emergency_false_alarm_rate": "emergency false-alarm rate ↓",
    "non_report_rejection_rate": "non-report rejection rate",
    "outcome_accuracy": "outcome accuracy (all messages)",
}


def render(results: dict[str, Any]) -> str:
    run = results["run"]
    diet = results["diet"]
    baseline = results.get("baseline")
    overlap = results["overlap"]
    lines = [
        "# NLU evaluation",
        "",
        "Produced by `make eval` (`eval/run.py`); do not edit by hand. "
        "Figures are percentages unless marked.",
        "",
        f"- date: {run['date']}; commit `{run['commit']}`"
        + (" (inputs modified in the working tree)" if run["dirty"] else ""),
        f"- model: `{run['model']}`"
        + (
            f", trained for this run in **{run['training_seconds']:.0f} s** wall time"
            if run.get("training_seconds") is not None
            else ", not retrained"
        ),
        f"- training data `data/nlu.yml` sha256 `{run['training_sha256']}` "
        f"({overlap['training_examples']} distinct examples); "
        f"config sha256 `{run['config_sha256']}`",
        f"- test set `tests/nlu/test_set.yml` sha256 `{run['test_sha256']}`: "
        f"{diet['clean']['messages']} messages "
        f"({diet['clean']['service_code']['reports']} reports, "
        f"{diet['clean']['emergency']['emergencies']} emergencies, "
        f"{diet['clean']['non_report']['non_reports']} non-reports); "
        f"noised copy seed {run['noise_seed']}",
        f"- near-duplicates of training examples (char 3-gram Jaccard ≥ {overlap['threshold']}): "
        f"**{overlap['near_duplicates']}/{overlap['test_messages']} = "
        f"{_pct(overlap['near_duplicate_rate'])} %**; mean nearest similarity "
        f"{overlap['mean_max_similarity']:.2f}",
        f"- machine: {run['machine']}",
        "",
        "## Headline",
        "",
    ]
    alone = diet.get("diet_alone")
    header = ["figure", "model", "model noised", "drop (pts)", "model no fallback"]
    if alone:
        header += ["DIET alone", "DIET alone noised"]
    if baseline:
        header += ["baseline", "baseline noised"]
    rows = []
    for key, path in HEADLINE.items():
        clean, noised = lookup(diet["clean"], path), lookup(diet["noised"], path)
        drop = None if clean is None or noised is None else clean - noised
        row = [HEADLINE_LABELS[key], f"**{_pct(clean)}**", _pct(noised), _pts(drop)]
        row.append(_pct(lookup(diet["no_fallback"], path)))
        if alone:
            row += [_pct(lookup(alone["clean"], path)), _pct(lookup(alone["noised"], path))]
        if baseline:
            row += [_pct(lookup(baseline["clean"], path)), _pct(lookup(baseline["noised"], path))]
        rows.append(row)
    for label, path in (
        ("intent accuracy (all messages)", "intent_accuracy"),
        ("fallback (`nlu_fallback`) rate", "fallback_rate"),
        ("emergency kind accuracy", "emergency.kind_accuracy"),
        ("false alarms on hard non-emergencies ↓", "emergency.hard_false_alarm_rate"),
    ):
        clean, noised = lookup(diet["clean"], path), lookup(diet["noised"], path)
        row = [label, _pct(clean), _pct(noised), _pts(None if clean is None else clean - noised)]
        row.append(_pct(lookup(diet["no_fallback"], path)))
        if alone:
            row += [_pct(lookup(alone["clean"], path)), _pct(lookup(alone["noised"], path))]
        if baseline:
            row += [_pct(lookup(baseline["clean"], path)), _pct(lookup(baseline["noised"], path))]
        rows.append(row)
    lines += _table(header, rows)
    timing = diet["parse_ms"]
    lines += [
        "*model*: the whole pipeline of config.yml (DIET blended with the char n-gram "
        "regression of bot/components/char_ngram_blend.py, the emergency rules, the fallback). "
        "*model no fallback*: the clean test set scored with the best intent other than "
        "`nlu_fallback`, i.e. what the FallbackClassifier of config.yml costs "
        "or saves. *DIET alone*: the same model with the blend weight set to 1 (DIET's own "
        "ranking, then the rules and the fallback). *drop*: clean minus noised, in points.",
        "",
        f"Parse time in-process (`Agent.parse_message`, {timing['n']} messages, clean and "
        f"noised): p50 **{timing['p50']:.1f} ms**, p95 **{timing['p95']:.1f} ms**, "
        f"mean {timing['mean']:.1f} ms.",
    ]
    if baseline:
        lines += [
            f"Baseline: char 1–3-gram TF-IDF + logistic regression (C={baseline['c']:g} by 3-fold "
            f"CV on the training data), arg-max intent with no fallback; trained in "
            f"{baseline['training_seconds']:.0f} s including the CV.",
        ]
    lines += ["", "## Service codes (clean test set)", ""]
    header = ["service_code", "n", "precision", "recall", "F1", "F1 noised"]
    if baseline:
        header += ["baseline F1"]
    rows = []
    for code, row in diet["clean"]["service_code"]["per_code"].items():
        cells = [
            f"`{code}`",
            str(row["support"]),
            _pct(row["precision"]),
            _pct(row["recall"]),
            f"**{_pct(row['f1'])}**",
            _pct(diet["noised"]["service_code"]["per_code"][code]["f1"]),
        ]
        if baseline:
            cells.append(_pct(baseline["clean"]["service_code"]["per_code"][code]["f1"]))
        rows.append(cells)
    lines += _table(header, rows)
    code = diet["clean"]["service_code"]
    lines += [
        f"service_code accuracy including emergencies (their kind's code): "
        f"{_pct(code['accuracy_with_emergencies'])}; reports given no code at all: "
        f"{_pct(code['no_code_rate'])}.",
        "",
        "## Emergencies (clean test set)",
        "",
    ]
    rows = [
        [f"`{kind}`", str(row["support"]), _pct(row["recall"]), _pct(row["kind_accuracy"])]
        for kind, row in diet["clean"]["emergency"]["per_kind"].items()
    ]
    lines += _table(["kind", "n", "recall (any emergency)", "right kind"], rows)
    emergency = diet["clean"]["emergency"]
    lines += [
        f"False alarms: {emergency['false_alarms']} of {emergency['non_emergencies']} "
        f"non-emergency messages ({_pct(emergency['false_alarm_rate'])} %).",
        "",
        "## Non-reports (clean test set)",
        "",
    ]
    rows = [
        [
            f"`{intent}`",
            str(row["support"]),
            _pct(row["rejection_rate"]),
            _pct(row["intent_accuracy"]),
        ]
        for intent, row in diet["clean"]["non_report"]["per_intent"].items()
    ]
    lines += _table(["intent", "n", "no ticket, no emergency", "right intent"], rows)
    lines += ["## Outcome accuracy by slice", ""]
    header = ["slice", "n", "DIET", "DIET noised"] + (["baseline"] if baseline else [])
    rows = []
    for group, row in diet["clean"]["by_group"].items():
        cells = [
            group,
            str(row["n"]),
            _pct(row["outcome_accuracy"]),
            _pct(diet["noised"]["by_group"][group]["outcome_accuracy"]),
        ]
        if baseline:
            cells.append(_pct(baseline["clean"]["by_group"][group]["outcome_accuracy"]))
        rows.append(cells)
    lines += _table(header, rows)
    lines += ["## Top confusions (DIET, clean)", ""]
    rows = [[f"`{g}`", f"`{q}`", str(n)] for g, q, n in diet["clean"]["confusions"]["service_code"]]
    lines += ["service_code of reports:", "", *_table(["gold", "predicted", "n"], rows)]
    rows = [[f"`{g}`", f"`{q}`", str(n)] for g, q, n in diet["clean"]["confusions"]["intent"]]
    lines += ["intents:", "", *_table(["gold", "predicted", "n"], rows)]
    errors = results.get("errors", [])
    lines += [f"## Wrong outcomes (DIET, clean): {len(errors)}", ""]
    rows = [
        [
            e["text"].replace("|", "\\|"),
            e["group"] or "",
            f"`{e['gold']}`",
            f"`{e['predicted']}`"
            + (
                f" (top `{e['top_intent']}` {e['top_confidence']:.2f})"
                if e["predicted"] != e["top_intent"]
                else f" {e['confidence']:.2f}"
            ),
        ]
        for e in errors
    ]
    lines += _table(["message", "slice", "gold", "predicted (confidence)"], rows)
    lines += [
        "## Definitions",
        "",
        "- A message's **service_code** is the code of its intent (`report_<code>`), or for "
        "`emergency_<kind>` the code `api/catalogue.py` gives that kind. `nlu_fallback` (the "
        "FallbackClassifier), `report_start`, non-report and form-answer intents give no code.",
        "- **Per-code precision/recall/F1** and **macro-F1** (mean over the ten codes) are "
        "computed over reports and non-reports, so a non-report filed under a code counts "
        "against that code's precision; emergencies are scored separately. "
        "**service_code accuracy** is over reports only.",
        "- **Emergency recall**: share of emergency messages predicted as any `emergency_*` "
        "intent. **False-alarm rate**: share of all non-emergency messages (reports and "
        "non-reports) predicted as an emergency.",
        "- **Rejection rate**: share of non-reports (greet, thanks, capabilities, ticket_status, "
        "handoff, rate, out_of_scope) that get no code and no emergency.",
        "- **Outcome accuracy**: the bot does the right thing — reports get the right code and "
        "no emergency flag, emergencies are flagged as emergencies, non-reports get no ticket.",
        "- **DIET no fallback**: the same parse with `nlu_fallback` replaced by the best "
        "remaining intent of the ranking; a diagnostic, not how the bot behaves.",
        "- **Noised copy**: every test message passed through `eval/noise.py` (homophone "
        "typos, pinyin, full-width characters, dropped punctuation, spaces, emoji), labels kept.",
        "",
    ]
    return "\n".join(lines)
