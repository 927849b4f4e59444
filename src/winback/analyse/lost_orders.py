"""D2: the lost-order ratio (订单流失比例) per day, with an alert and the consulted split.

A *lost* order here is one closed before payment (status ``closed``): the buyer placed it and
never paid. Per day of the store's calendar (the day the order was placed):

* ``lost_ratio`` = closed orders ÷ orders placed, ``lost_amount_ratio`` the same by amount;
* ``provisional`` (given ``as_of`` and ``close_after``, the unpaid-order deadline) while an
  order placed that day could still be paid or closed: the day's ratio is still rising (the
  last three days of a 72 h store read 12–16% against a 33% norm). Provisional days are kept
  out of the trend, the baseline and the alert;
* ``lost_ratio_7d``, the ratio over the trailing seven days (their final days only), for the
  trend; null on a provisional day;
* ``baseline_ratio``, the store's own usual ratio: closed ÷ placed over the final days among
  the ``baseline_days`` (28) before the day, once there are at least
  :data:`MIN_BASELINE_DAYS` such days with orders and :data:`MIN_BASELINE_ORDERS` orders;
  ``above_baseline`` when the day is unusually high for the store: the lower end of the
  one-sided 99% Wilson score interval of its ratio (Wilson 1927, *JASA* 22, 209–212) is above
  the baseline, so a day of 20 orders needs a larger gap than a day of 2,000;
* ``above_threshold`` when ``lost_ratio`` is above ``threshold`` (the seed's shop lost over
  45% on 7/30 and 7/31; the default threshold is 30%), and ``alert`` when a final day is
  above the threshold **and** above the store's baseline (or above the threshold while the
  store has no baseline yet). A store whose usual ratio is above the threshold would
  otherwise alert nearly every day (the demo: 43 of 60 days), and an alert that always fires
  is noise;
* the closed orders split into *consulted* (咨询过客服) and *self-service* (自主下单):
  an order is consulted when its buyer sent a chat message within ``consult_window`` before
  placing it (the buyer matched by ``customer_key`` = ``buyer_key``), or when any chat line
  carries its order id. Orders without a buyer key are consulted only through the order id.

The seed's 7/30: 132 orders, 59 closed (44.7%, an alert), 28 consulted and 31 self-service.

For D3–D5 a lost order is wider: closed, cancelled or refunded (:data:`LOST_STATUSES`);
:func:`lost_order_list` lists them and :func:`lost_order_chats` the conversation around each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

import pyarrow as pa

from winback.analyse.frames import CHATS, ORDERS, check, columns, run_query

__all__ = [
    "BASELINE_DAYS",
    "CHAT_AFTER",
    "CHAT_BEFORE",
    "DEFAULT_THRESHOLD",
    "LOST_STATUSES",
    "lost_order_chats",
    "lost_order_list",
    "lost_order_ratio",
]

DEFAULT_THRESHOLD: Final = 0.30
BASELINE_DAYS: Final = 28
"""How many days before a day its baseline looks back on."""
MIN_BASELINE_DAYS: Final = 7
MIN_BASELINE_ORDERS: Final = 30
"""Fewer final days with orders, or fewer orders, in the window: no baseline yet."""
ONE_SIDED_99: Final = 2.3263478740408408
"""The normal quantile of 0.99 (``statistics.NormalDist().inv_cdf(0.99)``)."""
ORDER_COLUMNS: Final = columns(
    ORDERS, ("order_id", "customer_key", "status", "created_at", "total_amount")
)
CHAT_COLUMNS: Final = columns(CHATS, ("buyer_key", "sent_at", "sender", "order_id"))
LOST_COLUMNS: Final = columns(
    ORDERS,
    (
        "order_id",
        "customer_key",
        "status",
        "created_at",
        "paid_at",
        "total_amount",
        "cancel_reason",
        "close_reason",
        "buyer_message",
    ),
)
LOST_STATUSES: Final = ("closed", "cancelled", "refunded")
"""Lost orders for D3–D5: closed before payment, cancelled after payment, fully refunded."""
CHAT_BEFORE: Final = timedelta(days=1)
CHAT_AFTER: Final = timedelta(days=2)
"""The conversation of a lost order: the buyer's chat from a day before to two days after."""


def lost_order_ratio(
    orders: pa.Table,
    chats: pa.Table,
    *,
    timezone: str,
    threshold: float = DEFAULT_THRESHOLD,
    consult_window: timedelta = timedelta(days=1),
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
    close_after: timedelta | None = None,
    baseline_days: int = BASELINE_DAYS,
) -> pa.Table:
    """One row per store-calendar day in ``[start, end]`` (default: first to last day with
    orders): ``day``, ``orders``, ``amount``, ``closed_orders``, ``closed_amount``,
    ``lost_ratio``, ``lost_amount_ratio`` (null on a day without orders), ``provisional``,
    ``above_threshold``, ``baseline_ratio``, ``above_baseline``, ``alert``,
    ``lost_ratio_7d``, ``closed_consulted_orders``/``_amount`` and
    ``closed_self_service_orders``/``_amount``. Orders before ``start`` are read for the
    trend and the baseline only."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a ratio in [0, 1], not {threshold}")
    if consult_window < timedelta(0):
        raise ValueError(f"consult_window must not be negative, not {consult_window}")
    if baseline_days < 1:
        raise ValueError(f"baseline_days must be at least 1, not {baseline_days}")
    if as_of is not None and as_of.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, not {as_of!r}")
    params = {
        "tz": timezone,
        "window": consult_window,
        "threshold": threshold,
        "first_day": start,
        "last_day": end,
        "as_of": as_of,
        "close_after": close_after if as_of is not None else None,
        "baseline_days": baseline_days,
        "min_baseline_days": MIN_BASELINE_DAYS,
        "min_baseline_orders": MIN_BASELINE_ORDERS,
        "z": ONE_SIDED_99,
    }
    return run_query(
        "lost_orders.sql",
        params,
        orders=check(orders, ORDER_COLUMNS, "orders"),
        chats=check(chats, CHAT_COLUMNS, "chats"),
    )


def lost_order_list(
    orders: pa.Table,
    *,
    timezone: str,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """The lost orders (``closed``, ``cancelled`` or ``refunded``) placed in ``[start, end]``:
    ``order_id``, ``customer_key``, ``status``, ``day``, ``created_at``, ``paid_at``,
    ``amount`` and the order's texts (``cancel_reason``, ``close_reason``, ``buyer_message``)."""
    params = {"tz": timezone, "first_day": start, "last_day": end}
    return run_query("lost_order_list.sql", params, orders=check(orders, LOST_COLUMNS, "orders"))


def lost_order_chats(
    lost: pa.Table,
    chats: pa.Table,
    *,
    before: timedelta = CHAT_BEFORE,
    after: timedelta = CHAT_AFTER,
) -> pa.Table:
    """The chat lines around each order of ``lost`` (from :func:`lost_order_list`): the
    buyer's lines and the staff's replies from ``before`` before the order was placed to
    ``after`` after, plus any line carrying the order id; one row per (order, line), in time
    order: ``order_id``, ``sent_at``, ``sender``, ``text``, ``staff``."""
    frame = check(chats, CHATS, "chats")
    numbered = frame.append_column("chat_row", pa.array(range(frame.num_rows), pa.int64()))
    keys = lost.select(["order_id", "customer_key", "created_at"])
    params = {"before": before, "after": after}
    return run_query("lost_order_chats.sql", params, lost=keys, chats=numbered)
