"""A character 1-3-gram TF-IDF + logistic-regression intent classifier.

The yardstick for DIET: trained on the same data/nlu.yml examples (every intent),
scored on the same test set. It has no fallback: the arg-max intent always wins.
The regularisation strength is chosen by 3-fold cross-validation on the
training data only, never on the test set.

    .venv-rasa/bin/python -m eval.baseline
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from eval.dataset import Example

C_GRID = (1.0, 10.0, 100.0)
SEED = 42


@dataclass
class Baseline:
    pipeline: object
    c: float
    training_seconds: float

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        probabilities = self.pipeline.predict_proba(list(texts))  # type: ignore[attr-defined]
        classes = self.pipeline.classes_  # type: ignore[attr-defined]
        best = probabilities.argmax(axis=1)
        return [
            (str(classes[i]), float(row[i])) for i, row in zip(best, probabilities, strict=True)
        ]


def _pipeline(c: float) -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(C=c, max_iter=3000, random_state=SEED),
    )


def train(examples: Sequence[Example]) -> Baseline:
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    texts = [example.text for example in examples]
    labels = [example.intent for example in examples]
    start = time.perf_counter()
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    scores = {
        c: cross_val_score(_pipeline(c), texts, labels, cv=folds, scoring="f1_macro").mean()
        for c in C_GRID
    }
    best_c = max(scores, key=lambda c: scores[c])
    pipeline = _pipeline(best_c)
    pipeline.fit(texts, labels)  # type: ignore[attr-defined]
    return Baseline(pipeline, best_c, time.perf_counter() - start)


def main() -> int:
    from eval.dataset import TEST_FILE, TRAINING_FILE, load_examples

    model = train(load_examples(TRAINING_FILE))
    test = load_examples(TEST_FILE)
    predicted = model.predict([example.text for example in test])
    correct = sum(
        label == example.intent for (label, _), example in zip(predicted, test, strict=True)
    )
    print(f"C={model.c}  intent accuracy {correct / len(test):.3f} on {len(test)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
