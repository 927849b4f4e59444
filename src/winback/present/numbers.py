"""Numbers as a shop team reads them: ``¥1,234.50``, ``44.7%``, ``2 h 05 min``.

Money stays :class:`~decimal.Decimal` to the last step: it is rounded half-up to cents here
and nowhere before, so a printed total is the exact sum of the printed parts.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from winback.analyse.payment_time import format_duration

__all__ = ["SYMBOLS", "duration", "money", "money_axis", "percent"]

SYMBOLS: Final = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
"""Currency symbols printed before amounts; other currencies print their code."""

_CENT: Final = Decimal("0.01")


def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """``¥1,234.50``; a negative amount ``-¥12.00``; ``—`` when missing."""
    if amount is None:
        return "—"
    value = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def money_axis(value: float, currency: str = "CNY") -> str:
    """A short money label for a chart axis: ``¥0``, ``¥500``, ``¥12k``, ``¥1.5M``."""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    if abs(value) >= 1_000_000:
        return f"{symbol}{value / 1_000_000:,.3g}M"
    if abs(value) >= 10_000:
        return f"{symbol}{value / 1000:,.3g}k"
    return f"{symbol}{value:,.0f}"


def percent(ratio: float | None, digits: int = 1) -> str:
    """``0.447`` → ``44.7%``; ``—`` when missing or not a number."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    return f"{ratio * 100:.{digits}f}%"


def duration(seconds: float | None, language: str = "en") -> str:
    """Seconds as people say them (``2 h 05 min`` / ``2小时05分``); ``∞`` never reached,
    ``—`` no data."""
    if seconds is None or math.isnan(seconds):
        return "—"
    if math.isinf(seconds):
        return "∞"
    return format_duration(seconds, "zh" if language == "zh" else "en")
