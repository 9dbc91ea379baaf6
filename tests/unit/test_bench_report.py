"""The benchmark's report: the machine read from /proc, and a full run keeping the README's head."""

import json
from pathlib import Path

from bench.memory import role_of
from bench.report import MARKER, cpu_model, ram_gib, write

CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n"


def test_the_machine_is_read_from_proc() -> None:
    assert cpu_model(CPUINFO) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\n") == "unknown"
    assert ram_gib("MemTotal:       24641536 kB\nMemFree: 1 kB\n") == 23.5


def figures(label: str) -> dict[str, object]:
    machine = {
        "date": "2026-12-04T20:00:00+00:00", "cores": 8, "ram_gib": 32.0, "cpu": "x",
        "load_average_at_start": [0.1, 0.1, 0.1], "git_commit": "0123456789abcdef",
        "uncommitted_changes": False,
    }  # fmt: skip
    return {"label": label, "machine": machine, "parse": {"max_under_1s": False}}


def test_a_full_run_replaces_only_the_figures_below_the_marker(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Format\n\nwhat the fields mean\n\n{MARKER}\n\nold figures\n")
    data, summary = write(figures("full"), tmp_path, full=True)
    text = summary.read_text()
    assert summary == readme and text.startswith("# Format\n\nwhat the fields mean")
    assert "old figures" not in text and text.count(MARKER) == 1
    assert "every call under 1 s: NO" in text and "8 cores, 32.0 GiB" in text
    assert json.loads(data.read_text())["label"] == "full" and data.name == "bench.json"


def test_a_quick_run_leaves_the_full_figures_alone(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("full figures\n")
    data, summary = write(figures("quick"), tmp_path, full=False)
    assert (data.name, summary.name) == ("quick.json", "quick.md")
    assert (tmp_path / "README.md").read_text() == "full figures\n"


def test_processes_are_told_apart_by_their_command_line() -> None:
    rasa = ["/p/.venv-rasa/bin/python", "/p/bot/rasa_cli.py", "run", "--port", "5005"]
    app = ["/p/.venv/bin/python", "-m", "uvicorn", "api.main:create_app", "--factory"]
    assert role_of(rasa) == "rasa" and role_of(app) == "app"
    assert role_of(["/p/bot/rasa_cli.py", "train"]) is None and role_of([]) is None
