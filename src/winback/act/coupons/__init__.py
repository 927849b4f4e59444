"""Save coupons as the platforms take them (A4): unique codes, and the codes exported for a
platform's coupon tool (CSV) or Shopify's discount-code batch (docs/offers.md)."""

from winback.act.coupons.codes import new_code
from winback.act.coupons.export import coupons_csv, shopify_batches

__all__ = ["coupons_csv", "new_code", "shopify_batches"]
