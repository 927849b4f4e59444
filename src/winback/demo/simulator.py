"""The demo store: 俏艺旗舰店, the Taobao shop of seed 002, simulated from a seed.

``simulate(start=date(2024, 6, 6))`` gives 60 days of about 110 orders a day from 800–1000
visitors, with new and returning buyers, payment delays from minutes to days, a third of the
orders closed before payment (over 45% on the promotion days 30–31 July, when staff made
buyers 重拍), cancellations, refunds, stockouts of MK103410's sizes and colours, chats,
carts, favourites, reviews and stock levels. Same seed, same shop.

Random streams: the order draws use ``default_rng([seed, 0])`` (shared with
:func:`winback.demo.table.simulate_orders_table`, so both give the same orders for the same
seed and size); messages, chats, carts, feedback, stock and customers each have their own
stream, so adding a chat line never moves an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from winback.demo.activity import build_interest
from winback.demo.calendar import ShopPlan, daily_visitors
from winback.demo.customers import build_customers
from winback.demo.draws import mean_orders_per_day
from winback.demo.feedback import build_feedback
from winback.demo.orders import CHINESE_PLATFORMS, build_orders
from winback.demo.service import SHOP_NAME, build_chats
from winback.demo.shared import OrderWorld, draw_world
from winback.demo.stock import build_stock
from winback.ingest.records import (
    CartRecord,
    ChatMessageRecord,
    CustomerRecord,
    FeedbackRecord,
    OrderRecord,
    StockRecord,
    WishlistRecord,
)
from winback.model import Platform

DEFAULT_ORDERS_PER_DAY = 110.0


@dataclass(frozen=True)
class DemoShop:
    """A simulated shop as its exports would show it at ``cutoff``."""

    name: str
    platform: Platform
    timezone: str
    currency: str
    cutoff: datetime
    orders: list[OrderRecord]
    customers: list[CustomerRecord]
    chats: list[ChatMessageRecord]
    carts: list[CartRecord]
    wishlists: list[WishlistRecord]
    feedback: list[FeedbackRecord]
    stock: list[StockRecord]
    visitors: dict[date, int]
    promotion_days: tuple[date, ...]
    prior_members: int = 0
    """Customers ``0 .. prior_members-1`` bought before the period (:mod:`.history`)."""


def simulate(
    *,
    seed: int = 2,
    start: date,
    days: int = 60,
    tz: str = "Asia/Shanghai",
    platform: Platform = Platform.TAOBAO,
    visitors_per_day: tuple[int, int] = (800, 1000),
    orders_per_day: float = DEFAULT_ORDERS_PER_DAY,
    orders: int | None = None,
    cutoff: datetime | None = None,
) -> DemoShop:
    """Simulate the shop from ``start`` for ``days`` days; ``orders`` sets the total instead.

    ``cutoff`` is the export instant (aware; default: midnight after the last day). Orders
    still unpaid then are ``pending``; a later cutoff shows the same orders further along.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if cutoff is not None and cutoff.tzinfo is None:
        raise ValueError("cutoff must be time-zone aware")
    mean = mean_orders_per_day(orders, days) if orders is not None else orders_per_day
    scale = mean / DEFAULT_ORDERS_PER_DAY
    visitors_range = (int(visitors_per_day[0] * scale), int(visitors_per_day[1] * scale))
    plan = ShopPlan(
        start=start, days=days, tz=tz, orders_per_day=mean, visitors_per_day=visitors_range
    )
    world = draw_world(seed, plan)
    cut = plan.seconds_of(cutoff) if cutoff is not None else plan.end_seconds
    return _assemble(seed, plan, platform, world, cut)


def _assemble(
    seed: int, plan: ShopPlan, platform: Platform, world: OrderWorld, cut: int
) -> DemoShop:
    catalogue, draws = world.catalogue, world.draws
    resolution = world.resolve(cut)
    streams = [np.random.default_rng([seed, n]) for n in range(1, 8)]
    orders = build_orders(
        plan=plan,
        platform=platform,
        catalogue=catalogue,
        draws=draws,
        resolution=resolution,
        rng=streams[0],
    )
    chats = build_chats(
        plan=plan,
        platform=platform,
        catalogue=catalogue,
        draws=draws,
        resolution=resolution,
        rng=streams[1],
        cutoff=cut,
    )
    visitors = daily_visitors(streams[2], plan)
    buyers = draws.customer[resolution.index]
    interest = build_interest(
        plan=plan, platform=platform, catalogue=catalogue, orders=orders, customers=buyers,
        visitors=visitors, rng=streams[3], cutoff=cut,
    )  # fmt: skip
    draw_index = {order.order_id: int(i) for order, i in zip(orders, resolution.index, strict=True)}
    feedback = build_feedback(
        orders=orders, draws=draws, rng=streams[4], cutoff=cut, draw_index=draw_index
    )
    stock = build_stock(
        plan=plan, platform=platform, catalogue=catalogue, draws=draws, resolution=resolution,
        stockouts=world.stockouts, rng=streams[5], cutoff=cut,
    )  # fmt: skip
    first_seen: dict[int, datetime] = {}
    for order, customer in zip(orders, buyers.tolist(), strict=True):
        first_seen.setdefault(customer, order.created_at)
    everyone = np.concatenate([buyers, interest.potential_customers])
    customers = build_customers(
        plan=plan, platform=platform, customers=everyone, first_seen=first_seen,
        prior_members=draws.prior_members, rng=streams[6],
    )  # fmt: skip
    return DemoShop(
        name=SHOP_NAME,
        platform=platform,
        timezone=plan.tz,
        currency="CNY" if platform in CHINESE_PLATFORMS else "USD",
        cutoff=plan.to_local(cut),
        orders=orders,
        customers=customers,
        chats=chats,
        carts=interest.carts,
        wishlists=interest.wishlists,
        feedback=feedback,
        stock=stock,
        visitors={plan.date_of(day): int(count) for day, count in enumerate(visitors.tolist())},
        promotion_days=tuple(plan.date_of(day) for day in plan.promotion_days),
        prior_members=draws.prior_members,
    )
