"""Masking phones and e-mail addresses for logs and the UI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.privacy import mask_contacts, mask_email, mask_phone


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


def test_a_chinese_mobile_number_in_free_text_keeps_its_prefix_and_last_four_digits() -> None:
    assert mask_contacts("电话13812345678联系我") == "电话138****5678联系我"


def test_an_email_in_free_text_keeps_its_first_letter_and_domain() -> None:
    assert mask_contacts("mail alice.w@example.com pls") == "mail a***@example.com pls"


def test_an_international_number_in_free_text_is_masked() -> None:
    masked = mask_contacts("call +1 (415) 555-0134 today")
    assert masked is not None and "555-0134" not in masked and masked.endswith("0134 today")


def test_prices_times_dates_order_ids_and_none_are_left_alone() -> None:
    kept = "07-30 10:00 买家: 128元能便宜吗 订单 2100116660715362866 于 2026-11-20 10:00"
    assert mask_contacts(kept) == kept
    assert mask_contacts(None) is None
