"""A save converts when the buyer comes back and pays a new order within the window after
the cancellation; the holdout compares saves sent with saves held out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from winback.measure.experiments import holdout_lift
from winback.measure.saves import save_outcomes

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ORDERS = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("paid_at", pa.timestamp("us", tz="UTC")),
        ("closed_at", pa.timestamp("us", tz="UTC")),
        ("paid_amount", pa.decimal128(18, 2)),
        ("total_amount", pa.decimal128(18, 2)),
    ]
)


def order(order_id: str, buyer: str, status: str, at: datetime, **more: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_key": buyer,
        "status": status,
        "created_at": at,
        "paid_at": more.get("paid_at", at),
        "closed_at": more.get("closed_at"),
        "paid_amount": Decimal(more.get("paid", "80")),
        "total_amount": Decimal("80"),
    }


def test_the_buyers_next_kept_order_within_the_window_is_the_saves_payment() -> None:
    rows = [
        order("c1", "ann", "cancelled", T0 - DAY, closed_at=T0),
        order("n1", "ann", "refunded", T0 + DAY),  # not kept
        order("n2", "ann", "paid", T0 + 2 * DAY, paid="70"),
        order("c2", "bob", "cancelled", T0 - DAY, closed_at=T0),
        order("n3", "bob", "paid", T0 + 9 * DAY),  # too late
        order("c3", None, "cancelled", T0 - DAY, closed_at=T0),  # type: ignore[arg-type]
    ]
    found = save_outcomes(pa.Table.from_pylist(rows, schema=ORDERS), ["c1", "c2", "c3"], 7 * DAY)
    by_id = {r["order_id"]: r for r in found.to_pylist()}
    assert by_id["c1"]["paid_at"] == T0 + 2 * DAY and by_id["c1"]["paid_amount"] == Decimal(70)
    assert by_id["c2"]["paid_at"] is None and by_id["c3"]["paid_at"] is None


def test_the_holdout_lift_of_saves_compares_sent_with_held_out() -> None:
    rows, actions = [], []
    for n in range(20):
        held = n % 2 == 1
        rows.append(order(f"c{n}", f"b{n}", "cancelled", T0 - DAY, closed_at=T0))
        if (not held and n % 4 == 0) or (held and n == 1):
            rows.append(order(f"n{n}", f"b{n}", "paid", T0 + DAY))
        actions.append(
            {
                "action_id": n,
                "playbook": "save",
                "step": 1,
                "channel": "email",
                "template": "cancel_save_email",
                "agent": None,
                "held_out": held,
                "due_at": T0,
                "sent_at": None if held else T0,
                "order_ids": [f"c{n}"],
            }
        )
    outcomes = save_outcomes(
        pa.Table.from_pylist(rows, schema=ORDERS), [f"c{n}" for n in range(20)], 7 * DAY
    )
    (lift,) = holdout_lift(pa.Table.from_pylist(actions), outcomes, 7 * DAY).to_pylist()
    assert (lift["treated_orders"], lift["treated_converted"]) == (10, 5)
    assert (lift["held_out_orders"], lift["held_out_converted"]) == (10, 1)
    assert abs(lift["lift"] - 0.4) < 1e-9 and lift["lift_lower"] < 0.4 < lift["lift_upper"]
