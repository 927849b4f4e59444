"""Contact details are masked in everything printed for people."""

from __future__ import annotations

from winback.privacy import mask_contacts


def test_a_chinese_mobile_number_keeps_its_prefix_and_last_four_digits() -> None:
    assert mask_contacts("电话13812345678联系我") == "电话138****5678联系我"


def test_an_email_keeps_its_first_letter_and_domain() -> None:
    assert mask_contacts("mail alice.w@example.com pls") == "mail a***@example.com pls"


def test_an_international_number_shows_only_its_last_three_digits() -> None:
    masked = mask_contacts("call +1 (415) 555-0134 today")
    assert masked is not None and "555" not in masked and masked.endswith("134 today")


def test_prices_dates_and_none_are_left_alone() -> None:
    assert mask_contacts("07-30 10:00 买家: 128元能便宜吗") == "07-30 10:00 买家: 128元能便宜吗"
    assert mask_contacts(None) is None
