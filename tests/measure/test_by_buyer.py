"""Orders recovered by the buyer (issue 11.2): re-ordered and paid, credited to no action."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pyarrow as pa
from test_attribution import T0, TS, WINDOW, actions_frame, orders_frame

from winback.measure.attribution import recovery_table
from winback.measure.by_buyer import buyer_recoveries

MONEY = pa.decimal128(18, 2)


def reorders_frame(rows: list[tuple[str, str, bool, int | None, str | None]]) -> pa.Table:
    """(order, re-order, paid, paid after T0 in hours, amount)."""
    return pa.table(
        {
            "order_id": [r[0] for r in rows],
            "reordered_by": [r[1] for r in rows],
            "reorder_paid": [r[2] for r in rows],
            "reorder_paid_at": pa.array(
                [None if r[3] is None else T0 + timedelta(hours=r[3]) for r in rows], TS
            ),
            "reorder_amount": pa.array(
                [None if r[4] is None else Decimal(r[4]) for r in rows], MONEY
            ),
        }
    )


REORDERS = reorders_frame(
    [
        ("X1", "Y", True, 10, "120.00"),  # a closed order and its paid re-order…
        ("X2", "Y", True, 10, "120.00"),  # …which replaced two: its money counts once
        ("X3", "Z", True, 5, "30.00"),  # reminded at 2 h, re-ordered and paid at 5 h
        ("X4", "W", False, None, None),  # re-ordered, not paid (yet): not recovered
        ("X5", "V", True, 6, "50.00"),  # its re-order V was recovered by V's own reminder
    ]
)
ACTIONS = actions_frame(
    [
        {"action_id": 1, "playbook": "unpaid", "step": 1, "channel": "sms",
         "sent_at": T0 + timedelta(hours=2), "order_ids": ["X3"]},
        {"action_id": 2, "playbook": "unpaid", "step": 1, "channel": "sms",
         "sent_at": T0 + timedelta(hours=1), "order_ids": ["V"]},
    ]
)  # fmt: skip
ORDERS = orders_frame([("X3", None, "30.00"), ("V", T0 + timedelta(hours=6), "50.00")])


def test_reordered_and_paid_orders_are_recovered_by_the_buyer_each_payment_counted_once() -> None:
    (row,) = buyer_recoveries(REORDERS, ACTIONS, ORDERS, WINDOW).to_pylist()
    assert row["orders_recovered_by_buyer"] == 4  # X1, X2, X3, X5
    # Y once, Z; V's payment is the reminder's (attributed to action 2), not the buyer's
    assert row["amount_recovered_by_buyer"] == Decimal("150.00")
    assert row["reached_before"] == 1  # X3 had been reminded before its re-order was paid


def test_the_recovery_table_keeps_its_columns_and_counts_reached_orders_the_buyer_reordered() -> (
    None
):
    table = recovery_table(ACTIONS, ORDERS, WINDOW, reorders=REORDERS)
    assert table.column_names == [
        "playbook", "step", "channel", "template", "agent", "actions_sent", "orders_reached",
        "orders_recovered", "amount_recovered", "recovery_rate", "cost", "roi",
        "recovered_by_buyer",
    ]  # fmt: skip
    (row,) = table.to_pylist()  # both actions: unpaid, step 1, sms
    assert (row["orders_reached"], row["orders_recovered"]) == (2, 1)  # V by its reminder
    assert row["recovered_by_buyer"] == 1  # X3: re-ordered and paid, not credited
    assert recovery_table(ACTIONS, ORDERS, WINDOW)["recovered_by_buyer"].to_pylist() == [0]
