"""D1: where each day's order amount stands — the seed's 订单总金额 decomposition.

订单总金额 = 未付款金额 + 已付款未发货金额 + 已经发货金额 + 回款金额 + 付款前关闭订单金额 + 退款金额

For every day of the store's calendar (the day an order was *placed*, in the store's time
zone), the amount of the orders placed that day is split into parts by where each order
stands **as of** ``as_of``:

``unpaid``                 not paid as of ``as_of`` (pending, or paid / closed later)
``paid_not_shipped``       paid, not handed to the carrier
``shipped``                shipped or delivered, not yet confirmed (settled)
``settled``                confirmed: the money reached the seller (回款)
``closed_before_payment``  closed without payment
``refunded``               what went back: cancelled after payment or refunded, and partial
                           refunds

**What the data cannot tell apart.** Many exports carry no shipping or settlement columns
(a generic CSV of paid orders, an order report without 发货时间 or 订单状态): their paid
orders would all read "paid, not shipped" forever. ``reported`` (:func:`reported_events`, one
row per source, i.e. order ``platform``) says which later events each source's data tells; a
source reports shipping when any of its orders carries a ship or delivery time or a
shipped/delivered status, settlement when any carries a settlement time or the settled
status. The parts a source cannot tell apart are merged, honestly named:

``paid_shipping_unknown``       paid and kept, where shipping is not in the source's data
                                (it cannot say which are waiting to ship)
``shipped_settlement_unknown``  shipped, where settlement is not in the source's data

Until one order of a source has shipped, "not shipped yet" and "shipping not reported" look
the same; the merged part is the conservative reading.

The status as of ``as_of`` comes from the order's timestamps: an event counts when its time is
at or before ``as_of``. An event that the current status implies but whose time is missing
happened no later than the next recorded event after it, so it counts when that one does (a
``settled`` order without ``delivered_at`` was delivered by ``settled_at``); with no later
event recorded, it counts as done. A timestamp the status does not allow (a ``shipped_at`` on
a ``paid`` order) is ignored. Orders placed after ``as_of`` are left out.

**Refunds.** The ``refunded`` amount is the stored refund: ``refund_amount`` (capped at the
order amount) once done as of ``as_of``, whatever the status, so that D1's refunded part equals
the data's refund sum; only an order cancelled or refunded whose data carries no refund amount
counts its whole amount (the status says all of it went back). A cancelled or refunded order
whose refund covers its amount is counted in ``refunded``; one that kept part of its amount
(a refund without the shipping fee) is counted, with the part kept, where it stood. Each order
is counted once (``*_orders`` columns), and the ``*_amount`` columns sum exactly (decimal) to
``amount``.

**Provisional days.** With ``close_after`` (the unpaid-order deadline), a day is
``provisional`` while an order placed on it could still be paid or closed: its end plus
``close_after`` is after ``as_of``. Its unpaid part will still move; D2 keeps such days out of
trends and alerts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

import pyarrow as pa

from winback.analyse.frames import ORDERS, REPORTED_EVENTS, check, columns, run_query
from winback.model import OrderStatus

__all__ = ["MERGED_PARTS", "PARTS", "SEED_PARTS", "decompose", "parts_shown", "reported_events"]

PARTS: Final = (
    "unpaid",
    "paid_not_shipped",
    "shipped",
    "settled",
    "paid_shipping_unknown",
    "shipped_settlement_unknown",
    "closed_before_payment",
    "refunded",
)
"""Every part, in reading order; each has ``<part>_orders`` and ``<part>_amount`` columns."""
SEED_PARTS: Final = tuple(part for part in PARTS if not part.endswith("_unknown"))
"""The seed's six parts, for a store whose data reports every event."""
MERGED_PARTS: Final = {
    "paid_shipping_unknown": ("paid_not_shipped", "shipped", "settled"),
    "shipped_settlement_unknown": ("shipped", "settled"),
}
"""Each merged part and the seed's parts it stands for where the data cannot tell them apart."""
_KNOWN: Final = frozenset(status.value for status in OrderStatus)

_EVIDENCE: Final = ("platform", "status", "shipped_at", "delivered_at", "settled_at")
REQUIRED: Final = columns(
    ORDERS,
    (
        "order_id",
        "platform",
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
    reported: pa.Table | None = None,
    close_after: timedelta | None = None,
) -> pa.Table:
    """One row per store-calendar day in ``[start, end]`` (default: the first to the last day
    with orders; days without orders are rows of zeros): ``day``, ``orders``, ``amount``,
    ``<part>_orders`` / ``<part>_amount`` for each of :data:`PARTS`, and ``provisional``.

    ``reported`` (``REPORTED_EVENTS``, see :func:`reported_events`) says what each source's
    data tells; without it every source reports every event. ``close_after`` marks the
    provisional days (none without it)."""
    frame = check(orders, REQUIRED, "orders")
    _require_aware(as_of)
    _require_known_statuses(frame)
    sources = check(
        reported if reported is not None else REPORTED_EVENTS.empty_table(),
        REPORTED_EVENTS,
        "reported events",
    )
    params = {
        "tz": timezone,
        "as_of": as_of,
        "first_day": start,
        "last_day": end,
        "close_after": close_after,
    }
    return run_query("decomposition.sql", params, orders=frame, reported=sources)


def reported_events(orders: pa.Table) -> pa.Table:
    """Per source (``platform``) of ``orders`` — the raw rows, not an as-of reading — whether
    its data tells ``shipping`` and ``settlement`` (``REPORTED_EVENTS``)."""
    frame = check(orders, columns(ORDERS, _EVIDENCE), "orders")
    return check(run_query("reported_events.sql", {}, orders=frame), REPORTED_EVENTS, "reported")


def parts_shown(reported: pa.Table | None) -> tuple[str, ...]:
    """The parts a store's sources can fill, in :data:`PARTS` order: the seed's six when every
    source reports shipping and settlement; a merged part in place of the parts it stands
    for where no source tells them apart."""
    rows = [] if reported is None else reported.to_pylist()
    kinds = {(bool(row["shipping"]), bool(row["settlement"])) for row in rows} or {(True, True)}
    shown = {"unpaid", "closed_before_payment", "refunded"}
    for shipping, settlement in kinds:
        if not shipping:
            shown.add("paid_shipping_unknown")
        elif settlement:
            shown.update(("paid_not_shipped", "shipped"))
        else:
            shown.update(("paid_not_shipped", "shipped_settlement_unknown"))
        if settlement:
            shown.add("settled")
    return tuple(part for part in PARTS if part in shown)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, not {moment!r}")


def _require_known_statuses(frame: pa.Table) -> None:
    seen = frame["status"].unique().to_pylist()
    unknown = sorted(str(value) for value in seen if value not in _KNOWN)
    if unknown:
        known = ", ".join(status.value for status in OrderStatus)
        raise ValueError(f"orders with unknown status {', '.join(unknown)} (known: {known})")
