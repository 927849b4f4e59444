"""The prior members' purchases before the simulated period: the shop's last two years.

The simulator's returning buyers are partly CRM members who bought before the period
(customers ``0 .. prior_members-1``, :mod:`winback.demo.buyers`). A merchant who installs
winback imports last years' order reports first; this module simulates them, so the store
knows when the members last bought and some of them are lost (seed 004: a fashion shop's
customer is lost after a season without a purchase).

Per member, from the stream ``default_rng([seed, 100])`` (no other draw moves):

* **how many orders**: ``1 + Poisson(λ)`` with λ growing with loyalty — most members bought
  once, some two or three times, the loyal few (the low customer numbers, who also buy most
  often in the period) five times or more;
* **when**: the last purchase 2 weeks to 2 years before the period, earlier for the less
  loyal (those silent for longer than the cutoff are lost unless they buy again in the
  period); earlier purchases a season apart on average, none older than two years;
* **what**: one to three catalogue SKUs at catalogue prices, a fifth of members preferring
  the dear items (the high average bills worth winning back);
* **outcome**: mostly 交易成功 (settled), a few refunded after delivery or closed unpaid.

The records are ordinary :class:`~winback.ingest.records.OrderRecord` values written with the
Taobao exporter as a separate, older order and item report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from winback.demo.buyers import remote_buyers
from winback.demo.calendar import DAY, HOUR, MINUTE
from winback.demo.catalogue import Catalogue, build_catalogue
from winback.demo.exports import taobao as taobao_export
from winback.demo.orders import Money, buyers_by_customer
from winback.demo.outcomes import AUTO_CLOSE, CLOSE_REASONS
from winback.ingest.records import ZERO, Buyer, OrderLineRecord, OrderRecord
from winback.model import OrderStatus, Platform

I64 = npt.NDArray[np.int64]

HISTORY_DAYS: Final = 730
MIN_DAYS_BEFORE: Final = 14
"""The newest history order is this many days before the period, so all its events are too."""
SEASON_DAYS: Final = 75.0
PREMIUM_SHARE: Final = 0.2
REFUNDED_SHARE: Final = 0.04
CLOSED_SHARE: Final = 0.03
ORDER_NUMBER_BASE: Final = 1_900_000_000_000_000_000
"""Below the period's order numbers (:data:`winback.demo.draws.ORDER_NUMBER_BASE`)."""
_LINE_COUNTS: Final = (0.78, 0.17, 0.05)
_SETTLED, _REFUNDED, _CLOSED = range(3)
_PAID_IN_MINUTES, _PAID_IN_HOURS = 0.82, 0.97  # cumulative shares
ORDER_REPORT: Final = "ExportOrderList_history.csv"
ITEM_REPORT: Final = "ExportOrderDetailList_history.csv"


def simulate_history(
    *, seed: int, prior_members: int, start: date, tz: str = "Asia/Shanghai"
) -> list[OrderRecord]:
    """The Taobao orders of members ``0 .. prior_members-1`` in the two years before
    ``start`` (the first simulated day), oldest first."""
    rng = np.random.default_rng([seed, 100])
    catalogue = build_catalogue()
    member, days_before = _order_days(rng, prior_members)
    seconds = -days_before * DAY + _seconds_of_day(rng, len(member))
    order = np.argsort(seconds, kind="stable")
    member, seconds = member[order], seconds[order]
    premium = rng.random(prior_members) < PREMIUM_SHARE
    line_count = 1 + rng.choice(3, size=len(member), p=_LINE_COUNTS).astype(np.int64)
    line_member = np.repeat(member, line_count)
    line_sku = _skus(rng, catalogue, premium[line_member])
    outcome = rng.choice(
        3, size=len(member), p=(1 - REFUNDED_SHARE - CLOSED_SHARE, REFUNDED_SHARE, CLOSED_SHARE)
    )
    paid_delay = _payment_delays(rng, len(member))
    numbers = ORDER_NUMBER_BASE + np.cumsum(rng.integers(10**9, 5 * 10**10, len(member)))
    return _records(
        catalogue=catalogue,
        member=member,
        seconds=seconds,
        line_count=line_count,
        line_sku=line_sku,
        outcome=outcome,
        paid_delay=paid_delay,
        numbers=numbers,
        start=datetime.combine(start, datetime.min.time(), tzinfo=ZoneInfo(tz)),
    )


