"""Orders recovered by the buyer (issue 11.2): placed again and paid, credited to no action.

A buyer who closes an order and pays a new one (信息填写错误，重新拍) recovered the sale
themselves. :func:`winback.decide.reorders.reorders` finds such orders; here they are counted
apart from what the actions recovered (:mod:`winback.measure.attribution`), so that neither
the buyer's own re-orders inflate a playbook's figures nor the money is counted twice:

* ``orders_recovered_by_buyer``: lost or unpaid orders whose re-order was paid;
* ``amount_recovered_by_buyer``: what their re-orders were paid, each re-order once (one
  re-order may replace several orders), leaving out a re-order that an action about the
  re-order itself recovered (that money is in the attribution table already);
* ``reached_before``: how many of those orders an action had reached before the re-order
  was paid (the buyer may have answered it, but no credit is claimed).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa

from winback.measure.attribution import ACTION_COLUMNS, attribute

__all__ = ["BY_BUYER_SCHEMA", "REORDER_COLUMNS", "buyer_recoveries", "paid_reorders"]

REORDER_COLUMNS: Final = (
    "order_id", "reordered_by", "reorder_paid", "reorder_paid_at", "reorder_amount",
)  # fmt: skip
BY_BUYER_SCHEMA: Final = pa.schema(
    [
        ("orders_recovered_by_buyer", pa.int64()),
        ("amount_recovered_by_buyer", pa.decimal128(18, 2)),
        ("reached_before", pa.int64()),
    ]
)
_CENT: Final = Decimal("0.01")


def paid_reorders(reorders: pa.Table) -> dict[str, dict[str, Any]]:
    """order id → its re-order row, for the orders whose re-order was paid."""
    missing = [c for c in REORDER_COLUMNS if c not in reorders.column_names]
    if missing:
        raise ValueError(f"the re-orders frame lacks the column(s) {', '.join(missing)}")
    return {
        row["order_id"]: row
        for row in reorders.select(list(REORDER_COLUMNS)).to_pylist()
        if row["reorder_paid"]
    }


def buyer_recoveries(
    reorders: pa.Table, actions: pa.Table, orders: pa.Table, window: timedelta
) -> pa.Table:
    """One row (schema :data:`BY_BUYER_SCHEMA`); see the module docstring. ``actions`` and
    ``orders`` are the frames of :func:`winback.measure.attribution.recovery_table`."""
    recovered = paid_reorders(reorders)
    attributed = {item.order_id for item in attribute(actions, orders, window)}
    amounts: dict[str, Decimal] = {}
    for row in recovered.values():
        if row["reordered_by"] not in attributed:
            amounts[row["reordered_by"]] = Decimal(row["reorder_amount"] or 0)
    reached = _reached_before(actions, recovered)
    row = {
        "orders_recovered_by_buyer": len(recovered),
        "amount_recovered_by_buyer": sum(amounts.values(), Decimal(0)).quantize(_CENT),
        "reached_before": len(reached),
    }
    return pa.Table.from_pylist([row], schema=BY_BUYER_SCHEMA)


def _reached_before(actions: pa.Table, recovered: dict[str, dict[str, Any]]) -> set[str]:
    missing = [c for c in ACTION_COLUMNS if c not in actions.column_names]
    if missing:
        raise ValueError(f"the actions frame lacks the column(s) {', '.join(missing)}")
    found = set()
    for action in actions.select(["held_out", "sent_at", "order_ids"]).to_pylist():
        if action["held_out"] or action["sent_at"] is None:
            continue
        for order_id in action["order_ids"] or ():
            row = recovered.get(order_id)
            paid_at = row["reorder_paid_at"] if row is not None else None
            if paid_at is not None and action["sent_at"] <= paid_at:
                found.add(order_id)
    return found
