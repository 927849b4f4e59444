"""Phone numbers for SMS providers: E.164, CN by default, masked numbers refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.channels.phones import UnusablePhone, to_e164


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_numbers_are_normalised_to_e164_with_china_as_the_default(text: str, e164: str) -> None:
    assert to_e164(text) == e164


@pytest.mark.parametrize("text", ["138****5678", "##密文##"])
def test_a_number_masked_by_the_platform_is_refused(text: str) -> None:
    with pytest.raises(UnusablePhone, match="masked by the platform"):
        to_e164(text)


@pytest.mark.parametrize("text", ["hello", "12345", "23812345678"])
def test_an_invalid_number_is_refused_and_shown_masked(text: str) -> None:
    with pytest.raises(UnusablePhone, match=r"not a (valid )?phone number") as error:
        to_e164(text)
    assert text not in str(error.value) or len(text) < 7


@given(st.text(max_size=25))
def test_any_text_either_normalises_to_e164_or_is_refused(text: str) -> None:
    try:
        result = to_e164(text)
    except UnusablePhone:
        return
    assert result.startswith("+") and result[1:].isdigit()


@given(st.from_regex(r"1(3[0-9]|5[0-35-9]|8[0-9])[0-9]{8}", fullmatch=True))
def test_a_mainland_mobile_round_trips(number: str) -> None:
    assert to_e164(number) == "+86" + number
