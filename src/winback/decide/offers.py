"""Save offers (issue 14.2, A4): which offer a buyer's cancellation reason gets, within the
store's budgets, per-buyer limit and the order's expected margin.

:func:`choose_offer` is pure: the reason, the order's amount, what was already spent
(:class:`OfferLedger`, read by the services from the store) and ``now`` in; an
:class:`Offer` out, with the offers it passed over and why. The rules, in order, for each
offer the store's ``routes`` name for the reason:

1. an offer that costs nothing (information, a policy, guest checkout, another payment
   method, let go, thank-you) is always made;
2. an offer that costs money is not made when the buyer already had ``per_buyer`` such
   offers within ``per_buyer_window`` before ``now`` (abuse limit);
3. nor when it costs more than the order's expected margin (``margin_rate`` × amount);
4. nor when it would take the store day's spending past ``daily_budget``, or all spending
   past ``campaign_budget``.

The first offer allowed is made. None allowed: a thank-you, with a next-order coupon when
the store enables ``next_order_coupon`` and the coupon passes rules 2–4. A price match costs
at most ``price_match_at_most``; priority shipping tells the latest local time a re-order
ships the same day (:func:`latest_reorder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from winback.playbook_settings.offers import (
    COSTLY,
    CouponTerms,
    OfferKind,
    OfferSettings,
    SaveReason,
)

__all__ = [
    "COSTLY",
    "Offer",
    "OfferKind",
    "OfferLedger",
    "Refusal",
    "SaveReason",
    "choose_offer",
    "day_start",
    "latest_reorder",
    "offer_cost",
]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OfferLedger:
    """What the store's save offers already cost: ``today`` (since the start of the store's
    day), ``in_all`` (the campaign, all time), and when this buyer got offers that cost money
    (``buyer_offers``)."""

    today: Decimal = ZERO
    in_all: Decimal = ZERO
    buyer_offers: Sequence[datetime] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """An offer the route named but the rules did not allow, and the rule (``why``:
    ``per_buyer``, ``margin``, ``daily_budget``, ``campaign_budget``)."""

    offer: OfferKind
    why: str


@dataclass(frozen=True, slots=True)
class Offer:
    """The offer made: its kind, its cost to the store, the coupon's terms (a coupon),
    the latest re-order time (priority shipping), and the offers passed over."""

    kind: OfferKind
    reason: SaveReason
    cost: Decimal = ZERO
    coupon: CouponTerms | None = None
    reorder_by: datetime | None = None
    refused: tuple[Refusal, ...] = ()


def offer_cost(kind: OfferKind, amount: Decimal, settings: OfferSettings) -> Decimal:
    """What ``kind`` costs the store on an order of ``amount``."""
    if kind is OfferKind.FREE_SHIPPING:
        return settings.shipping_cost
    if kind is OfferKind.PRIORITY_SHIPPING:
        return settings.priority_shipping_cost
    if kind is OfferKind.PRICE_MATCH:
        return min(settings.price_match_at_most, amount)
    if kind is OfferKind.COUPON:
        return settings.coupon.cost(amount) if settings.coupon is not None else ZERO
    return ZERO


def choose_offer(
    reason: SaveReason,
    amount: Decimal,
    settings: OfferSettings,
    ledger: OfferLedger,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> Offer:
    """The offer for a buyer who cancelled an order of ``amount`` because of ``reason``;
    see the module docstring for the rules."""
    if now.utcoffset() is None:
        raise ValueError("now must be time-zone aware")
    refused: list[Refusal] = []
    for kind in settings.routes.get(reason, ()):
        if kind is OfferKind.THANK_YOU:
            break
        cost = offer_cost(kind, amount, settings)
        why = _refusal(kind, cost, amount, settings, ledger, now)
        if why is not None:
            refused.append(Refusal(kind, why))
            continue
        return _made(kind, reason, cost, settings, now, zone, refused)
    if settings.next_order_coupon and settings.coupon is not None:
        cost = offer_cost(OfferKind.COUPON, amount, settings)
        why = _refusal(OfferKind.COUPON, cost, amount, settings, ledger, now)
        if why is None:
            return _made(OfferKind.COUPON, reason, cost, settings, now, zone, refused)
        refused.append(Refusal(OfferKind.COUPON, why))
    return Offer(OfferKind.THANK_YOU, reason, refused=tuple(refused))


def _made(
    kind: OfferKind,
    reason: SaveReason,
    cost: Decimal,
    settings: OfferSettings,
    now: datetime,
    zone: ZoneInfo,
    refused: list[Refusal],
) -> Offer:
    return Offer(
        kind,
        reason,
        cost,
        coupon=settings.coupon if kind is OfferKind.COUPON else None,
        reorder_by=latest_reorder(settings, now, zone)
        if kind is OfferKind.PRIORITY_SHIPPING
        else None,
        refused=tuple(refused),
    )


def _refusal(
    kind: OfferKind,
    cost: Decimal,
    amount: Decimal,
    settings: OfferSettings,
    ledger: OfferLedger,
    now: datetime,
) -> str | None:
    """Why an offer of ``cost`` may not be made (None: it may)."""
    if kind not in COSTLY or cost <= 0:
        return None
    since = now - settings.per_buyer_window
    if sum(1 for at in ledger.buyer_offers if since < at <= now) >= settings.per_buyer:
        return "per_buyer"
    if cost > amount * settings.margin_rate:
        return "margin"
    if settings.daily_budget is not None and ledger.today + cost > settings.daily_budget:
        return "daily_budget"
    if settings.campaign_budget is not None and ledger.in_all + cost > settings.campaign_budget:
        return "campaign_budget"
    return None


def latest_reorder(settings: OfferSettings, now: datetime, zone: ZoneInfo) -> datetime:
    """The latest moment a re-order still ships the same day: today's ``priority_cutoff`` in
    the store's zone, or tomorrow's once today's has passed."""
    local = now.astimezone(zone)
    cutoff = datetime.combine(local.date(), settings.priority_cutoff, tzinfo=zone)
    if cutoff <= local:
        cutoff = datetime.combine(
            local.date() + timedelta(days=1), settings.priority_cutoff, tzinfo=zone
        )
    return cutoff


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the store's day that holds ``now`` (the daily budget's day)."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
