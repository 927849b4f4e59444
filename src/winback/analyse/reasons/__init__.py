"""Why orders are lost (PRODUCT.md D3): the reason taxonomy and a text classifier.

>>> from winback.analyse.reasons import default_classifier
>>> [p.reason for p in default_classifier().predict(["运费太贵了"])]   # doctest: +SKIP
[<LossReason.EXTRA_COSTS: 'extra_costs'>]

See ``docs/loss-reasons.md`` for the taxonomy, the labelled set and measured accuracy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from winback.analyse.reasons.labelled import (
        LabelledText,
        default_classifier,
        load_labelled,
        shipped_path,
    )
    from winback.analyse.reasons.lexicon import RuleHit, rule_hits
    from winback.analyse.reasons.model import DEFAULT_THRESHOLD, Prediction, ReasonClassifier
    from winback.analyse.reasons.taxonomy import LABELS, LossReason, label


__all__ = [
    "DEFAULT_THRESHOLD",
    "LABELS",
    "LabelledText",
    "LossReason",
    "Prediction",
    "ReasonClassifier",
    "RuleHit",
    "default_classifier",
    "label",
    "load_labelled",
    "rule_hits",
    "shipped_path",
]

_HOME = {
    "LabelledText": "labelled",
    "default_classifier": "labelled",
    "load_labelled": "labelled",
    "shipped_path": "labelled",
    "RuleHit": "lexicon",
    "rule_hits": "lexicon",
    "DEFAULT_THRESHOLD": "model",
    "Prediction": "model",
    "ReasonClassifier": "model",
    "LABELS": "taxonomy",
    "LossReason": "taxonomy",
    "label": "taxonomy",
}


def __getattr__(name: str) -> Any:
    """The names above, loaded on first use (PEP 562): a submodule such as ``platform`` or
    ``taxonomy`` is imported without the model (NumPy, SciPy's sparse matrices)."""
    if name in _HOME:
        return getattr(import_module(f"winback.analyse.reasons.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
