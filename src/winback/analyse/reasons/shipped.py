"""The shipped reason model: trained once from the labelled set, stored beside it.

Training takes seconds (jieba's dictionary, the keyword features, the regression), too long
to repeat in every ``winback`` process, so the fitted numbers ship as ``model.npz`` — the
n-gram vocabulary, idf, coefficients (float32) and intercepts, plus the SHA-1 of the labelled
set they were fitted on. Loading uses ``numpy.load(allow_pickle=False)``: no code runs.

Rebuild after editing ``labelled.csv``, the keyword tables or the model::

    .venv/bin/python -m winback.analyse.reasons.shipped

``tests/analyse/test_reasons_shipped.py`` fails when the shipped file is not what this
builds. If the labelled set changes and the file is not rebuilt, the classifier notices the
SHA-1 mismatch and trains in process instead of using stale numbers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final

import numpy as np

from winback.analyse.reasons.labelled import load_labelled, shipped_path
from winback.analyse.reasons.model import ReasonClassifier
from winback.analyse.reasons.taxonomy import LossReason
from winback.analyse.reasons.weights import LinearWeights

MODEL_FILE: Final = "model.npz"


def model_path() -> Path:
    """Where the shipped model lives inside the installed package."""
    return shipped_path().with_name(MODEL_FILE)


def labelled_sha1(path: Path | None = None) -> str:
    """The SHA-1 of the labelled set's bytes."""
    return hashlib.sha1((path or shipped_path()).read_bytes()).hexdigest()


def train() -> ReasonClassifier:
    """A classifier fitted on the shipped labelled set, with the default settings."""
    examples = load_labelled()
    return ReasonClassifier().fit([e.text for e in examples], [e.reason for e in examples])


def build(path: Path | None = None) -> Path:
    """Train and write the shipped model file; returns its path."""
    target = path or model_path()
    weights = train()._weights()
    vocabulary = sorted(weights.vocabulary, key=weights.vocabulary.__getitem__)
    meta = {**weights.meta, "labelled_sha1": labelled_sha1()}
    with target.open("wb") as handle:
        np.savez_compressed(
            handle,
            classes=np.array([str(code) for code in weights.classes]),
            vocabulary=np.array(vocabulary),
            idf=weights.idf.astype(np.float32),
            coef=weights.coef.astype(np.float32),
            intercept=weights.intercept,
            settings=np.array(
                json.dumps(
                    {"ngram_range": list(weights.ngram_range), "rule_weight": weights.rule_weight}
                )
            ),
            meta=np.array(json.dumps(meta)),
        )
    return target


def load(path: Path | None = None) -> ReasonClassifier | None:
    """The shipped classifier, or None when the file is missing or was fitted on other data."""
    source = path or model_path()
    if not source.exists():
        return None
    with np.load(source, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("labelled_sha1") != labelled_sha1():
            return None
        settings = json.loads(str(data["settings"]))
        low, high = settings["ngram_range"]
        weights = LinearWeights(
            classes=tuple(LossReason(code) for code in data["classes"].tolist()),
            ngram_range=(int(low), int(high)),
            rule_weight=float(settings["rule_weight"]),
            vocabulary={str(gram): i for i, gram in enumerate(data["vocabulary"].tolist())},
            idf=data["idf"].astype(np.float64),
            coef=data["coef"].astype(np.float64),
            intercept=data["intercept"].astype(np.float64),
            meta=meta,
        )
    model = ReasonClassifier(rule_weight=weights.rule_weight)
    model.weights_ = weights
    return model


if __name__ == "__main__":
    print(f"wrote {build()}")
