"""eval.noise: deterministic, always changes the text, never touches labels.

Standard library only; runs with the Rasa environment's tests (`make test-bot`).
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval.noise import (  # noqa: E402
    EMOJI,
    PINYIN,
    TYPOS,
    noise_examples,
    noise_text,
    noise_texts,
    to_full_width,
)

SAMPLES = [
    ("楼上漏水漏到我屋头了，天花板一直在滴", "report_water_leak"),
    ("屋头跳闸了，推不上去", "report_power_outage"),
    ("电梯坏了但没人被困", "report_housing_repair"),
    ("3栋2单元停水了！", "report_water_supply"),
    ("转人工", "handoff"),
    ("hi", "greet"),
    ("好", "affirm"),
    ("LY-20261123-0001到哪一步了？", "ticket_status"),
    ("", "out_of_scope"),
]


def _fold(text: str) -> str:
    """Undo the layout noise: width, spaces, punctuation and emoji."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def test_same_seed_same_result() -> None:
    for text, _ in SAMPLES:
        assert noise_text(text, seed=7) == noise_text(text, seed=7)


def test_independent_of_order_and_batch() -> None:
    texts = [text for text, _ in SAMPLES]
    forward = noise_texts(texts, seed=3)
    backward = noise_texts(list(reversed(texts)), seed=3)
    assert forward == list(reversed(backward))
    assert forward[:3] == noise_texts(texts[:3], seed=3)


def test_stable_across_processes() -> None:
    """Python's string hashing is salted per process; the noise must not depend on it."""
    text = "楼上漏水漏到我屋头了，电梯也坏了"
    script = f"from eval.noise import noise_text; print(noise_text({text!r}, 11))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"PYTHONHASHSEED": str(salt), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for salt in (1, 2, 3)
    }
    assert len(outputs) == 1
    assert outputs.pop().strip() == noise_text(text, 11)


def test_seed_changes_the_noise() -> None:
    text = "楼上漏水漏到我屋头了，天花板一直在滴，电梯也坏了，物业不管"
    assert len({noise_text(text, seed) for seed in range(10)}) > 1


def test_every_nonempty_text_changes() -> None:
    for seed in range(5):
        for text, _ in SAMPLES:
            if text:
                assert noise_text(text, seed) != text


def test_labels_and_order_are_preserved() -> None:
    noised = noise_examples(SAMPLES, seed=5)
    assert [label for _, label in noised] == [label for _, label in SAMPLES]
    assert len(noised) == len(SAMPLES)
    assert [text for text, _ in noised] == noise_texts([text for text, _ in SAMPLES], seed=5)


def test_labels_of_any_type_pass_through() -> None:
    labelled = [("停电了", {"intent": "report_power_outage", "group": "terse"})]
    assert noise_examples(labelled)[0][1] is labelled[0][1]


def test_noise_stays_close_to_the_text() -> None:
    """Only listed typos, pinyin, width, spaces, punctuation and emoji change."""
    allowed = set().union(*TYPOS.values(), *(set(p) for p in PINYIN.values()), *EMOJI)
    for seed in range(20):
        for text, _ in SAMPLES:
            folded, source = _fold(noise_text(text, seed)), _fold(text)
            extra = set(folded) - set(source)
            assert extra <= {unicodedata.normalize("NFKC", ch) for ch in allowed}, (text, folded)
            assert abs(len(folded) - len(source)) <= 8


def test_full_width() -> None:
    assert to_full_width("3栋B单元") == "３栋Ｂ单元"
    assert unicodedata.normalize("NFKC", to_full_width("LY-2026")) == "LY-2026"
