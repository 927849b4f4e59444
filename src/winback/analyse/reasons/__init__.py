"""Why orders are lost (PRODUCT.md D3): the reason taxonomy and a text classifier.

>>> from winback.analyse.reasons import default_classifier
>>> [p.reason for p in default_classifier().predict(["运费太贵了"])]   # doctest: +SKIP
[<LossReason.EXTRA_COSTS: 'extra_costs'>]

See ``docs/loss-reasons.md`` for the taxonomy, the labelled set and measured accuracy.
"""

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
