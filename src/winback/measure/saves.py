"""What cancelled-order saves recovered (R4, M2): the buyer came back and paid a new order.

A cancelled order is never paid again; its save *converts* when its buyer places and pays
another order within ``window`` after the cancellation. :func:`save_outcomes` gives each
cancelled order the payment of that next order (or none), so that
:func:`winback.measure.experiments.holdout_lift` compares the saves sent against those held
out exactly as for the other playbooks (intention to treat, Newcombe's interval).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Final

import pyarrow as pa

__all__ = ["save_outcomes"]

_KEPT: Final = frozenset({"paid", "shipped", "delivered", "settled"})


def save_outcomes(orders: pa.Table, cancelled: Iterable[str], window: timedelta) -> pa.Table:
    """``order_id``, ``paid_at``, ``paid_amount``, ``total_amount`` of each ``cancelled``
    order, with the payment of its buyer's first later order placed within ``window`` of the
    cancellation and kept (paid, not cancelled or refunded); null when there is none.
    ``orders`` has ``order_id``, ``customer_key``, ``status``, ``created_at``, ``paid_at``,
    ``closed_at``, ``paid_amount`` and ``total_amount``."""
    rows = orders.select(
        ["order_id", "customer_key", "status", "created_at", "paid_at", "closed_at",
         "paid_amount", "total_amount"]
    ).to_pylist()  # fmt: skip
    wanted = set(cancelled)
    kept: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["customer_key"] is not None and row["status"] in _KEPT:
            kept.setdefault(row["customer_key"], []).append(row)
    found = []
    for row in rows:
        if row["order_id"] not in wanted:
            continue
        gone = row["closed_at"] or row["created_at"]
        later = sorted(
            (
                other
                for other in kept.get(row["customer_key"], ())
                if row["customer_key"]
                if gone < other["created_at"] <= gone + window
            ),
            key=lambda other: (other["created_at"], other["order_id"]),
        )
        back = later[0] if later else None
        found.append(
            {
                "order_id": row["order_id"],
                "paid_at": None if back is None else back["paid_at"] or back["created_at"],
                "paid_amount": None
                if back is None
                else back["paid_amount"] or back["total_amount"],
                "total_amount": row["total_amount"],
            }
        )
    schema = pa.schema(
        [("order_id", pa.string()), ("paid_at", orders.schema.field("created_at").type),
         ("paid_amount", pa.decimal128(18, 2)), ("total_amount", pa.decimal128(18, 2))]
    )  # fmt: skip
    return pa.Table.from_pylist(found, schema=schema)
