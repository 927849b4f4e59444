"""Last-touch attribution and the recovery table, against hand-computed numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from winback.measure.attribution import Costs, attribute, recovery_table

T0 = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)
TS = pa.timestamp("us", "UTC")


def actions_frame(rows: list[dict[str, Any]]) -> pa.Table:
    defaults = {"agent": None, "held_out": False, "template": "t", "due_at": T0}
    full = [{**defaults, **row} for row in rows]
    return pa.table(
        {
            "action_id": pa.array([r["action_id"] for r in full], pa.int64()),
            "playbook": [r["playbook"] for r in full],
            "step": pa.array([r["step"] for r in full], pa.int64()),
            "channel": [r["channel"] for r in full],
            "template": [r["template"] for r in full],
            "agent": pa.array([r["agent"] for r in full], pa.string()),
            "held_out": [r["held_out"] for r in full],
            "due_at": pa.array([r["due_at"] for r in full], TS),
            "sent_at": pa.array([r["sent_at"] for r in full], TS),
            "order_ids": pa.array([r["order_ids"] for r in full], pa.list_(pa.string())),
        }
    )


def orders_frame(rows: list[tuple[str, datetime | None, str]]) -> pa.Table:
    return pa.table(
        {
            "order_id": [r[0] for r in rows],
            "paid_at": pa.array([r[1] for r in rows], TS),
            "paid_amount": pa.array(
                [Decimal(r[2]) if r[1] else None for r in rows], pa.decimal128(18, 2)
            ),
            "total_amount": pa.array([Decimal(r[2]) for r in rows], pa.decimal128(18, 2)),
        }
    )


ACTIONS = actions_frame(
    [
        {"action_id": 1, "playbook": "unpaid", "step": 1, "channel": "sms",
         "sent_at": T0 + timedelta(hours=8), "order_ids": ["A", "B", "D"]},
        {"action_id": 2, "playbook": "unpaid", "step": 2, "channel": "phone_task",
         "agent": "li", "sent_at": T0 + timedelta(hours=9), "order_ids": ["A"]},
        {"action_id": 3, "playbook": "unpaid", "step": 1, "channel": "sms", "held_out": True,
         "sent_at": None, "order_ids": ["E"]},
        {"action_id": 4, "playbook": "unpaid", "step": 1, "channel": "sms",
         "sent_at": None, "order_ids": ["F"]},
    ]
)  # fmt: skip
ORDERS = orders_frame(
    [
        ("A", T0 + timedelta(hours=10), "100.00"),  # after both touches: the last one wins
        ("B", T0 + timedelta(hours=8 + 73), "200.00"),  # paid after the window
        ("C", None, "300.00"),
        ("D", T0 + timedelta(hours=7), "50.00"),  # paid before the reminder
        ("E", T0 + timedelta(hours=9), "70.00"),  # held out: nothing was sent
        ("F", T0 + timedelta(hours=9), "80.00"),  # its action was never sent
    ]
)


def test_the_last_action_sent_before_payment_gets_the_credit() -> None:
    (only,) = attribute(ACTIONS, ORDERS, WINDOW)
    assert (only.order_id, only.action_id, only.amount) == ("A", 2, Decimal("100.00"))


def test_the_recovery_table_matches_hand_computed_numbers() -> None:
    rows = recovery_table(ACTIONS, ORDERS, WINDOW, Costs()).to_pylist()
    sms, phone = rows
    assert sms == {
        "playbook": "unpaid", "step": 1, "channel": "sms", "template": "t", "agent": None,
        "actions_sent": 1, "orders_reached": 3, "orders_recovered": 0,
        "amount_recovered": Decimal("0.00"), "recovery_rate": 0.0,
        "cost": Decimal("0.05"), "roi": -1.0, "recovered_by_buyer": 0,
    }  # fmt: skip
    assert phone["agent"] == "li"
    assert (phone["orders_recovered"], phone["amount_recovered"]) == (1, Decimal("100.00"))
    assert phone["recovery_rate"] == 1.0
    assert phone["cost"] == Decimal("2.00")  # 4 agent minutes at 0.50
    assert phone["roi"] == pytest.approx(49.0)


def test_a_longer_window_credits_the_late_payment() -> None:
    found = {a.order_id for a in attribute(ACTIONS, ORDERS, timedelta(hours=80))}
    assert found == {"A", "B"}


def test_nothing_spent_means_no_roi() -> None:
    rows = recovery_table(ACTIONS, ORDERS, WINDOW, Costs(sms_price=Decimal(0))).to_pylist()
    assert rows[0]["roi"] is None


def test_a_frame_without_the_contracted_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the column"):
        attribute(ACTIONS.drop_columns(["sent_at"]), ORDERS, WINDOW)
