"""The save offers a store can make, as a merchant writes them (issue 14.2, seed 001).

A buyer who cancelled a paid order tells why (:class:`SaveReason`, the seed's list); the
store's ``routes`` name, per reason, the offers to try in order (:class:`OfferKind`); the
first one the guards allow is made (:mod:`winback.decide.offers` has the rules). Offers that
cost money (free or priority shipping, a price match, a coupon) are bounded by a budget per
day and per campaign, a limit per buyer (one save offer per buyer per 90 days by default),
and the order's expected margin (``margin_rate`` × the order's amount): an offer costing more
than the order would have earned is not made. Every answer gets a thank-you.

These are the words of the settings, below :mod:`winback.decide` (config never imports
planning); :mod:`winback.decide.offers` applies them.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from winback.durations import Duration

__all__ = [
    "COSTLY",
    "DEFAULT_ROUTES",
    "CouponTerms",
    "OfferKind",
    "OfferSettings",
    "SaveReason",
]


class SaveReason(StrEnum):
    """Why a buyer cancelled, as the reason form asks it (seed 001)."""

    CHANGED_MIND = "changed_mind"
    SHIPPING_COST = "shipping_cost"
    SLOW_DELIVERY = "slow_delivery"
    RETURNS_POLICY = "returns_policy"
    PAYMENT = "payment"
    FORCED_ACCOUNT = "forced_account"
    FOUND_CHEAPER = "found_cheaper"
    OTHER = "other"


class OfferKind(StrEnum):
    """What the store can offer a buyer who says why they cancelled."""

    FREE_SHIPPING = "free_shipping"
    PRIORITY_SHIPPING = "priority_shipping"
    PRODUCT_INFO = "product_info"
    SIMILAR_ITEMS = "similar_items"
    VARIANT_CHANGE = "variant_change"
    POLICY_EXPLAINED = "policy_explained"
    OTHER_PAYMENT = "other_payment"
    GUEST_CHECKOUT = "guest_checkout"
    PRICE_MATCH = "price_match"
    LET_GO = "let_go"
    COUPON = "coupon"
    THANK_YOU = "thank_you"


COSTLY: Final = frozenset(
    {OfferKind.FREE_SHIPPING, OfferKind.PRIORITY_SHIPPING, OfferKind.PRICE_MATCH, OfferKind.COUPON}
)
"""The offers that cost the store money (the others are information or a policy)."""

DEFAULT_ROUTES: Final[dict[str, list[str]]] = {
    "changed_mind": ["product_info", "similar_items", "variant_change", "coupon"],
    "shipping_cost": ["free_shipping"],
    "slow_delivery": ["priority_shipping"],
    "returns_policy": ["policy_explained"],
    "payment": ["other_payment"],
    "forced_account": ["guest_checkout"],
    "found_cheaper": ["let_go"],
    "other": ["thank_you"],
}
"""Seed 001's answers: changed mind → product information, similar items, a variant change or
a coupon; shipping cost → free shipping; slow delivery → priority shipping; returns policy →
the policy explained; payment → another method; forced account → guest checkout; found
cheaper → let go (a store that price-matches routes it to ``price_match``)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _money(value: object) -> object:
    if isinstance(value, float):
        raise ValueError(f'write amounts as text or integers ("{value}"), not floats')
    return value


class CouponTerms(_Model):
    """A save coupon: ``value`` off (an amount, or a percentage with ``percent``), on orders
    of at least ``min_spend``, valid for ``valid_for`` after it is issued."""

    value: Decimal = Field(gt=0)
    percent: bool = False
    min_spend: Decimal = Field(default=Decimal(0), ge=0)
    valid_for: Duration = timedelta(days=30)

    @field_validator("value", "min_spend", mode="before")
    @classmethod
    def _no_float_money(cls, value: object) -> object:
        return _money(value)

    @model_validator(mode="after")
    def _sane(self) -> CouponTerms:
        if self.percent and self.value >= 100:
            raise ValueError(f"a percentage coupon takes less than 100% off, not {self.value}%")
        if self.valid_for <= timedelta(0):
            raise ValueError("valid_for: a coupon must be valid for a positive duration")
        return self

    def cost(self, amount: Decimal) -> Decimal:
        """What the coupon costs on an order of ``amount``: its value, or its share of it."""
        if self.percent:
            return (amount * self.value / 100).quantize(Decimal("0.01"))
        return self.value


