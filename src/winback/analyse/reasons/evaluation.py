"""Measuring the reason classifier: per-reason precision, recall and F1, and macro-F1.

Used by ``bench/reasons_eval.py`` and by the regression test. Folds are stratified by reason,
so every reason is scored in every fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split

from winback.analyse.reasons.labelled import LabelledText
from winback.analyse.reasons.model import ReasonClassifier
from winback.analyse.reasons.taxonomy import LossReason


@dataclass(frozen=True, slots=True)
class ReasonScore:
    reason: LossReason
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Scores per reason (taxonomy order) and their unweighted mean F1."""

    per_reason: tuple[ReasonScore, ...]
    macro_f1: float
    accuracy: float


def score(truth: Sequence[LossReason], predicted: Sequence[LossReason]) -> Evaluation:
    """Compare predicted reasons with the truth, reason by reason."""
    reasons = [reason for reason in LossReason if reason in set(truth) | set(predicted)]
    precision, recall, f1, support = precision_recall_fscore_support(
        [str(t) for t in truth],
        [str(p) for p in predicted],
        labels=[str(r) for r in reasons],
        zero_division=0.0,
    )
    rows = tuple(
        ReasonScore(reason, float(p), float(r), float(f), int(s))
        for reason, p, r, f, s in zip(reasons, precision, recall, f1, support, strict=True)
    )
    scored = [row.f1 for row in rows if row.support > 0]
    hits = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return Evaluation(rows, float(np.mean(scored)), hits / max(1, len(truth)))


def cross_validated(
    examples: Sequence[LabelledText], model: ReasonClassifier, folds: int = 5, seed: int = 0
) -> tuple[list[LossReason], np.ndarray, tuple[LossReason, ...]]:
    """Out-of-fold predicted reasons and probabilities for every example.

    ``model`` gives the settings; a fresh copy is fitted per fold. Returns the predicted
    reasons, the probabilities (columns ordered like the returned classes) and the classes.
    """
    texts = [example.text for example in examples]
    labels = [example.reason for example in examples]
    classes = tuple(reason for reason in LossReason if reason in set(labels))
    predicted: list[LossReason] = [LossReason.UNKNOWN] * len(texts)
    probabilities = np.zeros((len(texts), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, [str(label) for label in labels]):
        fitted = _copy(model).fit([texts[i] for i in train], [labels[i] for i in train])
        held = [texts[i] for i in test]
        columns = [classes.index(reason) for reason in fitted.classes_]
        probabilities[np.ix_(test, columns)] = fitted.predict_proba(held)
        for i, prediction in zip(test, fitted.predict(held), strict=True):
            predicted[i] = prediction.reason
    return predicted, probabilities, classes


def fitted_and_scored(
    train: Sequence[LabelledText], test: Sequence[LabelledText], model: ReasonClassifier
) -> Evaluation:
    """Fit a copy of ``model`` on ``train`` and score it on ``test``."""
    fitted = _copy(model).fit([e.text for e in train], [e.reason for e in train])
    return score(
        [e.reason for e in test], [p.reason for p in fitted.predict([e.text for e in test])]
    )


def held_out(
    examples: Sequence[LabelledText], model: ReasonClassifier, share: float = 0.25, seed: int = 0
) -> Evaluation:
    """Fit on a stratified part of ``examples`` and score the held-out ``share``."""
    train, test = train_test_split(
        list(examples),
        test_size=share,
        random_state=seed,
        stratify=[str(example.reason) for example in examples],
    )
    return fitted_and_scored(train, test, model)


def _copy(model: ReasonClassifier) -> ReasonClassifier:
    return ReasonClassifier(
        threshold=model.threshold,
        long_threshold=model.long_threshold,
        c=model.c,
        rule_weight=model.rule_weight,
    )
