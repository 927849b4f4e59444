"""Named queries of the recovery engine (PRODUCT R1–R3, R5, M1): what the agents' worklist
and the recovery report read, and the outcomes agents record. What planning reads is
:mod:`winback.store.planning_facts`.

Reads return small frozen values of this module or Arrow frames; writes take a connection and
never commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa
from sqlalchemy import Connection, case, func, insert, select

from winback.model import OrderStatus
from winback.store.schema import actions, chat_messages, orders, task_outcomes

__all__ = [
    "ACTIONS_FRAME",
    "BuyerHistory",
    "ChatLine",
    "TaskAction",
    "TaskOutcome",
    "actions_frame",
    "buyer_histories",
    "last_chat_lines",
    "reasons_heard",
    "record_task_outcome",
    "task_action",
    "task_outcomes_of",
]

CHUNK: Final = 500
PAID: Final = tuple(str(status) for status in OrderStatus if status.was_paid)


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One chat message, for an agent to read before calling."""

    sent_at: datetime
    sender: str
    text: str


@dataclass(frozen=True, slots=True)
class BuyerHistory:
    """A buyer's orders with the store: how many, how many paid, and the amount paid."""

    customer_id: int
    orders: int
    paid_orders: int
    paid_amount: Decimal


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What an agent reported for one task action."""

    id: int
    action_id: int
    outcome: str
    reason: str | None
    note: str | None
    agent: str | None
    recorded_at: datetime


def last_chat_lines(
    conn: Connection,
    store_id: int,
    customer_ids: Iterable[int],
    *,
    limit: int = 5,
    sender: str | None = None,
    before: datetime | None = None,
) -> dict[int, list[ChatLine]]:
    """customer id → their last ``limit`` chat messages (oldest first)."""
    found: dict[int, list[ChatLine]] = {}
    for chunk in _chunks(customer_ids):
        ranked = select(
            chat_messages.c.customer_id,
            chat_messages.c.sent_at,
            chat_messages.c.sender,
            chat_messages.c.text,
            func.row_number()
            .over(
                partition_by=chat_messages.c.customer_id,
                order_by=(chat_messages.c.sent_at.desc(), chat_messages.c.id.desc()),
            )
            .label("rank"),
        ).where(chat_messages.c.store_id == store_id, chat_messages.c.customer_id.in_(chunk))
        if sender is not None:
            ranked = ranked.where(chat_messages.c.sender == sender)
        if before is not None:
            ranked = ranked.where(chat_messages.c.sent_at < before)
        inner = ranked.subquery()
        query = (
            select(inner.c.customer_id, inner.c.sent_at, inner.c.sender, inner.c.text)
            .where(inner.c.rank <= limit)
            .order_by(inner.c.customer_id, inner.c.sent_at)
        )
        for row in conn.execute(query):
            found.setdefault(row.customer_id, []).append(
                ChatLine(row.sent_at, row.sender, row.text)
            )
    return found


def buyer_histories(conn: Connection, customer_ids: Iterable[int]) -> dict[int, BuyerHistory]:
    """customer id → orders placed, orders paid and amount paid (all time)."""
    found: dict[int, BuyerHistory] = {}
    for chunk in _chunks(customer_ids):
        query = (
            select(
                orders.c.customer_id,
                func.count(),
                func.sum(_paid_flag()),
                func.coalesce(func.sum(orders.c.paid_amount), 0),
            )
            .where(orders.c.customer_id.in_(chunk))
            .group_by(orders.c.customer_id)
        )
        for customer_id, placed, paid, amount in conn.execute(query):
            found[customer_id] = BuyerHistory(
                customer_id, int(placed), int(paid or 0), _money(amount)
            )
    return found


def record_task_outcome(
    conn: Connection,
    store_id: int,
    *,
    action_id: int,
    outcome: str,
    reason: str | None,
    note: str | None,
    agent: str | None,
    now: datetime,
) -> int:
    """Append an agent's report for a task; returns its id."""
    values = {
        "store_id": store_id,
        "action_id": action_id,
        "outcome": outcome,
        "reason": reason,
        "note": note,
        "agent": agent,
        "recorded_at": now,
    }
    statement = insert(task_outcomes).values(values).returning(task_outcomes.c.id)
    return int(conn.execute(statement).scalar_one())


