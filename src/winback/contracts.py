"""The column contracts of the frames the store hands out: plain domain types as Arrow schemas.

Two families, both read by the store and used by the layers above it, so they live below
all of them (the store imports neither ``analyse`` nor ``decide``):

* the diagnostics' frames (PRODUCT D1–D6): ``ORDERS``, ``ORDER_LINES``, ``CHATS``,
  ``FEEDBACK``, ``STOCK`` (:mod:`winback.analyse.frames` checks and queries them);
* the planning facts (docs/playbooks.md, "Planning at scale"): ``OPEN_ORDERS`` and
  ``CLOSED_ORDERS`` (one row per order, with its buyer), ``EARLIER_STEPS`` (what earlier plan
  runs put in the outbox) and ``PLANNED_ACTIONS`` (what the planners hand the outbox).

Timestamps are UTC instants (``timestamp[us, tz=UTC]``); money is ``decimal128(18, 2)`` so
that sums are exact; platform ids are strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa

from winback.model import ActionChannel, PlannedAction, Purpose

__all__ = [
    "AFTER_SALE_ORDERS",
    "BUYERS",
    "BUYER_FIELDS",
    "CANCELLED_ORDERS",
    "CHATS",
    "CLOSED_ORDERS",
    "EARLIER_FIRST_STEPS",
    "EARLIER_STEPS",
    "FEEDBACK",
    "MONEY",
    "OPEN_ORDERS",
    "ORDERS",
    "ORDER_LINES",
    "PLANNED_ACTIONS",
    "REPORTED_EVENTS",
    "STOCK",
    "TIMESTAMP",
    "planned_actions",
    "planned_actions_table",
]

TIMESTAMP: Final = pa.timestamp("us", tz="UTC")
MONEY: Final = pa.decimal128(18, 2)

ORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        ("created_at", TIMESTAMP),
        ("paid_at", TIMESTAMP),
        ("shipped_at", TIMESTAMP),
        ("delivered_at", TIMESTAMP),
        ("settled_at", TIMESTAMP),
        ("closed_at", TIMESTAMP),
        ("refunded_at", TIMESTAMP),
        ("total_amount", MONEY),
        ("paid_amount", MONEY),
        ("refund_amount", MONEY),
        ("payment_method", pa.string()),
        ("platform", pa.string()),
        ("has_remark", pa.bool_()),
        ("close_reason", pa.string()),
        ("cancel_reason", pa.string()),
        ("buyer_message", pa.string()),
    ]
)

ORDER_LINES: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("line_id", pa.string()),
        ("title", pa.string()),
        ("sku", pa.string()),
        ("product_id", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", MONEY),
        ("colour", pa.string()),
        ("size", pa.string()),
    ]
)

CHATS: Final = pa.schema(
    [
        ("buyer_key", pa.string()),
        ("sent_at", TIMESTAMP),
        ("sender", pa.string()),
        ("text", pa.string()),
        ("staff", pa.string()),
        ("order_id", pa.string()),
    ]
)

FEEDBACK: Final = pa.schema(
    [
        ("feedback_id", pa.string()),
        ("order_id", pa.string()),
        ("buyer_key", pa.string()),
        ("at", TIMESTAMP),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("rating", pa.int64()),
    ]
)

STOCK: Final = pa.schema(
    [
        ("sku", pa.string()),
        ("product_id", pa.string()),
        ("title", pa.string()),
        ("colour", pa.string()),
        ("size", pa.string()),
        ("quantity", pa.int64()),
        ("at", TIMESTAMP),
    ]
)


# -- planning facts -------------------------------------------------------------------------

REPORTED_EVENTS: Final = pa.schema(
    [
        ("platform", pa.string()),
        ("shipping", pa.bool_()),
        ("settlement", pa.bool_()),
    ]
)
"""Which later events the store's data of each source (an order's ``platform``) can tell:
``shipping`` when any of its orders carries a ship or delivery time or a shipped/delivered
status, ``settlement`` when any carries a settlement time or the settled status."""

BUYER_FIELDS: Final = (
    pa.field("customer_id", pa.int64()),
    pa.field("customer_key", pa.string()),
    pa.field("paid_orders", pa.int64()),
    pa.field("phone_known", pa.bool_()),
    pa.field("phone_masked", pa.bool_()),
    pa.field("email_known", pa.bool_()),
    pa.field("email_masked", pa.bool_()),
    pa.field("sms_granted", pa.bool_()),
    pa.field("sms_refused", pa.bool_()),
    pa.field("email_granted", pa.bool_()),
    pa.field("email_refused", pa.bool_()),
    pa.field("phone_granted", pa.bool_()),
    pa.field("phone_refused", pa.bool_()),
    pa.field("chat", pa.bool_()),
)
"""The buyer of an order as planning sees them. ``customer_key`` is null for an order
without a known buyer. ``paid_orders``: orders the buyer paid before the moment of the plan
(a returning buyer has paid one). A contact is known (``*_known``: a readable value),
masked by the platform (``*_masked``) or unknown (neither). ``<channel>_granted`` /
``<channel>_refused``: the buyer's latest consent statement on the channel says yes / no.
``chat``: the buyer can be written to on the platform's own chat (a marketplace buyer id)."""

BUYERS: Final = pa.schema(
    [
        BUYER_FIELDS[1],
        BUYER_FIELDS[0],
        *(
            field
            for field in BUYER_FIELDS
            if field.name not in ("customer_id", "customer_key", "paid_orders")
        ),
    ]
)
"""A store's buyers as the store reads them for planning, by ``customer_key``: the
:data:`BUYER_FIELDS` but the paid history, which planning takes from the orders as of the
moment of the plan."""

