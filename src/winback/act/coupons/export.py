"""Save coupons exported for the platforms' coupon tools (docs/offers.md).

* :func:`coupons_csv`: one row per code, the columns most coupon tools import (code, type,
  value, minimum spend, currency, starts, ends, usage limit 1, once per customer) plus the
  state as of a moment. The Chinese platforms' coupon tools (Taobao 优惠券, Youzan) issue
  their own ids; this file is what a merchant keys or maps into them.
* :func:`shopify_batches`: Shopify's discount codes belong to a price rule (the terms) and
  are added in batches of at most 100 codes
  (``POST /admin/api/{version}/price_rules/{price_rule_id}/batch.json`` with
  ``{"discount_codes": [{"code": …}, …]}``; shopify.dev, REST Admin API, DiscountCode). One
  batch per set of terms: the price rule to create (``value_type`` ``percentage`` or
  ``fixed_amount``, a negative ``value``, ``prerequisite_subtotal_range``,
  ``once_per_customer``, ``usage_limit`` 1, ``starts_at``/``ends_at``) and its codes.
  Only codes still issued (not redeemed, not expired) are exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from winback.store.types import Coupon

__all__ = ["CSV_COLUMNS", "SHOPIFY_BATCH_SIZE", "coupons_csv", "shopify_batches"]

CSV_COLUMNS: Final = (
    "code", "discount_type", "value", "minimum_spend", "currency", "starts_at", "ends_at",
    "usage_limit", "once_per_customer", "state", "redeemed_order_id", "redeemed_at",
)  # fmt: skip
SHOPIFY_BATCH_SIZE: Final = 100


def coupons_csv(coupons: Iterable[Coupon], now: datetime) -> str:
    """The coupons as CSV (:data:`CSV_COLUMNS`), states as of ``now``. No buyer is named."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for found in coupons:
        writer.writerow(
            [
                found.code,
                "percentage" if found.percent else "fixed_amount",
                f"{found.value:f}",
                f"{found.min_spend:f}",
                found.currency,
                found.issued_at.isoformat(),
                found.expires_at.isoformat(),
                1,
                "true",
                found.state(now),
                found.redeemed_order_id or "",
                found.redeemed_at.isoformat() if found.redeemed_at else "",
            ]
        )
    return out.getvalue()


def shopify_batches(coupons: Sequence[Coupon], now: datetime) -> list[dict[str, Any]]:
    """The issued coupons as Shopify price rules with their codes, at most
    :data:`SHOPIFY_BATCH_SIZE` codes per batch body (see the module docstring)."""
    groups: dict[tuple[bool, Decimal, Decimal, str, datetime], list[Coupon]] = {}
    for found in coupons:
        if found.state(now) != "issued":
            continue
        terms = (found.percent, found.value, found.min_spend, found.currency, found.expires_at)
        groups.setdefault(terms, []).append(found)
    batches = []
    for (percent, value, min_spend, currency, ends), members in groups.items():
        rule = {
            "title": f"winback save {'%' if percent else currency} {value:f} "
            f"min {min_spend:f} until {ends:%Y-%m-%d}",
            "value_type": "percentage" if percent else "fixed_amount",
            "value": f"-{value:f}",
            "target_type": "line_item",
            "target_selection": "all",
            "allocation_method": "across",
            "customer_selection": "all",
            "once_per_customer": True,
            "usage_limit": None,
            "prerequisite_subtotal_range": {"greater_than_or_equal_to": f"{min_spend:f}"}
            if min_spend > 0
            else None,
            "starts_at": min(c.issued_at for c in members).isoformat(),
            "ends_at": ends.isoformat(),
        }
        for start in range(0, len(members), SHOPIFY_BATCH_SIZE):
            chunk = members[start : start + SHOPIFY_BATCH_SIZE]
            batches.append(
                {
                    "price_rule": rule,
                    "batch": {"discount_codes": [{"code": c.code} for c in chunk]},
                }
            )
    return batches
