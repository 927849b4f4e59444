"""The trainable loss-reason classifier: character n-grams plus keyword rules.

A multinomial logistic regression reads two kinds of features side by side: tf-idf weighted
character 1–3-grams of the normalised text (robust to typos, slang and the lack of spaces in
Chinese) and, per reason, the summed strength of the keyword rules that fire
(:mod:`~winback.analyse.reasons.lexicon`). The regression learns how far to trust each rule,
so the rules are a feature, not a veto. Every training text is seen twice, once with its
rule scores and once without ("rule dropout"), so the n-gram part also learns to classify
the many texts no keyword covers instead of calling them ``unknown``.

Every prediction carries the model's probability for its best reason. When that probability is
below ``threshold`` the answer is ``unknown``: the best guess is still reported, as a guess.

Reference: Joulin et al. (2017), "Bag of Tricks for Efficient Text Classification" — linear
models over n-gram features are a strong baseline for short texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Self

import numpy as np
from scipy import sparse

from winback.analyse.reasons.lexicon import normalise, rule_hits
from winback.analyse.reasons.taxonomy import LossReason
from winback.analyse.reasons.weights import (
    LinearWeights,
    feature_matrix,
    read_weights,
    text_vectorizer,
    write_weights,
)

DEFAULT_THRESHOLD: Final = 0.30
"""Below this probability the answer is ``unknown``.

Tuned with ``C`` on the validation split (``tests/data/reasons_validation.csv``): the highest
threshold within 0.02 macro-F1 of the best one; see ``docs/loss-reasons.md``.
"""
DEFAULT_C: Final = 100.0
DEFAULT_RULE_WEIGHT: Final = 0.5
NGRAM_RANGE: Final = (1, 3)


@dataclass(frozen=True, slots=True)
class Prediction:
    """A classified text.

    ``reason`` is the answer (``unknown`` when the model is not sure), ``guess`` the model's
    best reason whatever its probability, ``confidence`` the probability of ``guess`` in
    [0, 1], and ``evidence`` the keywords in the text that point at ``guess``.
    """

    reason: LossReason
    confidence: float
    evidence: tuple[str, ...]
    guess: LossReason


class ReasonClassifier:
    """Classify free text (cancel reasons, chats, reviews; Chinese or English) by loss reason.

    scikit-learn style: ``fit`` returns self; fitted state lives in ``weights_``.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        c: float = DEFAULT_C,
        rule_weight: float = DEFAULT_RULE_WEIGHT,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], not {threshold}")
        self.threshold = threshold
        self.c = c
        self.rule_weight = rule_weight
        self.weights_: LinearWeights | None = None

    def fit(self, texts: Sequence[str], labels: Iterable[LossReason | str]) -> Self:
        """Learn from ``texts`` and their reason codes (``ValueError`` on an unknown code)."""
        codes = [LossReason(label) for label in labels]
        if len(codes) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(codes)} labels")
        if len(set(codes)) < 2:
            raise ValueError("fit needs examples of at least two reasons")
        self.weights_ = _train(list(texts), codes, self.c, self.rule_weight)
        return self

    @property
    def classes_(self) -> tuple[LossReason, ...]:
        return self._weights().classes

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities per text, columns ordered like ``classes_``."""
        return self._weights().probabilities(list(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One :class:`Prediction` per text, in order."""
        texts = list(texts)
        if not texts:
            return []
        probabilities = self.predict_proba(texts)
        return [self._decide(text, row) for text, row in zip(texts, probabilities, strict=True)]

    def save(self, path: str | Path) -> None:
        """Write the fitted model and its threshold to a JSON file."""
        weights = self._weights()
        meta = {**weights.meta, "threshold": self.threshold, "c": self.c}
        write_weights(replace(weights, meta=meta), path)

    @classmethod
    def load(cls, path: str | Path) -> ReasonClassifier:
        """Read a model written by :meth:`save`."""
        weights = read_weights(path)
        model = cls(
            threshold=float(weights.meta.get("threshold", DEFAULT_THRESHOLD)),
            c=float(weights.meta.get("c", DEFAULT_C)),
            rule_weight=weights.rule_weight,
        )
        model.weights_ = weights
        return model

    def _decide(self, text: str, probabilities: np.ndarray) -> Prediction:
        best = int(np.argmax(probabilities))
        guess = self.classes_[best]
        confidence = float(min(1.0, max(0.0, probabilities[best])))
        sure = guess is not LossReason.UNKNOWN and confidence >= self.threshold
        evidence = tuple(dict.fromkeys(h.keyword for h in rule_hits(text) if h.reason is guess))
        return Prediction(guess if sure else LossReason.UNKNOWN, confidence, evidence, guess)

    def _weights(self) -> LinearWeights:
        if self.weights_ is None:
            raise ValueError("this ReasonClassifier is not fitted yet: call fit() or load()")
        return self.weights_


def _train(
    texts: list[str], codes: list[LossReason], c: float, rule_weight: float
) -> LinearWeights:
    vectorizer = text_vectorizer(NGRAM_RANGE).fit([normalise(t) for t in texts])
    from sklearn.linear_model import LogisticRegression

    with_rules = feature_matrix(vectorizer, texts, rule_weight)
    without_rules = feature_matrix(vectorizer, texts, 0.0)
    features = sparse.vstack([with_rules, without_rules], format="csr")
    targets = [str(code) for code in codes] * 2
    regression = LogisticRegression(C=c, max_iter=5000).fit(features, targets)
    return LinearWeights(
        classes=tuple(LossReason(code) for code in regression.classes_),
        ngram_range=NGRAM_RANGE,
        rule_weight=rule_weight,
        vocabulary={str(gram): int(i) for gram, i in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(regression.coef_, dtype=np.float64),
        intercept=np.asarray(regression.intercept_, dtype=np.float64),
        meta={"examples": len(texts)},
    )
