"""The after-sale forms and pages on any input: the parsers answer a value or a FormError,
never anything else; the pages escape whatever they are given."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.after_sale_forms import (
    WHY_MAX,
    FormError,
    SurveyAnswer,
    parse_preferences,
    parse_survey,
)
from winback.model import Frequency, Preference, Topic
from winback.web.after_sale_pages import message_page, preferences_page, survey_page


def test_a_score_and_a_why_are_read_and_the_why_cleaned() -> None:
    body = urlencode({"score": " 9 ", "why": "发货快\x00，\t包装好\r\n"}).encode()
    assert parse_survey(body) == SurveyAnswer(9, "发货快，包装好")
    assert parse_survey(b"score=0&why=") == SurveyAnswer(0, None)


@pytest.mark.parametrize(
    "body", [b"", b"why=x", b"score=11", b"score=-1", b"score=5&score=6", b"score=%EF%BC%95",
             b"score=1.5", b"score=" + b"9" * 40_000]
)  # fmt: skip
def test_a_survey_without_one_score_from_0_to_10_is_refused(body: bytes) -> None:
    with pytest.raises(FormError):
        parse_survey(body)


@given(st.binary(max_size=3_000))
def test_the_survey_parser_answers_a_value_or_a_form_error_on_any_bytes(body: bytes) -> None:
    try:
        found = parse_survey(body)
    except FormError:
        return
    assert 0 <= found.score <= 10
    assert found.why is None or (0 < len(found.why) <= WHY_MAX and "\x00" not in found.why)


@given(st.integers(0, 10), st.text(max_size=3_000))
def test_any_score_and_why_survive_the_form(score: int, why: str) -> None:
    found = parse_survey(urlencode({"score": score, "why": why}).encode())
    assert found.score == score
    assert found.why is None or len(found.why) <= WHY_MAX


@given(st.sets(st.sampled_from(list(Topic))), st.sampled_from(list(Frequency)))
def test_any_choice_of_topics_and_frequency_comes_back_as_chosen(
    topics: set[Topic], frequency: Frequency
) -> None:
    body = urlencode([("topic", str(t)) for t in topics] + [("frequency", str(frequency))])
    assert parse_preferences(body.encode()) == Preference(frozenset(topics), frequency)


@given(st.binary(max_size=2_000))
def test_the_preferences_parser_answers_a_value_or_a_form_error(body: bytes) -> None:
    try:
        found = parse_preferences(body)
    except FormError:
        return
    assert found.topics <= set(Topic)


@given(
    st.text(max_size=100).map(lambda text: text + '"><script>alert(1)</script>'),
    st.sampled_from(["zh", "en", "fr"]),
)
def test_the_pages_escape_the_shop_name_and_the_action(shop: str, language: str) -> None:
    action = f"/s/{shop}"
    for page in (
        survey_page(language, action, shop=shop),
        preferences_page(language, action, shop=shop, current=None),
        message_page(language, "thanks", 200),
    ):
        html = page.body.decode()
        assert "<script>" not in html
        assert html.startswith("<!doctype html>") and "width=device-width" in html
