"""Any text at all gets a prediction with a confidence in [0, 1], and nothing raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.analyse.reasons import LossReason, default_classifier, rule_hits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_unicode_text_gets_a_prediction_with_a_confidence_in_zero_to_one(text: str) -> None:
    [prediction] = default_classifier().predict([text])
    assert isinstance(prediction.reason, LossReason)
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.reason is LossReason.UNKNOWN or prediction.reason is prediction.guess


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=50))
def test_keyword_rules_never_raise_on_chinese_text(text: str) -> None:
    assert all(0.0 < hit.strength <= 1.0 for hit in rule_hits(text))
