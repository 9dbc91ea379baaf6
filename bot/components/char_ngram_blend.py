"""DIET's intent scores blended with a character n-gram logistic regression.

DIET reads words as jieba cuts them; a typo (楼上lou水, 跳匣), a dialect word or
an inserted space changes the cut. A logistic regression over TF-IDF weighted
character 1-3-grams of the whole message (letters and digits only, across word
boundaries) does not care where the cut is, and on a dev split of the training
data it placed more reports under the right code than DIET did, DIET being
better on some non-report and emergency wording. This component averages the
two probability distributions: `weight` is DIET's share.

It runs after DIETClassifier (which must rank every intent: `ranking_length: 0`)
and before the emergency rule layer and the FallbackClassifier.

Two options make the regression harder to fool with typing noise (see
bot/components/typing_noise.py, a generator written independently of the
evaluation's noise tables):

* `pinyin_view`: a second TF-IDF block over the toneless pinyin of the folded
  message (syllable 1-2-grams), so 漏水, 露水 and lou水 share features;
* `augment`: at training time each example also appears as that many noised
  copies (homophone, near-pinyin and look-alike typos, pinyin fragments),
  seeded per text, so training is deterministic. data/nlu.yml is unchanged and
  DIET never sees the copies.
"""

from __future__ import annotations

import pickle
import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

INTENT_RANKING_KEY = "intent_ranking"
_FILE = "char_ngram_blend.pkl"


_LONG_NUMBER = re.compile(r"\d{5,}")


def fold(text: str) -> str:
    """Letters and digits only, width and case folded, long numbers as one mark.

    Spaces, punctuation and emoji carry nothing for the intent but break n-grams
    (漏 水, 漏水!!, 漏水😭); a space is kept only between two Latin letters or
    digits, so ``no water`` does not become ``nowater``. A phone or ticket number
    becomes ``#``: its digits would otherwise make a dozen n-grams that only say
    "this message is mostly a number" and pull a report towards `inform`.
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", text).lower():
        if unicodedata.category(char)[0] in "LN":
            if kept and kept[-1] == " " and not (char.isascii() and kept[-2].isascii()):
                kept.pop()
            kept.append(char)
        elif char.isspace() and kept and kept[-1] != " " and kept[-1].isascii():
            kept.append(" ")
    return _LONG_NUMBER.sub("#", "".join(kept).strip())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CharNgramBlend(GraphComponent):
    """Averages DIET's intent ranking with a char n-gram logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "weight": 0.5,
            "c": 100.0,
            "max_ngram": 3,
            "random_seed": 42,
            "ranking_length": 10,
            "pinyin_view": False,
            "pinyin_fuzzy": False,
            "augment": 0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model  # an sklearn pipeline: TF-IDF, then logistic regression

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CharNgramBlend:
        return cls(config, model_storage, resource)

    @staticmethod
    def fit_model(texts: list[str], intents: list[str], config: dict[str, Any]) -> Any:
        """The fitted sklearn pipeline for raw texts and their intents (options in `config`)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features: Any = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, int(config["max_ngram"])),
            sublinear_tf=True,
            lowercase=False,
        )
        if config.get("pinyin_view"):
            from bot.components.typing_noise import to_fuzzy_pinyin, to_pinyin

            features = make_union(
                features,
                TfidfVectorizer(
                    analyzer="word",
                    preprocessor=to_fuzzy_pinyin if config.get("pinyin_fuzzy") else to_pinyin,
                    token_pattern=r"\S+",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    lowercase=False,
                ),
            )
        model = make_pipeline(
            features,
            LogisticRegression(
                C=float(config["c"]), max_iter=3000, random_state=int(config["random_seed"])
            ),
        )
        copies = int(config.get("augment") or 0)
        if copies > 0:
            from bot.components.typing_noise import noisy_copies

            noised = noisy_copies(texts, copies, seed=int(config["random_seed"]))
            texts = [*texts, *(copy for group in noised for copy in group)]
            intents = [*intents, *(intent for intent in intents for _ in range(copies))]
        model.fit([fold(text) for text in texts], intents)
        return _fast_to_predict(model)

    @staticmethod
    def features_text(text: str, config: dict[str, Any]) -> str:
        """What the fitted pipeline of `fit_model` is given for a message."""
        return fold(text)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            return self._resource
        self._model = self.fit_model(
            [m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples], self._config
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CharNgramBlend:
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / _FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            pass
        return cls(config, model_storage, resource, _fast_to_predict(model))

    def process(self, messages: list[Message]) -> list[Message]:
        """Blend DIET's ranking with the regression's probabilities."""
        if self._model is None:
            return messages
        texts = [m.get(TEXT) if isinstance(m.get(TEXT), str) else "" for m in messages]
        probabilities = self._model.predict_proba(
            [self.features_text(text, self._config) for text in texts]
        )
        classes = [str(c) for c in self._model.classes_]
        weight = float(self._config["weight"])
        for message, text, row in zip(messages, texts, probabilities, strict=True):
            if not text.strip():
                continue
            diet = {
                entry[INTENT_NAME_KEY]: float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                for entry in message.get(INTENT_RANKING_KEY) or []
            }
            if not diet:
                continue
            regression = dict(zip(classes, (float(p) for p in row), strict=True))
            blended = {
                name: weight * diet.get(name, 0.0) + (1 - weight) * regression.get(name, 0.0)
                for name in diet.keys() | regression.keys()
            }
            ranking = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in sorted(blended.items(), key=lambda kv: -kv[1])
            ][: int(self._config["ranking_length"])]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def _fast_to_predict(model: Any) -> Any:
    """The same pipeline, with its weights laid out for one message at a time.

    Predicting multiplies the sparse features by the transposed weights; with the
    weights in C order scipy copies the whole matrix (classes x features, 14 MB)
    on every call: 2.5 ms a message, against 0.75 ms in Fortran order.
    """
    if model is None:
        return None
    classifier = model.steps[-1][1]
    coef = getattr(classifier, "coef_", None)
    if coef is not None:
        import numpy as np

        classifier.coef_ = np.asfortranarray(coef)
    return model
