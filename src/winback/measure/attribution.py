"""Attribution (PRODUCT M1, M2): which sent action recovered which order, and what it cost.

Rule (last touch): an order paid within ``window`` after an action about it was sent counts
as recovered by the *last* such action sent before the payment (ties: the later action id).
Held-out actions are never sent and recover nothing; their orders are the baseline of
:mod:`winback.measure.experiments`, which estimates what the actions *caused*.

Frames in, frame out. ``actions`` columns: ``action_id`` (int), ``playbook``, ``step``,
``channel``, ``template``, ``agent`` (nullable: who handled an agent task), ``held_out``
(bool), ``due_at``, ``sent_at`` (nullable: not sent) and ``order_ids`` (list of strings).
``orders`` columns: ``order_id``, ``paid_at`` (nullable), ``paid_amount`` (nullable) and
``total_amount``; the recovered amount is the paid amount, else the order total.

:func:`recovery_table` has one row per (playbook, step, channel, template, agent):
``actions_sent``, ``orders_reached`` (distinct orders of the sent actions),
``orders_recovered``, ``amount_recovered``, ``recovery_rate`` (recovered ÷ reached),
``cost`` (SMS/e-mail price per message, agent minutes × the minute cost per task) and
``roi`` ((amount − cost) ÷ cost; null when nothing was spent) and, given the re-orders
(:mod:`winback.decide.reorders`), ``recovered_by_buyer``: reached orders the buyer placed
again and paid, which are credited to no action (:mod:`winback.measure.by_buyer`).
``docs/measurement.md`` explains every column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa

__all__ = [
    "ACTION_COLUMNS",
    "ORDER_COLUMNS",
    "RECOVERY_SCHEMA",
    "Attribution",
    "Costs",
    "attribute",
    "order_amounts",
    "recovery_table",
]

ACTION_COLUMNS: Final = (
    "action_id", "playbook", "step", "channel", "template", "agent", "held_out", "due_at",
    "sent_at", "order_ids",
)  # fmt: skip
ORDER_COLUMNS: Final = ("order_id", "paid_at", "paid_amount", "total_amount")
_MONEY: Final = pa.decimal128(18, 2)
_CENT: Final = Decimal("0.01")

RECOVERY_SCHEMA: Final = pa.schema(
    [
        ("playbook", pa.string()),
        ("step", pa.int64()),
        ("channel", pa.string()),
        ("template", pa.string()),
        ("agent", pa.string()),
        ("actions_sent", pa.int64()),
        ("orders_reached", pa.int64()),
        ("orders_recovered", pa.int64()),
        ("amount_recovered", _MONEY),
        ("recovery_rate", pa.float64()),
        ("cost", _MONEY),
        ("roi", pa.float64()),
        ("recovered_by_buyer", pa.int64()),
    ]
)


@dataclass(frozen=True, slots=True)
class Costs:
    """What one sent action costs: a price per message, or agent minutes at a minute cost."""

    sms_price: Decimal = Decimal("0.05")
    email_price: Decimal = Decimal(0)
    agent_minute_cost: Decimal = Decimal("0.50")
    phone_task_minutes: Decimal = Decimal(4)
    chat_task_minutes: Decimal = Decimal(2)

    def of(self, channel: str) -> Decimal:
        prices = {
            "sms": self.sms_price,
            "email": self.email_price,
            "phone_task": self.phone_task_minutes * self.agent_minute_cost,
            "chat_task": self.chat_task_minutes * self.agent_minute_cost,
        }
        return prices.get(channel, Decimal(0))


@dataclass(frozen=True, slots=True)
class Attribution:
    """Order ``order_id``, paid at ``paid_at`` for ``amount``, recovered by ``action_id``."""

    order_id: str
    action_id: int
    paid_at: datetime
    amount: Decimal


def order_amounts(orders: pa.Table) -> dict[str, tuple[datetime | None, Decimal]]:
    """order id → (paid_at, amount paid, else the order total)."""
    _require(orders, ORDER_COLUMNS, "orders")
    found: dict[str, tuple[datetime | None, Decimal]] = {}
    for row in orders.select(list(ORDER_COLUMNS)).to_pylist():
        amount = row["paid_amount"] if row["paid_amount"] is not None else row["total_amount"]
        found[row["order_id"]] = (row["paid_at"], Decimal(amount or 0))
    return found


def attribute(actions: pa.Table, orders: pa.Table, window: timedelta) -> list[Attribution]:
    """The last-touch attribution of every recovered order (see the module docstring)."""
    _require(actions, ACTION_COLUMNS, "actions")
    paid = order_amounts(orders)
    best: dict[str, tuple[datetime, int]] = {}
    for action in _sent(actions.to_pylist()):
        sent_at: datetime = action["sent_at"]
        for order_id in action["order_ids"] or ():
            paid_at, _ = paid.get(order_id, (None, Decimal(0)))
            if paid_at is None or not sent_at <= paid_at <= sent_at + window:
                continue
            touch = (sent_at, int(action["action_id"]))
            if order_id not in best or touch > best[order_id]:
                best[order_id] = touch
    return [
        Attribution(order_id, action_id, paid[order_id][0] or sent_at, paid[order_id][1])
        for order_id, (sent_at, action_id) in sorted(best.items())
    ]


def recovery_table(
    actions: pa.Table,
    orders: pa.Table,
    window: timedelta,
    costs: Costs | None = None,
    *,
    reorders: pa.Table | None = None,
) -> pa.Table:
    """Actions sent, orders recovered, amount, rate, cost and ROI per playbook, step,
    channel, template and agent, and the reached orders the buyer re-ordered and paid
    (schema :data:`RECOVERY_SCHEMA`)."""
    costs = costs or Costs()
    by_buyer = _paid_reorder_ids(reorders)
    rows = _sent(actions.to_pylist())
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for action in rows:
        key = _group_key(action)
        group = groups.setdefault(
            key, {"sent": 0, "reached": set(), "recovered": set(), "amount": Decimal(0)}
        )
        group["sent"] += 1
        group["reached"].update(action["order_ids"] or ())
        group.setdefault("by_buyer", set()).update(set(action["order_ids"] or ()) & by_buyer)
    action_key = {int(a["action_id"]): _group_key(a) for a in rows}
    for item in attribute(actions, orders, window):
        group = groups[action_key[item.action_id]]
        group["recovered"].add(item.order_id)
        group["amount"] += item.amount
    return pa.Table.from_pylist(
        [_row(key, group, costs) for key, group in sorted(groups.items(), key=_sort)],
        schema=RECOVERY_SCHEMA,
    )


def _row(key: tuple[Any, ...], group: dict[str, Any], costs: Costs) -> dict[str, Any]:
    playbook, step, channel, template, agent = key
    reached, recovered = len(group["reached"]), len(group["recovered"])
    cost = (costs.of(channel) * group["sent"]).quantize(_CENT)
    amount = group["amount"].quantize(_CENT)
    return {
        "playbook": playbook,
        "step": step,
        "channel": channel,
        "template": template,
        "agent": agent or None,
        "actions_sent": group["sent"],
        "orders_reached": reached,
        "orders_recovered": recovered,
        "amount_recovered": amount,
        "recovery_rate": recovered / reached if reached else None,
        "cost": cost,
        "roi": float((amount - cost) / cost) if cost else None,
        "recovered_by_buyer": len(group.get("by_buyer", ())),
    }


def _paid_reorder_ids(reorders: pa.Table | None) -> set[str]:
    if reorders is None:
        return set()
    paid = reorders.filter(reorders["reorder_paid"])
    return set(paid["order_id"].to_pylist())


def _group_key(action: dict[str, Any]) -> tuple[Any, ...]:
    return (
        action["playbook"],
        int(action["step"]),
        action["channel"],
        action["template"],
        action["agent"] or "",
    )


def _sort(item: tuple[tuple[Any, ...], dict[str, Any]]) -> tuple[Any, ...]:
    return item[0]


def _sent(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions if not a["held_out"] and a["sent_at"] is not None]


def _require(table: pa.Table, columns: Iterable[str], name: str) -> None:
    missing = [column for column in columns if column not in table.column_names]
    if missing:
        raise ValueError(f"the {name} frame lacks the column(s) {', '.join(missing)}")