def write_history_reports(orders: list[OrderRecord], folder: Path) -> None:
    """The history as the seller back office exports it: an order and an item report."""
    folder.mkdir(parents=True, exist_ok=True)
    taobao_export.write_order_report(orders, folder / ORDER_REPORT)
    taobao_export.write_item_report(orders, folder / ITEM_REPORT)


def _order_days(rng: np.random.Generator, members: int) -> tuple[I64, I64]:
    """Per order: the member and how many days before the period it was placed."""
    loyalty = 1.0 - np.arange(members) / max(members, 1)
    counts = 1 + rng.poisson(0.35 + 5.0 * loyalty**4)
    # The last purchase: loyal members bought recently, the others anywhere in two years.
    span = HISTORY_DAYS - MIN_DAYS_BEFORE
    last = MIN_DAYS_BEFORE + (span * rng.random(members) ** (1.0 + 2.5 * loyalty)).astype(np.int64)
    member = np.repeat(np.arange(members, dtype=np.int64), counts)
    first_of = np.cumsum(counts) - counts
    position = np.arange(len(member)) - np.repeat(first_of, counts)
    gaps = np.where(position > 0, rng.exponential(SEASON_DAYS, len(member)), 0.0)
    back = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first_of], counts)
    days_before = last[member] + back.astype(np.int64)
    kept = days_before < HISTORY_DAYS
    return member[kept], days_before[kept].astype(np.int64)


def _seconds_of_day(rng: np.random.Generator, count: int) -> I64:
    """Local times of day between 08:00 and midnight, when Taobao shoppers order."""
    return rng.integers(8 * HOUR, DAY, size=count).astype(np.int64)


def _payment_delays(rng: np.random.Generator, count: int) -> I64:
    """Seconds from order to payment, the returning buyers' mixture of
    :func:`winback.demo.outcomes.payment_delay`: minutes for most, hours for some, days for
    a few (the recovery plan learns its reminder timing from these)."""
    u = rng.random(count)
    fast = rng.lognormal(np.log(150.0), 1.0, count).clip(10, 2 * HOUR)
    hours = rng.lognormal(np.log(3.0 * HOUR), 0.9, count).clip(20 * MINUTE, 23 * HOUR)
    days = rng.uniform(DAY, AUTO_CLOSE - HOUR, count)
    delay = np.where(u < _PAID_IN_MINUTES, fast, np.where(u < _PAID_IN_HOURS, hours, days))
    return delay.astype(np.int64)


def _skus(rng: np.random.Generator, catalogue: Catalogue, premium: npt.NDArray[np.bool_]) -> I64:
    """SKUs by popularity; premium members' choices tilted to the dear items."""
    dear = catalogue.sku_weight * catalogue.sku_price_cents.astype(np.float64) ** 2
    ordinary = rng.choice(catalogue.sku_count, size=len(premium), p=catalogue.sku_weight)
    chosen = rng.choice(catalogue.sku_count, size=len(premium), p=dear / dear.sum())
    return np.where(premium, chosen, ordinary).astype(np.int64)


