"""D1: where each day's order amount stands — the seed's 订单总金额 decomposition.

订单总金额 = 未付款金额 + 已付款未发货金额 + 已经发货金额 + 回款金额 + 付款前关闭订单金额 + 退款金额

For every day of the store's calendar (the day an order was *placed*, in the store's time
zone), the amount of the orders placed that day is split into six parts by where each order
stands **as of** ``as_of``:

``unpaid``                 not paid as of ``as_of`` (pending, or paid / closed later)
``paid_not_shipped``       paid, not handed to the carrier
``shipped``                shipped or delivered, not yet confirmed (settled)
``settled``                confirmed: the money reached the seller (回款)
``closed_before_payment``  closed without payment
``refunded``               cancelled after payment or fully refunded, plus partial refunds

The status as of ``as_of`` comes from the order's timestamps: an event counts when its time is
at or before ``as_of``. An event that the current status implies but whose time is missing
happened no later than the next recorded event after it, so it counts when that one does (a
``settled`` order without ``delivered_at`` was delivered by ``settled_at``); with no later
event recorded, it counts as done. A timestamp the status does not allow (a ``shipped_at`` on
a ``paid`` order) is ignored. Orders placed after ``as_of`` are left
out. A partial refund (``refund_amount`` on an order that is not cancelled or refunded, done as
of ``as_of``) moves that amount, capped at the order amount, to ``refunded``; the rest stays in
the order's part. Each order is counted once, in its status part (``*_orders`` columns), and
the ``*_amount`` columns sum exactly (decimal) to ``amount``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import pyarrow as pa

from winback.analyse.frames import ORDERS, check, columns, run_query
from winback.model import OrderStatus

__all__ = ["PARTS", "decompose"]

PARTS: Final = (
    "unpaid",
    "paid_not_shipped",
    "shipped",
    "settled",
    "closed_before_payment",
    "refunded",
)
"""The parts, in the seed's order; each has ``<part>_orders`` and ``<part>_amount`` columns."""
_KNOWN: Final = frozenset(status.value for status in OrderStatus)

REQUIRED: Final = columns(
    ORDERS,
    (
        "order_id",
        "status",
        "created_at",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "settled_at",
        "closed_at",
        "refunded_at",
        "total_amount",
        "refund_amount",
    ),
)


def decompose(
    orders: pa.Table,
    *,
    timezone: str,
    as_of: datetime,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """One row per store-calendar day in ``[start, end]`` (default: the first to the last day
    with orders; days without orders are rows of zeros): ``day``, ``orders``, ``amount`` and
    ``<part>_orders`` / ``<part>_amount`` for each of :data:`PARTS`."""
    frame = check(orders, REQUIRED, "orders")
    _require_aware(as_of)
    _require_known_statuses(frame)
    params = {"tz": timezone, "as_of": as_of, "first_day": start, "last_day": end}
    return run_query("decomposition.sql", params, orders=frame)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, not {moment!r}")


def _require_known_statuses(frame: pa.Table) -> None:
    seen = frame["status"].unique().to_pylist()
    unknown = sorted(str(value) for value in seen if value not in _KNOWN)
    if unknown:
        known = ", ".join(status.value for status in OrderStatus)
        raise ValueError(f"orders with unknown status {', '.join(unknown)} (known: {known})")