class OfferSettings(_Model):
    """A store's save offers; docs/offers.md explains every key.

    * ``routes``: reason → the offers to try, in order (every reason must be routed).
    * ``margin_rate``: the share of an order's amount the store earns; an offer costing more
      than ``margin_rate`` × amount is not made.
    * ``shipping_cost``, ``priority_shipping_cost``, ``price_match_at_most``: what those
      offers cost the store (a price match: at most this much).
    * ``priority_cutoff``: the latest local time a re-order is shipped the same day (the
      priority-shipping offer tells it).
    * ``coupon``: the coupon's terms (needed when a route or ``next_order_coupon`` uses one).
    * ``next_order_coupon``: a thank-you coupon for the next order when no other offer is made.
    * ``daily_budget``, ``campaign_budget``: what the offers may cost per store day and in
      all (none: no limit).
    * ``per_buyer`` offers that cost money per buyer within ``per_buyer_window``.
    """

    routes: dict[SaveReason, tuple[OfferKind, ...]] = Field(
        default_factory=lambda: {
            SaveReason(reason): tuple(OfferKind(o) for o in offers)
            for reason, offers in DEFAULT_ROUTES.items()
        }
    )
    margin_rate: Decimal = Field(default=Decimal("0.3"), ge=0, le=1)
    shipping_cost: Decimal = Field(default=Decimal(10), ge=0)
    priority_shipping_cost: Decimal = Field(default=Decimal(15), ge=0)
    price_match_at_most: Decimal = Field(default=Decimal(20), ge=0)
    priority_cutoff: time = time(16, 0)
    coupon: CouponTerms | None = None
    next_order_coupon: bool = False
    daily_budget: Decimal | None = Field(default=None, ge=0)
    campaign_budget: Decimal | None = Field(default=None, ge=0)
    per_buyer: int = Field(default=1, ge=0)
    per_buyer_window: Duration = timedelta(days=90)

    @field_validator(
        "margin_rate",
        "shipping_cost",
        "priority_shipping_cost",
        "price_match_at_most",
        "daily_budget",
        "campaign_budget",
        mode="before",
    )
    @classmethod
    def _no_float_money(cls, value: object) -> object:
        return _money(value)

    @field_validator("routes", mode="before")
    @classmethod
    def _routes(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        reasons = {r.value for r in SaveReason}
        offers = {o.value for o in OfferKind}
        for reason, chosen in value.items():
            if reason not in reasons:
                raise ValueError(f"{reason!r} is not a reason; the reasons: {', '.join(reasons)}")
            for offer in chosen if isinstance(chosen, list | tuple) else [chosen]:
                if offer not in offers:
                    raise ValueError(
                        f"routes.{reason}: {offer!r} is not an offer; the offers: "
                        f"{', '.join(sorted(offers))}"
                    )
        return {**DEFAULT_ROUTES, **value}

    @model_validator(mode="after")
    def _coupon_when_used(self) -> OfferSettings:
        uses = [r.value for r, offers in self.routes.items() if OfferKind.COUPON in offers]
        if self.coupon is None and (uses or self.next_order_coupon):
            why = f"routes.{uses[0]} offers a coupon" if uses else "next_order_coupon is on"
            raise ValueError(f"{why} but no [coupon] terms are given (value, min_spend, valid_for)")
        return self


def default_offers() -> dict[str, Any]:
    """The shipped offers as TOML would give them: seed 001's routes, a 10% coupon for 30 days
    on orders of at least 100 (for changed minds), one offer per buyer per 90 days."""
    return {"coupon": {"value": "10", "percent": True, "min_spend": "100", "valid_for": "30d"}}