def reasons_heard(conn: Connection, store_id: int) -> list[tuple[str, str]]:
    """(note, reason code) of every refusal an agent explained: what buyers said, labelled by
    the agent, to teach the D3 classifier the shop's own words."""
    query = (
        select(task_outcomes.c.note, task_outcomes.c.reason)
        .where(
            task_outcomes.c.store_id == store_id,
            task_outcomes.c.outcome == "refused",
            task_outcomes.c.reason.is_not(None),
            func.coalesce(task_outcomes.c.note, "") != "",
        )
        .order_by(task_outcomes.c.id)
    )
    return [(note, reason) for note, reason in conn.execute(query)]


def task_outcomes_of(conn: Connection, store_id: int) -> dict[int, TaskOutcome]:
    """action id → its latest recorded outcome."""
    query = (
        select(*(c for c in task_outcomes.c if c.name != "store_id"))
        .where(task_outcomes.c.store_id == store_id)
        .order_by(task_outcomes.c.recorded_at, task_outcomes.c.id)
    )
    return {row.action_id: TaskOutcome(**row._mapping) for row in conn.execute(query)}


def _paid_flag() -> Any:
    return case((orders.c.status.in_(PAID), 1), else_=0)


def _money(value: Any) -> Decimal:
    """A SUM over a Money column comes back as minor units (an integer)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(int(value)).scaleb(-2)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered: Sequence[int] = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield list(ordered[start : start + CHUNK])


# -- the outbox's actions as recovery sees them ----------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskAction:
    """The fields of an outbox action that recording an agent's outcome checks."""

    id: int
    channel: str
    status: str
    playbook: str


def task_action(conn: Connection, store_id: int, action_id: int) -> TaskAction | None:
    """The action ``action_id`` of the store, or None."""
    row = conn.execute(
        select(actions.c.id, actions.c.channel, actions.c.status, actions.c.playbook).where(
            actions.c.store_id == store_id, actions.c.id == action_id
        )
    ).first()
    return None if row is None else TaskAction(row.id, row.channel, row.status, row.playbook)


ACTIONS_FRAME: Final = pa.schema(
    [
        ("action_id", pa.int64()),
        ("playbook", pa.string()),
        ("step", pa.int64()),
        ("channel", pa.string()),
        ("template", pa.string()),
        ("agent", pa.string()),
        ("held_out", pa.bool_()),
        ("due_at", pa.timestamp("us", "UTC")),
        ("sent_at", pa.timestamp("us", "UTC")),
        ("order_ids", pa.list_(pa.string())),
    ]
)


def actions_frame(conn: Connection, store_id: int) -> pa.Table:
    """The store's actions for measurement (schema :data:`ACTIONS_FRAME`).

    ``sent_at`` is when the action reached the buyer: the outbox's send time, or for an agent
    task the time the agent recorded an outcome. ``agent`` is who recorded the latest one.
    """
    outcomes = task_outcomes_of(conn, store_id)
    query = (
        select(
            actions.c.id,
            actions.c.playbook,
            actions.c.step,
            actions.c.channel,
            actions.c.template,
            actions.c.status,
            actions.c.due_at,
            actions.c.sent_at,
            actions.c.order_ids,
        )
        .where(actions.c.store_id == store_id)
        .order_by(actions.c.id)
    )
    rows = []
    for row in conn.execute(query):
        outcome = outcomes.get(row.id)
        rows.append(
            {
                "action_id": row.id,
                "playbook": row.playbook,
                "step": row.step,
                "channel": row.channel,
                "template": row.template,
                "agent": outcome.agent if outcome else None,
                "held_out": row.status == "held_out",
                "due_at": row.due_at,
                "sent_at": row.sent_at or (outcome.recorded_at if outcome else None),
                "order_ids": json.loads(row.order_ids),
            }
        )
    return pa.Table.from_pylist(rows, schema=ACTIONS_FRAME)
