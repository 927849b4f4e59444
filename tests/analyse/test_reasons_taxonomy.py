"""The loss-reason taxonomy: stable codes, complete labels, the exact public API."""

from __future__ import annotations

import subprocess
import sys

import pytest

import winback.analyse.reasons as reasons
from winback.analyse.reasons import LABELS, LossReason, label

STABLE_CODES = [
    "changed_mind",
    "insufficient_funds",
    "found_cheaper",
    "distrust",
    "poor_service_attitude",
    "price_not_agreed",
    "out_of_stock",
    "slow_service",
    "extra_costs",
    "slow_delivery",
    "return_policy",
    "payment_method",
    "forced_registration",
    "checkout_problem",
    "reorder_requested",
    "product_quality",
    "unknown",
]


def test_the_codes_are_exactly_the_stable_list_in_order() -> None:
    assert [reason.value for reason in LossReason] == STABLE_CODES


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_has_a_non_empty_label_in_both_languages(lang: str) -> None:
    assert set(LABELS) == set(LossReason)
    assert all(label(reason, lang).strip() for reason in LossReason)  # type: ignore[arg-type]


def test_labels_carry_the_seed_wording() -> None:
    assert label("insufficient_funds", "zh") == "余额不足"
    assert label(LossReason.REORDER_REQUESTED, "zh") == "客服让重拍"
    assert label("extra_costs") == "High shipping / extra costs"


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError):
        label("quality")


def test_the_package_exports_exactly_its_public_api() -> None:
    assert sorted(reasons.__all__) == sorted(
        [
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
    )


def test_importing_the_package_loads_neither_jieba_nor_scikit_learn() -> None:
    code = (
        "import sys, winback.analyse.reasons\n"
        "print(sorted({'jieba', 'sklearn'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
