"""Money in a message: an amount in the order's currency, written the way the store's
buyers read it (``¥168.90`` in a Chinese shop, ``US$168.90`` for a dollar order there,
``$168.90`` in an American store, ``CN¥168.90`` for a yuan order there).

The formatting is CLDR's, through Babel's :func:`babel.numbers.format_currency`
(https://babel.pocoo.org/en/latest/api/numbers.html): the symbol, its place, the grouping and
the currency's own number of decimals (``JP¥169``) come from the locale data Babel ships, so
nothing is fetched and no table of symbols is kept here. The locale is the store's language
and the country of its time zone (``zh`` + ``Asia/Shanghai`` → ``zh_Hans_CN``; ``en`` +
``America/Toronto`` → ``en_CA``), or the language alone when CLDR has no such pair
(``en`` + ``Asia/Shanghai`` → ``en``). Amounts stay :class:`~decimal.Decimal` to the end.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Final, cast

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import format_currency, is_currency

from winback.errors import WinbackError

__all__ = ["MoneyError", "format_money", "known_currency", "parse_amount", "store_locale"]

_LANGUAGE_LOCALE: Final = {"zh": "zh_Hans_CN", "en": "en"}


class MoneyError(WinbackError):
    """An amount or a currency that cannot be written in a message."""


def known_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code CLDR knows (upper case, ``"CNY"``)."""
    return code == code.upper() and is_currency(code)


@cache
def store_locale(language: str, timezone: str) -> str:
    """The CLDR locale a store's messages use: its language and its time zone's country."""
    zones = cast(dict[str, str], get_global("zone_territories"))
    territory = zones.get(timezone)
    if territory:
        try:
            return str(Locale.parse(f"{language}_{territory}"))
        except (UnknownLocaleError, ValueError):
            pass
    return _LANGUAGE_LOCALE.get(language, language)


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` in ``currency`` as a buyer in ``locale`` reads it; raises
    :class:`MoneyError` for an unknown currency or a value that is not a finite amount."""
    if not known_currency(currency):
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code (e.g. CNY, USD)")
    if not amount.is_finite():
        raise MoneyError(f"{amount} is not an amount of money")
    return str(format_currency(amount, currency, locale=locale))


def parse_amount(text: str) -> Decimal:
    """A plain decimal amount (``"168.90"``) as planned into an action's parameters."""
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not an amount") from None
    if not amount.is_finite():
        raise MoneyError(f"{text!r} is not an amount")
    return amount
