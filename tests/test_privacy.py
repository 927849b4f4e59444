"""Masking phones and e-mail addresses for logs and the UI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.privacy import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("+14155550123", "+14155****0123"),
        ("12345", "***45"),
        ("", "****"),
    ],
)
def test_a_phone_keeps_its_first_three_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_an_email_keeps_its_first_letter_and_domain() -> None:
    assert mask_email("alice@example.com") == "a***@example.com"
    assert mask_email("张三@例子.中国") == "张***@例子.中国"


@pytest.mark.parametrize("text", ["not-an-address", "@example.com", ""])
def test_something_that_is_not_an_address_is_masked_whole(text: str) -> None:
    assert mask_email(text) == "***"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_masked_mainland_mobile_never_shows_its_middle_four_digits(phone: str) -> None:
    assert mask_phone(phone) == phone[:3] + "****" + phone[-4:]


@given(st.emails())
def test_a_masked_email_shows_only_the_first_letter_of_its_local_part(email: str) -> None:
    local, _, domain = email.rpartition("@")
    assert mask_email(email) == f"{local[0]}***@{domain}"
