"""What becomes of each order: payment or closing, shipping, settlement, cancels and refunds.

Every event is a time in shop seconds, ``NEVER`` when it does not happen. The draws do not
depend on the export instant: :func:`winback.demo.status.resolve` decides afterwards which
events an export at a given cutoff can see, so a later export of the same seed shows the same
orders further along.

Payment delay is a mixture (seed 003: most buyers pay within minutes, reminders aim at the
rest): about three quarters lognormal around 2–3 minutes, a fifth lognormal around 3 hours,
and a thin tail of 1–3 days before Taobao's 72-hour auto-close. Non-payers close the order
themselves (我不想买了 …) or let it time out at 72 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.calendar import DAY, HOUR, MINUTE, NEVER, ShopPlan
from winback.demo.scenarios import Scenario

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

AUTO_CLOSE: Final = 72 * HOUR
AUTO_CONFIRM: Final = 10 * DAY
DISPATCH_HOUR: Final = 16
PAYMENT_METHODS: Final = ("支付宝", "花呗", "信用卡", "余额宝")
_PAYMENT_METHOD_SHARES: Final = (0.62, 0.22, 0.10, 0.06)
CLOSE_REASONS: Final = (
    "超时未付款，交易自动关闭",
    "我不想买了",
    "信息填写错误，重新拍",
    "卖家缺货",
    "其他原因",
)
CANCEL_REASONS: Final = ("我不想买了", "拍错了/多拍了/不喜欢了", "地址信息填写错误", "其他", "缺货")
REFUND_REASONS: Final = (
    "七天无理由退换货",
    "尺码不合适",
    "质量问题",
    "颜色/款式与商品描述不符",
    "发错货",
)
PARTIAL_REASONS: Final = ("退差价", "少件/漏发", "质量问题")
_TIMEOUT, _CHANGED_MIND, _REORDER, _SELLER_STOCKOUT, _OTHER = range(5)
_STOCKOUT_CANCEL = 4


@dataclass(frozen=True)
class OrderFacts:
    """What the outcome draws depend on, one entry per order."""

    created: I64
    day: I64
    scenario: npt.NDArray[np.int8]
    returning: Flags
    consulted: Flags
    follow_up: Flags
    total_cents: I64
    replaces: I64
    main_line_cents: I64
    line_count: I64


@dataclass(frozen=True)
class Outcomes:
    """Event times (shop seconds, NEVER if it does not happen) and their reasons/amounts."""

    paid: I64
    closed: I64
    close_reason: npt.NDArray[np.int8]
    payment_method: npt.NDArray[np.int8]
    shipped: I64
    delivered: I64
    settled: I64
    cancelled: I64
    cancel_reason: npt.NDArray[np.int8]
    refunded: I64
    refund_reason: npt.NDArray[np.int8]
    partial_refunded: I64
    partial_cents: I64
    partial_reason: npt.NDArray[np.int8]


def draw_outcomes(rng: np.random.Generator, plan: ShopPlan, facts: OrderFacts) -> Outcomes:
    count = len(facts.created)
    pays = rng.random(count) < payment_probability(rng, plan, facts)
    paid = np.where(pays, facts.created + payment_delay(rng, facts), NEVER)
    closed, close_reason = _closing(rng, facts, pays)
    shipped = np.where(pays, _dispatch(rng, plan, paid), NEVER)
    cancelled, cancel_reason = _cancelling(rng, facts, pays, paid, shipped)
    shipped = np.where(cancelled < NEVER, NEVER, shipped)
    delivered = np.where(shipped < NEVER, _delivery(rng, shipped), NEVER)
    settled = np.where(delivered < NEVER, _settlement(rng, shipped, delivered), NEVER)
    refunded, settled, refund_reason = _refunds(rng, delivered, settled)
    partial, partial_cents, partial_reason = _partial_refunds(rng, facts, delivered, refunded)
    method = np.where(pays, rng.choice(4, size=count, p=_PAYMENT_METHOD_SHARES), -1)
    return Outcomes(
        paid=paid,
        closed=closed,
        close_reason=close_reason,
        payment_method=method.astype(np.int8),
        shipped=shipped,
        delivered=delivered,
        settled=settled,
        cancelled=cancelled,
        cancel_reason=cancel_reason,
        refunded=refunded,
        refund_reason=refund_reason,
        partial_refunded=partial,
        partial_cents=partial_cents,
        partial_reason=partial_reason,
    )


def payment_probability(rng: np.random.Generator, plan: ShopPlan, facts: OrderFacts) -> F64:
    """Chance each order is paid: a daily level, the buyer, the amount and the conversation."""
    daily = np.clip(rng.normal(0.73, 0.035, plan.days), 0.55, 0.85)
    daily[list(plan.promotion_days)] = 0.62
    base = daily[np.minimum(facts.day, plan.days - 1)]
    p = (
        base
        + 0.07 * facts.returning
        - 0.035 * ~facts.consulted
        - 0.06 * (facts.total_cents > 30_000)
    )
    s = facts.scenario
    p = np.where(s == Scenario.HELPFUL, p + 0.1 + 0.05 * facts.follow_up, p)
    p = np.where(s == Scenario.SLOW_REPLY, p - 0.08 + 0.05 * facts.follow_up, p)
    p = np.where(s == Scenario.PRICE_REFUSED, 0.25, p)
    p = np.where(s == Scenario.PAY_LATER, 0.4 + 0.25 * facts.follow_up, p)
    p = np.where(s == Scenario.REORDER_ASKED, 0.0, p)
    p = np.where(s == Scenario.STOCKOUT, 0.35, p)
    p = np.where(s == Scenario.REPLACEMENT, 0.82, p)
    return np.asarray(np.clip(p, 0.0, 0.97), dtype=np.float64)


def payment_delay(rng: np.random.Generator, facts: OrderFacts) -> I64:
    """Seconds from order to payment: minutes for most, hours for some, days for a few."""
    count = len(facts.created)
    u = rng.random(count)
    minutes_share = np.where(facts.returning, 0.82, 0.75)
    hours_share = np.where(facts.returning, 0.15, 0.20)
    later = (facts.scenario == Scenario.PAY_LATER) | (facts.scenario == Scenario.SLOW_REPLY)
    minutes_share = np.where(later, 0.25, minutes_share)
    hours_share = np.where(later, 0.55, hours_share)
    fast = rng.lognormal(np.log(150.0), 1.0, count).clip(10, 2 * HOUR)
    hours = rng.lognormal(np.log(3.0 * HOUR), 0.9, count).clip(20 * MINUTE, 23 * HOUR)
    days = rng.uniform(24 * HOUR, AUTO_CLOSE - HOUR, count)
    delay = np.where(
        u < minutes_share, fast, np.where(u < minutes_share + hours_share, hours, days)
    )
    return delay.astype(np.int64)


def _closing(
    rng: np.random.Generator, facts: OrderFacts, pays: Flags
) -> tuple[I64, npt.NDArray[np.int8]]:
    """When and why an unpaid order closes (before payment)."""
    count = len(facts.created)
    s = facts.scenario
    buyer_closes = rng.random(count) < 0.45
    buyer_after = rng.lognormal(np.log(45.0 * MINUTE), 1.6, count).clip(MINUTE, AUTO_CLOSE - HOUR)
    reason = rng.choice([_CHANGED_MIND, _REORDER, _OTHER], size=count, p=(0.6, 0.12, 0.28))
    after = np.where(buyer_closes, buyer_after, AUTO_CLOSE)
    reason = np.where(buyer_closes, reason, _TIMEOUT)
    # Asked to 重拍: those who did close the old order minutes after placing the new one.
    replaced = np.full(count, False)
    children = np.flatnonzero(facts.replaces >= 0)
    replaced[facts.replaces[children]] = True
    replacement_gap = np.zeros(count, dtype=np.int64)
    replacement_gap[facts.replaces[children]] = (
        facts.created[children] - facts.created[facts.replaces[children]]
    )
    replaced_after = replacement_gap + rng.integers(MINUTE, 10 * MINUTE, size=count)
    after = np.where(replaced, replaced_after, after)
    reason = np.where(replaced, _REORDER, reason)
    fed_up = (s == Scenario.REORDER_ASKED) & ~replaced & buyer_closes
    reason = np.where(fed_up, _CHANGED_MIND, reason)
    stockout = s == Scenario.STOCKOUT
    after = np.where(stockout, rng.uniform(20 * MINUTE, 20 * HOUR, count), after)
    reason = np.where(stockout, _SELLER_STOCKOUT, reason)
    closed = np.where(pays, NEVER, facts.created + after.astype(np.int64))
    return closed, np.where(pays, -1, reason).astype(np.int8)


def _dispatch(rng: np.random.Generator, plan: ShopPlan, paid: I64) -> I64:
    """Paid before 16:00 ships that day (16:00–19:00), later ones the next day; some slip."""
    day = paid // DAY
    late = (paid % DAY) >= DISPATCH_HOUR * HOUR
    promotion = np.isin(day, plan.promotion_days)
    slip = rng.random(len(paid)) < np.where(promotion, 0.35, 0.12)
    ship_day = day + late + slip
    return np.asarray(ship_day * DAY + DISPATCH_HOUR * HOUR + rng.integers(0, 3 * HOUR, len(paid)))


def _cancelling(
    rng: np.random.Generator, facts: OrderFacts, pays: Flags, paid: I64, shipped: I64
) -> tuple[I64, npt.NDArray[np.int8]]:
    """Paid, then cancelled before shipping: changed minds, wrong address, and stockouts."""
    count = len(pays)
    stockout = facts.scenario == Scenario.STOCKOUT
    cancels = pays & (stockout | (rng.random(count) < 0.02))
    at = paid + ((shipped - paid) * rng.uniform(0.1, 0.9, count)).astype(np.int64)
    reason = rng.choice(4, size=count, p=(0.35, 0.35, 0.15, 0.15))
    reason = np.where(stockout, _STOCKOUT_CANCEL, reason)
    return np.where(cancels, at, NEVER), np.where(cancels, reason, -1).astype(np.int8)


def _delivery(rng: np.random.Generator, shipped: I64) -> I64:
    day = shipped // DAY + rng.integers(2, 5, len(shipped))
    return np.asarray(day * DAY + 9 * HOUR + rng.integers(0, 11 * HOUR, len(shipped)))


def _settlement(rng: np.random.Generator, shipped: I64, delivered: I64) -> I64:
    """Confirmed by the buyer a day or so after delivery, or auto-confirmed after 10 days."""
    count = len(shipped)
    confirm = delivered + rng.lognormal(np.log(20.0 * HOUR), 1.0, count).astype(np.int64)
    auto = shipped + AUTO_CONFIRM
    confirms = rng.random(count) < 0.55
    return np.asarray(np.where(confirms, np.minimum(confirm, auto), auto))


def _refunds(
    rng: np.random.Generator, delivered: I64, settled: I64
) -> tuple[I64, I64, npt.NDArray[np.int8]]:
    """Full refunds: returns before confirmation (5%) and after-sale refunds (1%)."""
    count = len(delivered)
    received = delivered < NEVER
    u = rng.random(count)
    returned = received & (u < 0.05)
    after_sale = received & (u >= 0.05) & (u < 0.06)
    return_at = delivered + rng.uniform(0.5 * DAY, 5 * DAY, count).astype(np.int64)
    after_sale_at = settled + rng.uniform(DAY, 15 * DAY, count).astype(np.int64)
    refunded = np.where(returned, return_at, np.where(after_sale, after_sale_at, NEVER))
    settled = np.where(returned, NEVER, settled)
    reason = rng.choice(len(REFUND_REASONS), size=count, p=(0.3, 0.3, 0.2, 0.15, 0.05))
    return refunded, settled, np.where(refunded < NEVER, reason, -1).astype(np.int8)


def _partial_refunds(
    rng: np.random.Generator, facts: OrderFacts, delivered: I64, refunded: I64
) -> tuple[I64, I64, npt.NDArray[np.int8]]:
    """Partial refunds keep the status: one item of a multi-item order, or a small amount."""
    count = len(delivered)
    gets = (delivered < NEVER) & (refunded == NEVER) & (rng.random(count) < 0.035)
    at = delivered + rng.uniform(0.5 * DAY, 5 * DAY, count).astype(np.int64)
    compensation = rng.integers(5, 31, count) * 100
    one_item = np.minimum(facts.main_line_cents, facts.total_cents - 100)
    cents = np.where(
        facts.line_count > 1, one_item, np.minimum(compensation, facts.total_cents - 100)
    )
    reason = np.where(facts.line_count > 1, rng.choice([1, 2], size=count), 0)
    return (
        np.where(gets, at, NEVER),
        np.where(gets, cents, 0).astype(np.int64),
        np.where(gets, reason, -1).astype(np.int8),
    )
