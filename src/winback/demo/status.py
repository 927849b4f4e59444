"""What an export taken at one instant shows: each order's status and the times it reached.

The status follows :class:`winback.model.OrderStatus` exactly: ``closed`` is closed before
payment, ``cancelled`` is paid and cancelled before shipping (its money goes back, so
``refunded_at`` and ``refund_amount`` are set, and ``closed_at`` marks when the trade closed),
``refunded`` is fully refunded after shipping; a partial refund keeps the status and only sets
``refund_amount`` and ``refunded_at``. An event later than the cutoff is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.calendar import NEVER
from winback.demo.draws import OrderDraws
from winback.model import OrderStatus

I64 = npt.NDArray[np.int64]

STATUS_CODES: Final = tuple(OrderStatus)
"""Status code ``i`` is ``STATUS_CODES[i]`` (the enum's declaration order)."""
_CODE: Final = {status: np.int8(index) for index, status in enumerate(STATUS_CODES)}


@dataclass(frozen=True)
class Resolution:
    """Per visible order (``index`` into the draws): status code and the times shown."""

    index: I64
    status: npt.NDArray[np.int8]
    paid: I64
    shipped: I64
    delivered: I64
    settled: I64
    closed: I64
    refunded: I64
    paid_cents: I64
    refund_cents: I64


def resolve(draws: OrderDraws, cutoff: int) -> Resolution:
    """The export at shop second ``cutoff``: orders placed by then, events reached by then."""
    index = np.flatnonzero(draws.created <= cutoff)
    o = draws.outcomes

    def seen(times: I64) -> I64:
        picked = times[index]
        return np.where(picked <= cutoff, picked, NEVER)

    paid, closed, cancelled = seen(o.paid), seen(o.closed), seen(o.cancelled)
    shipped, delivered, settled = seen(o.shipped), seen(o.delivered), seen(o.settled)
    refunded, partial = seen(o.refunded), seen(o.partial_refunded)
    status = np.select(
        [
            closed < NEVER,
            paid == NEVER,
            cancelled < NEVER,
            refunded < NEVER,
            settled < NEVER,
            delivered < NEVER,
            shipped < NEVER,
        ],
        [_CODE[s] for s in _ORDERED],
        default=_CODE[OrderStatus.PAID],
    ).astype(np.int8)
    total = draws.total_cents[index]
    paid_cents = np.where(paid < NEVER, total, 0)
    full_refund = (cancelled < NEVER) | (refunded < NEVER)
    partial_cents = np.where(partial < NEVER, o.partial_cents[index], 0)
    return Resolution(
        index=index,
        status=status,
        paid=paid,
        shipped=shipped,
        delivered=delivered,
        settled=settled,
        closed=np.where(cancelled < NEVER, cancelled, closed),
        refunded=np.where(
            cancelled < NEVER, cancelled, np.where(refunded < NEVER, refunded, partial)
        ),
        paid_cents=paid_cents,
        refund_cents=np.where(full_refund, paid_cents, partial_cents),
    )


_ORDERED: Final = (
    OrderStatus.CLOSED,
    OrderStatus.PENDING,
    OrderStatus.CANCELLED,
    OrderStatus.REFUNDED,
    OrderStatus.SETTLED,
    OrderStatus.DELIVERED,
    OrderStatus.SHIPPED,
)
