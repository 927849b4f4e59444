"""The re-order rule (issue 11.2): an order its buyer placed again is not lost.

Buyers close an order and place it again (信息填写错误，重新拍: the address was wrong, a
variant was wrong, the shop asked them to re-order for a promotion), or pay another order
instead. Reminding them about the first order, or asking why they "did not pay", is wrong:
they did. An unpaid or closed order X of a known buyer **was re-ordered** by the same
buyer's later order Y when

* Y is paid (as of the moment) and was placed within ``window`` after X ("any paid order
  within a window"; ``window`` 0 switches this part off), or
* Y holds every item of X (``same_items``; Y may hold more) and was placed within the longer
  of ``window`` and the platform's deadline (``close_after``) after X: X was still open, or
  had just closed, when the buyer ordered it again. Y need not be paid: it replaces X.

When several orders qualify, a paid one wins, then the earliest. X paid by its re-order is
**recovered by the buyer**: no reminder or follow-up is planned for it, and the recovery
report counts it apart from what actions recovered (docs/measurement.md). X re-ordered by an
unpaid Y is left to Y's own reminders.

Items are compared by the store's product id, else the line title (a variant change keeps
the product).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.decide.queries import run_query

__all__ = ["REORDERS", "line_items", "reorders"]

REORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("reordered_by", pa.string()),
        ("reorder_paid", pa.bool_()),
        ("reorder_paid_at", pa.timestamp("us", "UTC")),
        ("reorder_amount", pa.decimal128(18, 2)),
    ]
)
"""One row per re-ordered order: its re-order, whether (and when, for how much) it was paid."""

_KNOWN: Final = ("order_id", "customer_key", "status", "created_at", "paid_at", "paid_amount",
                 "total_amount")  # fmt: skip


def reorders(
    known: pa.Table,
    items: pa.Table,
    *,
    window: timedelta,
    close_after: timedelta,
    same_items: bool = True,
    among: pa.Array | None = None,
) -> pa.Table:
    """The re-ordered orders among ``known`` (orders as of a moment: ``order_id``,
    ``customer_key``, ``status``, ``created_at``, ``paid_at``, ``paid_amount``,
    ``total_amount``), given their ``items`` (``order_id``, ``item``); only the orders
    ``among`` (ids) when given. Schema :data:`REORDERS`."""
    missing = [name for name in _KNOWN if name not in known.column_names]
    if missing:
        raise ValueError(f"the orders frame lacks the column(s) {', '.join(missing)}")
    candidates = pa.table({"order_id": among if among is not None else known["order_id"]})
    result = run_query(
        "reorders.sql",
        {
            "window": window,
            "items_window": max(window, close_after),
            "same_items": same_items,
        },
        known=known.select(list(_KNOWN)),
        items=items.select(["order_id", "item"]),
        candidates=candidates,
    )
    return result.cast(REORDERS)


def line_items(lines: pa.Table) -> pa.Table:
    """``order_id`` and ``item`` (the product id, else the title) of order lines with
    ``order_id``, ``product_id`` and ``title`` columns (the ``ORDER_LINES`` contract)."""
    blank = pc.equal(pc.utf8_trim_whitespace(lines["product_id"]), "")
    product = pc.if_else(blank, pa.scalar(None, pa.string()), lines["product_id"])
    return pa.table({"order_id": lines["order_id"], "item": pc.coalesce(product, lines["title"])})
