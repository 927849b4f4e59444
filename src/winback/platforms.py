"""What winback knows about each platform it reads: which exports a store of it accepts,
the currency and zone a Chinese marketplace shop trades in, and when the platform closes an
order nobody paid.

Pure facts, no I/O. docs/deadlines.md gives the sources of every deadline; the store's own
``unpaid_close_after`` setting always wins over these defaults.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from winback.model import Platform

__all__ = [
    "CHINESE_MARKETPLACES",
    "UNPAID_CLOSE_AFTER",
    "accepts_source",
    "marketplace_defaults",
    "unpaid_close_after",
]

CHINESE_MARKETPLACES: Final = frozenset(
    {Platform.TAOBAO, Platform.TMALL, Platform.JD, Platform.PDD, Platform.DOUYIN}
)
"""Marketplaces whose shops trade in CNY on China time and whose exports mask contacts."""

_ALIBABA: Final = frozenset({Platform.TAOBAO, Platform.TMALL})

UNPAID_CLOSE_AFTER: Final[dict[Platform, timedelta]] = {
    Platform.TAOBAO: timedelta(hours=24),
    Platform.TMALL: timedelta(hours=24),
    Platform.JD: timedelta(hours=24),
    Platform.PDD: timedelta(hours=24),
    Platform.DOUYIN: timedelta(minutes=30),
    Platform.SHOPIFY: timedelta(days=7),
    Platform.WOOCOMMERCE: timedelta(minutes=60),
    Platform.GENERIC: timedelta(hours=72),
}
"""When an unpaid order is closed by the platform, by default (docs/deadlines.md has the
sources and their confidence; where they are weak the shorter value was chosen).

Shopify never closes a pending order by itself; pending provider payments expire after about
a week, so 7 days is when winback stops treating one as open. WooCommerce cancels unpaid
checkout orders after its "Hold stock (minutes)" setting, 60 by default.
"""


def unpaid_close_after(platform: Platform) -> timedelta:
    """The platform's default auto-close time for an unpaid order."""
    return UNPAID_CLOSE_AFTER[platform]


def accepts_source(store: Platform, source: Platform) -> bool:
    """Whether a store selling on ``store`` may import a file written by ``source``.

    A generic file (any mapping) fits every store; Taobao and Tmall write the same reports
    (a Tmall shop's export reads as a Taobao one and the other way round); otherwise the
    platforms must be the same.
    """
    if source is Platform.GENERIC or store is source:
        return True
    return store in _ALIBABA and source in _ALIBABA


def marketplace_defaults(platform: Platform) -> dict[str, str] | None:
    """The currency and zone of a shop on a Chinese marketplace (CNY, China time); None for a
    platform whose stores trade anywhere (their settings must say)."""
    if platform in CHINESE_MARKETPLACES:
        return {"currency": "CNY", "timezone": "Asia/Shanghai"}
    return None