OPEN_ORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("amount", MONEY),
        ("has_remark", pa.bool_()),
        ("payment_method", pa.string()),
        ("platform", pa.string()),
        ("items", pa.list_(pa.string())),
        ("reordered_by", pa.string()),
        *BUYER_FIELDS,
    ]
)
"""Orders open and unpaid at the moment of the plan (the unpaid playbooks' facts): one row
per order, ``items`` its line titles in line order, ``reordered_by`` the buyer's order that
replaced it (:mod:`winback.decide.reorders`; null: none)."""

CLOSED_ORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("closed_at", TIMESTAMP),
        ("close_inferred", pa.bool_()),
        ("amount", MONEY),
        ("has_remark", pa.bool_()),
        ("items", pa.list_(pa.string())),
        ("texts", pa.list_(pa.string())),
        ("reordered_by", pa.string()),
        *BUYER_FIELDS,
    ]
)
"""Orders closed before payment (the follow-up playbooks' facts). ``close_inferred``: the
export gave no close time and ``closed_at`` is the deadline (or the moment of the plan, if
earlier); ``texts`` the close/cancel reason and the buyer's last chat lines."""

CANCELLED_ORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("cancelled_at", TIMESTAMP),
        ("amount", MONEY),
        ("has_remark", pa.bool_()),
        ("items", pa.list_(pa.string())),
        ("reordered_by", pa.string()),
        *BUYER_FIELDS,
    ]
)
"""Orders cancelled after payment, before shipping, recently (the ``cancel_save`` facts):
``cancelled_at`` is the cancellation (the order's close time)."""

AFTER_SALE_ORDERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("status", pa.string()),
        ("platform", pa.string()),
        ("created_at", TIMESTAMP),
        ("shipped_at", TIMESTAMP),
        ("delivered_at", TIMESTAMP),
        ("settled_at", TIMESTAMP),
        ("amount", MONEY),
        ("has_remark", pa.bool_()),
        ("items", pa.list_(pa.string())),
        ("reordered_by", pa.string()),
        *BUYER_FIELDS,
    ]
)
"""Orders shipped, delivered or settled (confirmed) as of the moment of the plan whose last
after-sale event is recent (the after-sale playbooks' facts: NPS, confirm-receipt). The
times are those the store knows (null: not known); ``settled_at`` is the buyer's (or the
platform's) confirmation of receipt. ``paid_orders`` counts this order too."""

EARLIER_STEPS: Final = pa.schema(
    [
        ("playbook", pa.string()),
        ("order_id", pa.string()),
        ("step", pa.int64()),
        ("due_at", TIMESTAMP),
    ]
)
"""Per playbook and order, the highest step and the latest due time of the actions already
in the outbox about the order (any status, held out included)."""

EARLIER_FIRST_STEPS: Final = pa.schema(
    [
        ("playbook", pa.string()),
        ("customer_id", pa.int64()),
        ("order_id", pa.string()),
        ("due_at", TIMESTAMP),
    ]
)
"""The first steps already in the outbox, per playbook, buyer and order, with their due
time, over a long look-back (a year): what a per-buyer cooldown counts (an NPS survey at most
every 90 days). Steps that reached nobody (failed, cancelled, skipped) are left out; held
out ones count (the control group is timed like the others)."""

PLANNED_ACTIONS: Final = pa.schema(
    [
        ("store_id", pa.int64()),
        ("key", pa.string()),
        ("playbook", pa.string()),
        ("step", pa.int64()),
        ("channel", pa.string()),
        ("purpose", pa.string()),
        ("held_out", pa.bool_()),
        ("customer_id", pa.int64()),
        ("order_ids", pa.list_(pa.string())),
        ("amount", MONEY),
        ("template", pa.string()),
        ("params", pa.string()),
        ("due_at", TIMESTAMP),
        ("expires_at", TIMESTAMP),
    ]
)
"""What planners hand the outbox: :class:`~winback.model.PlannedAction` as columns, the
template ``params`` as a JSON object of strings."""


def planned_actions_table(actions: Iterable[PlannedAction]) -> pa.Table:
    """``actions`` as a :data:`PLANNED_ACTIONS` table, in their order."""
    rows = [
        {
            "store_id": action.store_id,
            "key": action.key,
            "playbook": action.playbook,
            "step": action.step,
            "channel": str(action.channel),
            "purpose": str(action.purpose),
            "held_out": action.held_out,
            "customer_id": action.customer_id,
            "order_ids": list(action.order_ids),
            "amount": action.amount,
            "template": action.template,
            "params": json.dumps(dict(action.params), ensure_ascii=False, sort_keys=True),
            "due_at": action.due_at,
            "expires_at": action.expires_at,
        }
        for action in actions
    ]
    return pa.Table.from_pylist(rows, schema=PLANNED_ACTIONS)


def planned_actions(table: pa.Table) -> list[PlannedAction]:
    """A :data:`PLANNED_ACTIONS` table as :class:`~winback.model.PlannedAction` values."""
    return [_planned(row) for row in table.select(PLANNED_ACTIONS.names).to_pylist()]


def _planned(row: dict[str, Any]) -> PlannedAction:
    return PlannedAction(
        store_id=int(row["store_id"]),
        key=row["key"],
        playbook=row["playbook"],
        step=int(row["step"]),
        channel=ActionChannel(row["channel"]),
        purpose=Purpose(row["purpose"]),
        due_at=row["due_at"],
        template=row["template"],
        customer_id=row["customer_id"],
        order_ids=tuple(row["order_ids"] or ()),
        amount=Decimal(row["amount"]),
        params=json.loads(row["params"]),
        expires_at=row["expires_at"],
        held_out=bool(row["held_out"]),
    )
