"""Masking of phone and e-mail *fields* (the win-back list shows them; they must not leak)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.privacy import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800135678", "138****5678"),
        ("+86 138 0013 5678", "+86138****5678"),
        ("(415) 555-0134", "41****0134"),
        ("12345", "***45"),
        (None, None),
    ],
)
def test_phones_keep_only_their_ends(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [("jane.doe@example.com", "j***@example.com"), ("no-at-sign", "****"), (None, None)],
)
def test_emails_keep_the_first_letter_and_the_domain(email: str | None, masked: str | None) -> None:
    assert mask_email(email) == masked


@given(st.text(alphabet="0123456789", min_size=9, max_size=15))
def test_a_long_number_never_shows_its_four_middle_digits(digits: str) -> None:
    masked = mask_phone(digits)
    assert masked is not None
    assert masked.count("*") == 4
    assert masked == digits[:-8] + "****" + digits[-4:]


@given(st.text(alphabet="0123456789", min_size=1, max_size=8))
def test_a_short_number_shows_at_most_two_digits(digits: str) -> None:
    masked = mask_phone(digits)
    assert masked is not None
    assert sum(char.isdigit() for char in masked) <= 2
