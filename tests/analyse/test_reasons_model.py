"""The trainable classifier: confidence, the unknown answer, saving, retraining."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winback.analyse.reasons import (
    LossReason,
    Prediction,
    ReasonClassifier,
    default_classifier,
    load_labelled,
)

R = LossReason


@pytest.fixture(scope="module")
def classifier() -> ReasonClassifier:
    return default_classifier()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我不想买了", R.CHANGED_MIND),
        ("支付宝余额不够了", R.INSUFFICIENT_FUNDS),
        ("运费太贵了", R.EXTRA_COSTS),
        ("黑色M号缺货", R.OUT_OF_STOCK),
        ("客服说要取消重新拍才能改价", R.REORDER_REQUESTED),
        ("Found it cheaper elsewhere", R.FOUND_CHEAPER),
        ("The checkout page kept crashing", R.CHECKOUT_PROBLEM),
        ("好的", R.UNKNOWN),
    ],
)
def test_the_default_classifier_names_the_reason_of_a_plain_text(
    classifier: ReasonClassifier, text: str, reason: LossReason
) -> None:
    [prediction] = classifier.predict([text])
    assert prediction.reason is reason


def test_a_prediction_carries_its_confidence_and_the_keywords_behind_it(
    classifier: ReasonClassifier,
) -> None:
    [prediction] = classifier.predict(["亲，运费太贵了，不包邮吗"])
    assert prediction.reason is R.EXTRA_COSTS is prediction.guess
    assert 0.3 <= prediction.confidence <= 1.0
    assert "运费" in prediction.evidence


def test_below_the_threshold_the_answer_is_unknown_but_the_guess_is_kept(
    classifier: ReasonClassifier,
) -> None:
    strict = ReasonClassifier(threshold=0.999)
    strict.weights_ = classifier.weights_
    [sure] = classifier.predict(["运费太贵了"])
    [unsure] = strict.predict(["运费太贵了"])
    assert sure.reason is R.EXTRA_COSTS
    assert (unsure.reason, unsure.guess) == (R.UNKNOWN, R.EXTRA_COSTS)
    assert unsure.confidence == sure.confidence < 0.999


def test_gibberish_is_unknown(classifier: ReasonClassifier) -> None:
    assert [p.reason for p in classifier.predict(["qwzx", "？？", ""])] == [R.UNKNOWN] * 3


def test_save_and_load_give_identical_predictions(
    classifier: ReasonClassifier, tmp_path: Path
) -> None:
    texts = [*[e.text for e in load_labelled()][::7], "完全没见过的句子", "xyz"]
    path = tmp_path / "reasons.json"
    classifier.save(path)
    loaded = ReasonClassifier.load(path)
    assert loaded.predict(texts) == classifier.predict(texts)
    assert loaded.threshold == classifier.threshold


def test_the_saved_file_is_plain_json(classifier: ReasonClassifier, tmp_path: Path) -> None:
    path = tmp_path / "reasons.json"
    classifier.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "winback.loss-reasons"
    assert data["classes"] == [str(reason) for reason in classifier.classes_]


def test_loading_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"not a winback\.loss-reasons"):
        ReasonClassifier.load(path)


def test_retraining_with_the_stores_own_outcomes_changes_a_prediction(
    classifier: ReasonClassifier,
) -> None:
    text = "数字人民币能用吗"
    before = classifier.predict([text])[0]
    extra = [
        ("数字人民币能用吗", "payment_method"),
        ("想用数字人民币付", "payment_method"),
        ("数字人民币不支持啊", "payment_method"),
        ("有数字人民币支付吗", "payment_method"),
    ]
    after = default_classifier(extra=extra).predict([text])[0]
    assert before.reason is not R.PAYMENT_METHOD
    assert after.reason is R.PAYMENT_METHOD


def test_an_unfitted_classifier_says_so() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        ReasonClassifier().predict(["运费太贵"])


def test_fit_refuses_a_code_outside_the_taxonomy() -> None:
    with pytest.raises(ValueError):
        ReasonClassifier().fit(["质量差", "运费贵"], ["quality", "extra_costs"])


def test_an_empty_batch_gives_no_predictions(classifier: ReasonClassifier) -> None:
    assert classifier.predict([]) == []


def test_prediction_is_a_value() -> None:
    a = Prediction(R.UNKNOWN, 0.5, (), R.DISTRUST)
    assert a == Prediction(R.UNKNOWN, 0.5, (), R.DISTRUST)
