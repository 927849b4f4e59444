"""The shipped labelled set, and the default classifier trained from it on first use.

``labelled.csv`` (columns ``text,lang,source,reason``) holds short texts written the way
buyers write them — cancel-form choices, buyer/staff chat lines, order remarks, reviews,
survey answers — in Chinese and English, each labelled with a reason code. A store can add its
own labelled outcomes (agent-recorded reasons) with ``default_classifier(extra=...)``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from winback.analyse.reasons.model import ReasonClassifier
from winback.analyse.reasons.taxonomy import LossReason


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One hand-labelled example."""

    text: str
    lang: str
    source: str
    reason: LossReason


def shipped_path() -> Path:
    """Where the shipped labelled set lives inside the installed package."""
    return Path(str(resources.files("winback.analyse.reasons") / "labelled.csv"))


def load_labelled(path: str | Path | None = None) -> list[LabelledText]:
    """Read a labelled set (the shipped one by default); ``ValueError`` on a bad reason code."""
    source = Path(path) if path is not None else shipped_path()
    with source.open(encoding="utf-8", newline="") as handle:
        return [
            LabelledText(row["text"], row["lang"], row["source"], LossReason(row["reason"]))
            for row in csv.DictReader(handle)
        ]


def default_classifier(extra: Iterable[tuple[str, LossReason | str]] = ()) -> ReasonClassifier:
    """A classifier trained on the shipped set, plus ``extra`` (text, reason code) pairs.

    Without ``extra`` the model is trained once per process and shared.
    """
    pairs = list(extra)
    if not pairs:
        return _shipped_classifier()
    examples = load_labelled()
    texts = [example.text for example in examples] + [text for text, _ in pairs]
    labels = [example.reason for example in examples] + [LossReason(code) for _, code in pairs]
    return ReasonClassifier().fit(texts, labels)


@cache
def _shipped_classifier() -> ReasonClassifier:
    """The shipped model file, loaded once per process (trained here only if it is stale)."""
    from winback.analyse.reasons import shipped

    return shipped.load() or shipped.train()
