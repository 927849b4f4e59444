"""A fitted reason model as plain numbers, and its JSON file format.

The classifier keeps only what prediction needs — the character n-gram vocabulary, the idf
weights, and the linear model's coefficients and intercepts — so the same code scores texts
before and after a save/load round trip, and a saved model is a JSON file anybody can read
(no pickle: loading a model never runs code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from winback.analyse.reasons.lexicon import FEATURE_REASONS, normalise, rule_features
from winback.analyse.reasons.taxonomy import LossReason

FORMAT: Final = "winback.loss-reasons"
VERSION: Final = 1

Matrix = NDArray[np.float64]


def text_vectorizer(ngram_range: tuple[int, int], vocabulary: dict[str, int] | None = None) -> Any:
    """The character n-gram tf-idf used on normalised text (Chinese needs no segmenting).

    A scikit-learn ``TfidfVectorizer``, imported here so importing winback stays light.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=ngram_range,
        lowercase=False,
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


def feature_matrix(vectorizer: Any, texts: list[str], rule_weight: float) -> sparse.csr_matrix:
    """Text n-grams side by side with the keyword-rule scores (scaled by ``rule_weight``)."""
    ngrams = vectorizer.transform([normalise(text) for text in texts])
    if rule_weight == 0.0:
        rules = np.zeros((len(texts), len(FEATURE_REASONS)))
    else:
        rules = np.array([rule_features(t) for t in texts], dtype=np.float64) * rule_weight
    return sparse.hstack([ngrams, sparse.csr_matrix(rules)], format="csr")


@dataclass(frozen=True, eq=False)
class LinearWeights:
    """Everything needed to score texts: vocabulary, idf, coefficients, intercepts."""

    classes: tuple[LossReason, ...]
    ngram_range: tuple[int, int]
    rule_weight: float
    vocabulary: dict[str, int]
    idf: Matrix
    coef: Matrix
    intercept: Matrix
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def vectorizer(self) -> Any:
        vectorizer = text_vectorizer(self.ngram_range, self.vocabulary)
        vectorizer.idf_ = self.idf
        return vectorizer

    def probabilities(self, texts: list[str]) -> Matrix:
        """Class probabilities, one row per text, columns ordered like ``classes``."""
        features = feature_matrix(self.vectorizer, texts, self.rule_weight)
        logits = np.asarray(features @ self.coef.T) + self.intercept
        if logits.shape[1] == 1:  # a two-class model scores only the second class
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probabilities: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "classes": [str(code) for code in self.classes],
            "ngram_range": list(self.ngram_range),
            "rule_weight": self.rule_weight,
            "vocabulary": self.vocabulary,
            "idf": self.idf.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearWeights:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"not a {FORMAT} version {VERSION} model file")
        low, high = data["ngram_range"]
        return cls(
            classes=tuple(LossReason(code) for code in data["classes"]),
            ngram_range=(int(low), int(high)),
            rule_weight=float(data["rule_weight"]),
            vocabulary={str(gram): int(i) for gram, i in data["vocabulary"].items()},
            idf=np.asarray(data["idf"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            meta=dict(data.get("meta", {})),
        )


def write_weights(weights: LinearWeights, path: str | Path) -> None:
    """Write ``weights`` as UTF-8 JSON."""
    text = json.dumps(weights.to_json(), ensure_ascii=False, separators=(",", ":"))
    Path(path).write_text(text, encoding="utf-8")


def read_weights(path: str | Path) -> LinearWeights:
    """Read weights written by :func:`write_weights`; ``ValueError`` if the file is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a {FORMAT} model file ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a {FORMAT} model file")
    return LinearWeights.from_json(data)
