"""Money in messages: the order's currency, the store's locale (issue 11.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import list_currencies
from hypothesis import given
from hypothesis import strategies as st

from winback.act.money import MoneyError, format_money, known_currency, parse_amount, store_locale


@pytest.mark.parametrize(
    ("language", "zone", "locale"),
    [
        ("zh", "Asia/Shanghai", "zh_Hans_CN"),
        ("zh", "Asia/Taipei", "zh_Hant_TW"),
        ("en", "America/New_York", "en_US"),
        ("en", "America/Toronto", "en_CA"),
        ("en", "Asia/Shanghai", "en"),  # CLDR has no en_CN: the language alone
        ("zh", "America/Los_Angeles", "zh_Hans_CN"),
        ("en", "UTC", "en"),
    ],
)
def test_the_locale_is_the_stores_language_in_its_time_zones_country(
    language: str, zone: str, locale: str
) -> None:
    assert store_locale(language, zone) == locale


@pytest.mark.parametrize(
    ("currency", "locale", "written"),
    [
        ("CNY", "zh_Hans_CN", "¥168.90"),
        ("USD", "zh_Hans_CN", "US$168.90"),  # the USD order, e-mailed as ¥168.90
        ("USD", "en_US", "$168.90"),
        ("CNY", "en_US", "CN¥168.90"),
        ("EUR", "en", "€168.90"),
        ("JPY", "zh_Hans_CN", "JP¥169"),  # yen have no minor unit
        ("CAD", "en_CA", "$168.90"),
        ("HKD", "zh_Hant_TW", "HK$168.90"),
    ],
)
def test_an_amount_is_written_in_its_currency_for_the_locale(
    currency: str, locale: str, written: str
) -> None:
    assert format_money(Decimal("168.90"), currency, locale) == written


def test_thousands_are_grouped_and_cents_kept_exactly() -> None:
    assert format_money(Decimal("1234567.10"), "CNY", "zh_Hans_CN") == "¥1,234,567.10"


@pytest.mark.parametrize("code", ["XYZ", "usd", "", "人民币"])
def test_an_unknown_currency_is_refused(code: str) -> None:
    assert not known_currency(code)
    with pytest.raises(MoneyError, match="not an ISO 4217 currency code"):
        format_money(Decimal(1), code, "en")


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2),
    st.sampled_from(sorted(list_currencies())),
    st.sampled_from(["zh_Hans_CN", "en_US", "en", "zh_Hant_TW"]),
)
def test_any_amount_in_any_currency_is_written_with_its_digits(
    amount: Decimal, currency: str, locale: str
) -> None:
    written = format_money(amount, currency, locale)
    assert any(ch.isdigit() for ch in written)


@given(st.text(max_size=12))
def test_a_planned_amount_parses_or_is_refused_with_a_money_error(text: str) -> None:
    try:
        assert parse_amount(text).is_finite()
    except MoneyError as error:
        assert "not an amount" in str(error)
