"""The char n-gram blend: text folding, and how DIET's ranking and the regression mix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("rasa")

from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.components.char_ngram_blend import CharNgramBlend, fold  # noqa: E402


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("漏 水", "漏水"),
        ("楼上ＬＯＵ水！！😭", "楼上lou水"),
        ("no water，整个3单元都干了", "no water整个3单元都干了"),
        ("3 栋 2 单元", "3栋2单元"),
        ("   ", ""),
        ("路灯坏了，电话13812345678", "路灯坏了电话#"),
        ("查下LY-20261120-0123", "查下ly#"),
    ],
)
def test_fold_keeps_letters_and_digits_only(text: str, folded: str) -> None:
    assert fold(text) == folded


class _FakeRegression:
    classes_ = ("report_gas", "report_water_leak")

    def predict_proba(self, texts: list[str]) -> list[list[float]]:
        return [[0.1, 0.9] for _ in texts]


def _blend(weight: float) -> CharNgramBlend:
    component: Any = CharNgramBlend.__new__(CharNgramBlend)
    component._config = {**CharNgramBlend.get_default_config(), "weight": weight}
    component._model = _FakeRegression()
    return component


def _message(text: str) -> Message:
    message = Message(data={"text": text})
    ranking = [
        {"name": "report_gas", "confidence": 0.7},
        {"name": "greet", "confidence": 0.3},
    ]
    message.set("intent", ranking[0])
    message.set("intent_ranking", ranking)
    return message


def test_the_two_distributions_are_averaged_by_weight() -> None:
    message = _message("楼上lou水")
    _blend(0.5).process([message])
    ranking = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
    assert message.get("intent")["name"] == "report_water_leak"
    assert ranking["report_water_leak"] == pytest.approx(0.45)
    assert ranking["report_gas"] == pytest.approx(0.4)
    assert ranking["greet"] == pytest.approx(0.15)


def test_weight_one_is_diet_alone() -> None:
    message = _message("燃气打不燃")
    _blend(1.0).process([message])
    assert message.get("intent")["name"] == "report_gas"
    assert message.get("intent")["confidence"] == pytest.approx(0.7)


def test_an_empty_message_is_left_alone() -> None:
    message = _message("  ")
    _blend(0.5).process([message])
    assert message.get("intent") == {"name": "report_gas", "confidence": 0.7}


_TEXTS = [
    "楼上漏水", "卫生间漏水了", "天花板在滴水", "墙上渗水", "水管爆了到处是水",
    "家里停电了", "小区停电", "电闸跳了没电", "整栋楼没电", "又断电了",
]  # fmt: skip
_INTENTS = ["report_water_leak"] * 5 + ["report_power_outage"] * 5


def _fit(**options: Any) -> Any:
    config = {**CharNgramBlend.get_default_config(), **options}
    return CharNgramBlend.fit_model(_TEXTS, _INTENTS, config), config


def test_the_pinyin_view_reads_a_pinyin_fragment_like_the_characters() -> None:
    model, config = _fit(pinyin_view=True)
    texts = [CharNgramBlend.features_text(t, config) for t in ("lou shui le", "ting dian")]
    assert list(model.predict(texts)) == ["report_water_leak", "report_power_outage"]


def test_the_fuzzy_pinyin_view_is_an_option() -> None:
    model, config = _fit(pinyin_view=True, pinyin_fuzzy=True)
    assert model.predict([CharNgramBlend.features_text("tin dian", config)])[0] == (
        "report_power_outage"
    )


def test_augmentation_adds_noised_copies_at_training_time_only() -> None:
    plain, _ = _fit()
    augmented, _ = _fit(augment=2)
    vocabulary = augmented.steps[0][1].vocabulary_
    assert len(vocabulary) > len(plain.steps[0][1].vocabulary_)
    assert list(augmented.classes_) == ["report_power_outage", "report_water_leak"]


def test_the_prediction_layout_changes_no_probability() -> None:
    """The weights are kept in the order fast for one message; the numbers stay the same."""
    import numpy as np

    model, config = _fit(pinyin_view=True)
    texts = [CharNgramBlend.features_text(t, config) for t in ("楼上在漏水", "停电了")]
    fast = model.predict_proba(texts)
    classifier = model.steps[-1][1]
    classifier.coef_ = np.ascontiguousarray(classifier.coef_)
    assert np.allclose(model.predict_proba(texts), fast)
    assert list(model.classes_[fast.argmax(axis=1)]) == ["report_water_leak", "report_power_outage"]