def _records(
    *,
    catalogue: Catalogue,
    member: I64,
    seconds: I64,
    line_count: I64,
    line_sku: I64,
    outcome: I64,
    paid_delay: I64,
    numbers: I64,
    start: datetime,
) -> list[OrderRecord]:
    money = Money()
    buyer_of = buyers_by_customer(Platform.TAOBAO, member)
    line_cents = catalogue.sku_price_cents[line_sku]
    line_start = np.cumsum(line_count) - line_count
    goods = np.add.reduceat(line_cents, line_start) if len(member) else line_cents
    remote = remote_buyers(member)
    shipping = np.where(remote, 1_200, np.where(goods < 5_000, 600, 0))
    skus, starts, counts = line_sku.tolist(), line_start.tolist(), line_count.tolist()
    records: list[OrderRecord] = []
    for k, (who, second, kind, delay, number) in enumerate(
        zip(
            member.tolist(),
            seconds.tolist(),
            outcome.tolist(),
            paid_delay.tolist(),
            numbers.tolist(),
            strict=True,
        )
    ):
        created = start + timedelta(seconds=second)
        order_id = str(number)
        goods_cents, total_cents = int(goods[k]), int(goods[k] + shipping[k])
        lines = _lines(catalogue, skus[starts[k] : starts[k] + counts[k]], order_id, number)
        lines = _refund_lines(lines) if kind == _REFUNDED else lines
        records.append(
            _order(
                order_id=order_id,
                kind=kind,
                created=created,
                paid=created + timedelta(seconds=delay),
                buyer_total=money(total_cents),
                goods=money(goods_cents),
                shipping=money(int(shipping[k])),
                lines=lines,
                buyer=buyer_of[who],
            )
        )
    return records


def _lines(
    catalogue: Catalogue, skus: list[int], order_id: str, number: int
) -> tuple[OrderLineRecord, ...]:
    money = Money()
    return tuple(
        OrderLineRecord(
            line_id=order_id if len(skus) == 1 else str(number + n + 1),
            title=catalogue.titles[int(catalogue.sku_product[sku])],
            quantity=1,
            unit_price=money(int(catalogue.sku_price_cents[sku])),
            sku=catalogue.sku_codes[sku],
            product_id=catalogue.product_ids[int(catalogue.sku_product[sku])],
            attributes={"colour": catalogue.sku_colour[sku], "size": catalogue.sku_size[sku]},
        )
        for n, sku in enumerate(skus)
    )


def _refund_lines(lines: tuple[OrderLineRecord, ...]) -> tuple[OrderLineRecord, ...]:
    """A returned order: every line's goods went back (七天无理由退换货)."""
    return tuple(replace(line, refund_amount=line.unit_price * line.quantity) for line in lines)


def _order(
    *,
    order_id: str,
    kind: int,
    created: datetime,
    paid: datetime,
    buyer_total: Decimal,
    goods: Decimal,
    shipping: Decimal,
    lines: tuple[OrderLineRecord, ...],
    buyer: Buyer,
) -> OrderRecord:
    """One history order at its final state: settled, refunded after delivery, or closed."""
    if kind == _CLOSED:
        return OrderRecord(
            platform=Platform.TAOBAO, order_id=order_id, status=OrderStatus.CLOSED,
            created_at=created, total_amount=buyer_total, buyer=buyer, goods_amount=goods,
            shipping_fee=shipping, closed_at=created + timedelta(seconds=AUTO_CLOSE),
            close_reason=CLOSE_REASONS[0], lines=lines,
        )  # fmt: skip
    shipped = paid + timedelta(days=1)
    delivered = shipped + timedelta(days=2)
    refunded = kind == _REFUNDED
    return OrderRecord(
        platform=Platform.TAOBAO, order_id=order_id,
        status=OrderStatus.REFUNDED if refunded else OrderStatus.SETTLED,
        created_at=created, total_amount=buyer_total, buyer=buyer, goods_amount=goods,
        shipping_fee=shipping, paid_amount=buyer_total, refund_amount=goods if refunded else ZERO,
        paid_at=paid, shipped_at=shipped, delivered_at=delivered,
        settled_at=None if refunded else delivered + timedelta(days=5),
        refunded_at=delivered + timedelta(days=3) if refunded else None,
        payment_method="支付宝", lines=lines,
    )  # fmt: skip
