"""Every random draw about orders, vectorised: the one source of the demo's distributions.

:func:`draw_orders` returns plain numpy arrays (one entry per order, plus flat arrays per order
line). Both the record-level simulator and the 10-million-row table are built from these
arrays, so their distributions cannot drift apart.

Conversations: ``consulted`` buyers chatted before ordering (about 45%; 55% in the promotion).
Their conversation follows one scenario, drawn here because it changes whether they pay:
the seed's failures (slow first reply, a price the staff "cannot change", "I'll pay later"
with no follow-up, being asked to 重拍 for the promotion) and ordinary helpful chats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.buyers import assign_buyers, remote_buyers
from winback.demo.calendar import (
    MINUTE,
    PROMOTION_LIFT,
    ShopPlan,
    creation_times,
    daily_order_counts,
)
from winback.demo.catalogue import Catalogue
from winback.demo.outcomes import OrderFacts, Outcomes, draw_outcomes
from winback.demo.scenarios import Scenario
from winback.demo.stockouts import Stockouts

I64 = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


CONSULTED_SHARE: Final = 0.45
PROMOTION_CONSULTED_SHARE: Final = 0.55
# Shares among consulted buyers: helpful, slow reply, price refused, pay later, asked to 重拍.
_CONSULT_SCENARIOS: Final = (0.61, 0.14, 0.08, 0.10, 0.07)
_PROMOTION_CONSULT_SCENARIOS: Final = (0.34, 0.12, 0.05, 0.04, 0.45)
REPLACE_SHARE: Final = 0.55
FOLLOW_UP_SHARE: Final = 0.2
_LINE_COUNTS: Final = (0.82, 0.14, 0.04)
_QUANTITIES: Final = (0.9, 0.08, 0.02)
ORDER_NUMBER_BASE: Final = 2_100_000_000_000_000_000


@dataclass(frozen=True)
class OrderDraws:
    """Orders sorted by creation time; ``line_*`` arrays are grouped by order."""

    created: I64
    day: I64
    customer: I64
    returning: Flags
    consulted: Flags
    scenario: npt.NDArray[np.int8]
    follow_up: Flags
    replaces: I64
    """For a replacement order, the index of the order it replaces; -1 otherwise."""
    order_number: I64
    """Taobao-like 19-digit order numbers, increasing with time."""
    line_start: I64
    line_count: I64
    line_sku: I64
    line_quantity: I64
    goods_cents: I64
    discount_cents: I64
    shipping_cents: I64
    total_cents: I64
    outcomes: Outcomes
    prior_members: int

    @property
    def size(self) -> int:
        return len(self.created)


def mean_orders_per_day(total_orders: int, days: int) -> float:
    """The daily mean that gives about ``total_orders`` over ``days`` (promotion included)."""
    lift = 1 + (PROMOTION_LIFT - 1) * 2 / days if days >= 8 else 1.0
    return total_orders / days / lift


def draw_orders(
    rng: np.random.Generator,
    plan: ShopPlan,
    catalogue: Catalogue,
    stockouts: Stockouts,
    mean_per_day: float,
) -> OrderDraws:
    created = creation_times(rng, daily_order_counts(rng, plan, mean_per_day))
    buyers = assign_buyers(rng, len(created))
    count = len(created)
    line_count = 1 + rng.choice(3, size=count, p=_LINE_COUNTS).astype(np.int64)
    line_sku = rng.choice(catalogue.sku_count, size=int(line_count.sum()), p=catalogue.sku_weight)
    line_start = np.cumsum(line_count) - line_count
    day = created // 86_400
    promotion = np.isin(day, plan.promotion_days)
    scenario, consulted = _scenarios(rng, promotion)
    stockout = stockouts.hits(line_sku[line_start], created)
    scenario[stockout] = Scenario.STOCKOUT
    base = _Base(created, day, buyers.customer, buyers.returning, consulted, scenario)
    base, line_start, line_count, line_sku = _add_replacements(
        rng, base, line_start, line_count, line_sku
    )
    return _finish(
        rng, plan, catalogue, base, line_start, line_count, line_sku, buyers.prior_members
    )


@dataclass(frozen=True)
class _Base:
    created: I64
    day: I64
    customer: I64
    returning: Flags
    consulted: Flags
    scenario: npt.NDArray[np.int8]
    replaces: I64 | None = None


def _scenarios(rng: np.random.Generator, promotion: Flags) -> tuple[npt.NDArray[np.int8], Flags]:
    count = len(promotion)
    share = np.where(promotion, PROMOTION_CONSULTED_SHARE, CONSULTED_SHARE)
    consulted = rng.random(count) < share
    normal = 1 + rng.choice(5, size=count, p=_CONSULT_SCENARIOS)
    promoted = 1 + rng.choice(5, size=count, p=_PROMOTION_CONSULT_SCENARIOS)
    scenario = np.where(promotion, promoted, normal).astype(np.int8)
    scenario[~consulted] = Scenario.SELF_SERVICE
    return scenario, consulted


def _add_replacements(
    rng: np.random.Generator, base: _Base, line_start: I64, line_count: I64, line_sku: I64
) -> tuple[_Base, I64, I64, I64]:
    """Append the orders placed again at staff's request (重拍) and re-sort by time."""
    asked = np.flatnonzero(base.scenario == Scenario.REORDER_ASKED)
    parents = asked[rng.random(len(asked)) < REPLACE_SHARE]
    delay = rng.integers(3 * MINUTE, 25 * MINUTE, size=len(parents))
    created = np.concatenate([base.created, base.created[parents] + delay])
    order = np.argsort(created, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    replaces = np.concatenate([np.full(base.created.size, -1), position[parents]])

    def grow(
        values: npt.NDArray[np.generic], extra: npt.NDArray[np.generic]
    ) -> npt.NDArray[np.generic]:
        return np.concatenate([values, extra])[order]

    scenario = np.concatenate(
        [base.scenario, np.full(len(parents), Scenario.REPLACEMENT, dtype=np.int8)]
    )
    new_base = _Base(
        created=created[order],
        day=grow(base.day, base.day[parents]).astype(np.int64),
        customer=grow(base.customer, base.customer[parents]).astype(np.int64),
        returning=grow(base.returning, base.returning[parents]).astype(np.bool_),
        consulted=grow(base.consulted, np.ones(len(parents), dtype=np.bool_)).astype(np.bool_),
        scenario=scenario[order],
        replaces=replaces[order],
    )
    counts = np.concatenate([line_count, line_count[parents]])[order]
    starts = np.concatenate([line_start, line_start[parents]])[order]
    line_index = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    return new_base, np.cumsum(counts) - counts, counts, line_sku[line_index]


def _finish(
    rng: np.random.Generator,
    plan: ShopPlan,
    catalogue: Catalogue,
    base: _Base,
    line_start: I64,
    line_count: I64,
    line_sku: I64,
    prior_members: int,
) -> OrderDraws:
    count = len(base.created)
    quantity = 1 + rng.choice(3, size=len(line_sku), p=_QUANTITIES).astype(np.int64)
    line_cents = catalogue.sku_price_cents[line_sku] * quantity
    goods = np.add.reduceat(line_cents, line_start) if count else np.zeros(0, dtype=np.int64)
    promotion = np.isin(base.day, plan.promotion_days)
    replacement = base.scenario == Scenario.REPLACEMENT
    discount = np.where(promotion & (goods >= 10_000), 1_000, 0) + np.where(replacement, 500, 0)
    remote = remote_buyers(base.customer)
    shipping = np.where(remote, 1_200, np.where(goods < 5_000, 600, 0))
    total = goods - discount + shipping
    follow_up = base.consulted & (rng.random(count) < FOLLOW_UP_SHARE)
    replaces = base.replaces if base.replaces is not None else np.full(count, -1)
    outcomes = draw_outcomes(
        rng,
        plan,
        OrderFacts(
            created=base.created,
            day=base.day,
            scenario=base.scenario,
            returning=base.returning,
            consulted=base.consulted,
            follow_up=follow_up,
            total_cents=total.astype(np.int64),
            replaces=replaces.astype(np.int64),
            main_line_cents=line_cents[line_start],
            line_count=line_count.astype(np.int64),
        ),
    )
    return OrderDraws(
        created=base.created,
        day=base.day,
        customer=base.customer,
        returning=base.returning,
        consulted=base.consulted,
        scenario=base.scenario,
        follow_up=follow_up,
        replaces=replaces.astype(np.int64),
        order_number=ORDER_NUMBER_BASE + np.cumsum(rng.integers(10**9, 5 * 10**10, count)),
        line_start=line_start.astype(np.int64),
        line_count=line_count.astype(np.int64),
        line_sku=line_sku.astype(np.int64),
        line_quantity=quantity,
        goods_cents=goods.astype(np.int64),
        discount_cents=discount.astype(np.int64),
        shipping_cents=shipping.astype(np.int64),
        total_cents=total.astype(np.int64),
        outcomes=outcomes,
        prior_members=prior_members,
    )
