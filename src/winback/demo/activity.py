"""Carts (加购) and favourites (收藏): the interest that did or did not become an order.

About a third of orders went through the cart first (the cart keeps the order id). Other carts
are abandoned: half by buyers the shop already knows, half by visitors who never ordered, in
proportion to the day's visitors. Favourites triple on the promotion days, when 收藏送5元 rewards
them (seed 002).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.buyers import handle_of
from winback.demo.calendar import DAY, NEVER, ShopPlan
from winback.demo.catalogue import Catalogue
from winback.demo.orders import Money, local_times
from winback.ingest.records import CartItem, CartRecord, OrderRecord, WishlistRecord
from winback.model import Platform

CART_SHARE_OF_ORDERS: Final = 0.35
ABANDONED_CARTS_PER_VISITOR: Final = 0.06
FAVOURITES_PER_VISITOR: Final = 0.04


@dataclass(frozen=True)
class Interest:
    carts: list[CartRecord]
    wishlists: list[WishlistRecord]
    potential_customers: npt.NDArray[np.int64]
    """Customer numbers of visitors who carted or favourited but never ordered."""


def build_interest(
    *,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    orders: list[OrderRecord],
    customers: npt.NDArray[np.int64],
    visitors: npt.NDArray[np.int64],
    rng: np.random.Generator,
    cutoff: int,
) -> Interest:
    first_potential = int(customers.max()) + 1 if customers.size else 0
    converted = _converted_carts(rng, platform, orders)
    abandoned, cart_buyers = _abandoned_carts(
        rng, plan, platform, catalogue, customers, visitors, first_potential, cutoff
    )
    wishlists, fav_buyers = _favourites(
        rng, plan, platform, catalogue, customers, visitors, first_potential, cutoff
    )
    potential = np.unique(np.concatenate([cart_buyers, fav_buyers]))
    return Interest(
        carts=converted + abandoned,
        wishlists=wishlists,
        potential_customers=potential[potential >= first_potential],
    )


def _converted_carts(
    rng: np.random.Generator, platform: Platform, orders: list[OrderRecord]
) -> list[CartRecord]:
    chosen = np.flatnonzero(rng.random(len(orders)) < CART_SHARE_OF_ORDERS)
    lead = rng.uniform(600, 3 * DAY, len(chosen)).tolist()
    carts: list[CartRecord] = []
    for k, lead_seconds in zip(chosen.tolist(), lead, strict=True):
        order = orders[k]
        items = tuple(
            CartItem(
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                sku=line.sku,
                product_id=line.product_id,
                attributes=line.attributes,
            )
            for line in order.lines
        )
        carts.append(
            CartRecord(
                platform=platform,
                cart_id=f"C{order.order_id[-12:]}",
                buyer_id=order.buyer.buyer_id,
                created_at=order.created_at - timedelta(seconds=lead_seconds),
                updated_at=order.created_at - timedelta(seconds=30),
                items=items,
                order_id=order.order_id,
            )
        )
    return carts


def _buyers(
    rng: np.random.Generator, customers: npt.NDArray[np.int64], count: int, first_potential: int
) -> npt.NDArray[np.int64]:
    known = rng.random(count) < 0.5
    picked = customers[rng.integers(0, max(len(customers), 1), count)] if customers.size else 0
    fresh = first_potential + rng.integers(0, max(count, 1), count)
    return np.asarray(np.where(known & (customers.size > 0), picked, fresh), dtype=np.int64)


def _times(
    rng: np.random.Generator, plan: ShopPlan, per_day: npt.NDArray[np.int64], cutoff: int
) -> npt.NDArray[np.int64]:
    day = np.repeat(np.arange(plan.days, dtype=np.int64), per_day)
    at = day * DAY + rng.integers(8 * 3600, 24 * 3600, len(day))
    return np.asarray(np.where(at <= cutoff, at, NEVER), dtype=np.int64)


def _abandoned_carts(
    rng: np.random.Generator,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    customers: npt.NDArray[np.int64],
    visitors: npt.NDArray[np.int64],
    first_potential: int,
    cutoff: int,
) -> tuple[list[CartRecord], npt.NDArray[np.int64]]:
    per_day = rng.poisson(visitors * ABANDONED_CARTS_PER_VISITOR)
    created = _times(rng, plan, per_day, cutoff)
    updated = np.where(
        created < NEVER, np.minimum(created + rng.integers(0, DAY, len(created)), cutoff), NEVER
    )
    buyers = _buyers(rng, customers, len(created), first_potential)
    sizes = 1 + (rng.random(len(created)) < 0.25)
    skus = rng.choice(catalogue.sku_count, size=int(sizes.sum()), p=catalogue.sku_weight).tolist()
    created_at, updated_at = local_times(plan, created), local_times(plan, updated)
    money, carts, cursor = Money(), [], 0
    for n, size in enumerate(sizes.tolist()):
        items = tuple(_cart_item(catalogue, money, sku) for sku in skus[cursor : cursor + size])
        cursor += size
        first, last = created_at[n], updated_at[n]
        if first is None or last is None:
            continue
        carts.append(
            CartRecord(
                platform=platform,
                cart_id=f"A{n + 1:010d}",
                buyer_id=handle_of(int(buyers[n])),
                created_at=first,
                updated_at=last,
                items=items,
            )
        )
    return carts, buyers


def _cart_item(catalogue: Catalogue, money: Money, sku: int) -> CartItem:
    product = int(catalogue.sku_product[sku])
    return CartItem(
        title=catalogue.titles[product],
        quantity=1,
        unit_price=money(int(catalogue.sku_price_cents[sku])),
        sku=catalogue.sku_codes[sku],
        product_id=catalogue.product_ids[product],
        attributes={"colour": catalogue.sku_colour[sku], "size": catalogue.sku_size[sku]},
    )


def _favourites(
    rng: np.random.Generator,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    customers: npt.NDArray[np.int64],
    visitors: npt.NDArray[np.int64],
    first_potential: int,
    cutoff: int,
) -> tuple[list[WishlistRecord], npt.NDArray[np.int64]]:
    rate = np.full(plan.days, FAVOURITES_PER_VISITOR)
    rate[list(plan.promotion_days)] *= 3
    per_day = rng.poisson(visitors * rate)
    added = local_times(plan, _times(rng, plan, per_day, cutoff))
    buyers = _buyers(rng, customers, len(added), first_potential)
    skus = rng.choice(catalogue.sku_count, size=len(added), p=catalogue.sku_weight).tolist()
    money = Money()
    wishlists = [
        WishlistRecord(
            platform=platform,
            buyer_id=handle_of(buyer),
            product_id=catalogue.product_ids[catalogue.sku_product[sku]],
            added_at=at,
            title=catalogue.titles[catalogue.sku_product[sku]],
            price=money(int(catalogue.sku_price_cents[sku])),
        )
        for buyer, sku, at in zip(buyers.tolist(), skus, added, strict=True)
        if at is not None
    ]
    return wishlists, buyers
