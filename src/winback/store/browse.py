"""Paged reads for the API and the dashboard: orders, actions, suppressions, customers.

Pages are keyset pages (``WHERE id < :before ORDER BY id DESC LIMIT n``): the cost of a page
does not grow with the store, so a page of a 1,000,000-order store is as quick as one of
the demo store. Values come out raw; the service layer masks contacts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select, tuple_

from winback.model import OrderStatus, progress
from winback.store.schema import (
    action_attempts,
    actions,
    customer_scores,
    customers,
    order_events,
    order_lines,
    orders,
    suppressions,
    task_outcomes,
)

__all__ = [
    "ActionRow",
    "CustomerRow",
    "OrderRow",
    "action_page",
    "attempts",
    "customer_page",
    "facets",
    "order_detail",
    "order_page",
    "outcomes_between",
    "suppression_page",
]


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    order_id: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    closed_at: datetime | None
    total_amount: Decimal
    paid_amount: Decimal | None
    refund_amount: Decimal
    currency: str
    customer_key: str | None
    raw_status: str | None


@dataclass(frozen=True, slots=True)
class ActionRow:
    id: int
    playbook: str
    step: int
    channel: str
    purpose: str
    status: str
    customer_key: str | None
    phone: str | None
    email: str | None
    order_ids: tuple[str, ...]
    amount: Decimal
    template: str
    due_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    customer_key: str
    name: str | None
    phone: str | None
    email: str | None
    region: str | None
    first_seen_at: datetime | None
    orders: int
    paid_amount: Decimal
    p_alive: float | None
    clv: Decimal | None
    scored_on: Any


def order_page(
    conn: Connection,
    store_id: int,
    *,
    limit: int,
    before: int | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> list[OrderRow]:
    """Newest orders first (by creation time), optionally of one status and creation
    window; ``before`` is the row id of the last order of the previous page."""
    query = (
        select(orders, customers.c.customer_key)
        .outerjoin(customers, customers.c.id == orders.c.customer_id)
        .where(orders.c.store_id == store_id)
    )
    if before is not None:  # the page after order row ``before``, in the same order
        mark = select(orders.c.created_at).where(orders.c.id == before).scalar_subquery()
        query = query.where(tuple_(orders.c.created_at, orders.c.id) < tuple_(mark, before))
    if status is not None:
        query = query.where(orders.c.status == status)
    if created_from is not None:
        query = query.where(orders.c.created_at >= created_from)
    if created_to is not None:
        query = query.where(orders.c.created_at < created_to)
    # Newest placed first: the (store, created_at) index gives the page without a sort.
    query = query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit)
    return [_order(row) for row in conn.execute(query)]


def order_detail(
    conn: Connection, store_id: int, order_id: str
) -> tuple[OrderRow, list[dict[str, Any]], list[tuple[str, datetime | None]]] | None:
    """One order with its lines and its status timeline, or None."""
    row = conn.execute(
        select(orders, customers.c.customer_key)
        .outerjoin(customers, customers.c.id == orders.c.customer_id)
        .where(orders.c.store_id == store_id, orders.c.order_id == order_id)
    ).first()
    if row is None:
        return None
    lines = [
        {
            "line_id": line.line_id,
            "title": line.title,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "colour": line.colour,
            "size": line.size,
        }
        for line in conn.execute(
            select(order_lines)
            .where(order_lines.c.order_row_id == row.id)
            .order_by(order_lines.c.id)
        )
    ]
    timeline = [
        (event.status, event.at)
        for event in conn.execute(
            select(order_events.c.status, order_events.c.at).where(
                order_events.c.order_row_id == row.id
            )
        )
    ]
    timeline.sort(key=lambda item: progress(OrderStatus(item[0])))
    return _order(row), lines, timeline


def action_page(
    conn: Connection,
    store_id: int,
    *,
    limit: int,
    before: int | None = None,
    status: str | None = None,
    playbook: str | None = None,
    channel: str | None = None,
) -> list[ActionRow]:
    """Newest actions first, filtered by status, playbook and channel."""
    query = (
        select(
            actions,
            customers.c.customer_key,
            customers.c.phone,
            customers.c.email,
        )
        .outerjoin(customers, customers.c.id == actions.c.customer_id)
        .where(actions.c.store_id == store_id)
    )
    for column, value in (
        (actions.c.status, status),
        (actions.c.playbook, playbook),
        (actions.c.channel, channel),
    ):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        query = query.where(actions.c.id < before)
    query = query.order_by(actions.c.id.desc()).limit(limit)
    return [
        ActionRow(
            id=int(row.id),
            playbook=row.playbook,
            step=row.step,
            channel=row.channel,
            purpose=row.purpose,
            status=row.status,
            customer_key=row.customer_key,
            phone=row.phone,
            email=row.email,
            order_ids=tuple(json.loads(row.order_ids)),
            amount=row.amount,
            template=row.template,
            due_at=row.due_at,
            sent_at=row.sent_at,
            attempts=row.attempts,
            last_error=row.last_error,
        )
        for row in conn.execute(query)
    ]


def facets(conn: Connection, store_id: int) -> dict[str, dict[str, int]]:
    """How many actions there are per status, playbook and channel (the browser's filters)."""
    found: dict[str, dict[str, int]] = {}
    for name, column in (
        ("status", actions.c.status),
        ("playbook", actions.c.playbook),
        ("channel", actions.c.channel),
    ):
        query = (
            select(column, func.count())
            .where(actions.c.store_id == store_id)
            .group_by(column)
            .order_by(column)
        )
        found[name] = {str(value): int(count) for value, count in conn.execute(query)}
    return found


def attempts(
    conn: Connection, store_id: int, action_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The attempts of the store's actions ``action_ids``, first try first."""
    if not action_ids:
        return {}
    query = (
        select(action_attempts)
        .join(actions, actions.c.id == action_attempts.c.action_id)
        .where(actions.c.store_id == store_id, action_attempts.c.action_id.in_(action_ids))
        .order_by(action_attempts.c.action_id, action_attempts.c.number)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(query):
        found.setdefault(int(row.action_id), []).append(
            {
                "number": row.number,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
                "outcome": row.outcome,
                "answer": row.answer,
            }
        )
    return found


def suppression_page(
    conn: Connection, store_id: int, *, limit: int, before: int | None = None
) -> list[dict[str, Any]]:
    query = (
        select(suppressions, customers.c.customer_key)
        .outerjoin(customers, customers.c.id == suppressions.c.customer_id)
        .where(suppressions.c.store_id == store_id)
    )
    if before is not None:
        query = query.where(suppressions.c.id < before)
    query = query.order_by(suppressions.c.id.desc()).limit(limit)
    return [
        {
            "id": int(row.id),
            "channel": row.channel,
            "address": row.address,
            "customer_key": row.customer_key,
            "reason": row.reason,
            "source": row.source,
            "created_at": row.created_at,
        }
        for row in conn.execute(query)
    ]


def customer_page(
    conn: Connection, store_id: int, *, limit: int, before: int | None = None
) -> list[CustomerRow]:
    """Customers, newest first, with their order count, paid amount and latest score."""
    query = select(customers).where(customers.c.store_id == store_id)
    if before is not None:
        query = query.where(customers.c.id < before)
    rows = list(conn.execute(query.order_by(customers.c.id.desc()).limit(limit)))
    ids = [int(row.id) for row in rows]
    totals: dict[int, tuple[int, Decimal]] = {}
    scores: dict[int, tuple[float, Decimal, Any]] = {}
    if ids:
        paid = func.sum(orders.c.paid_amount)
        for cid, count, amount in conn.execute(
            select(orders.c.customer_id, func.count(), paid)
            .where(orders.c.customer_id.in_(ids))
            .group_by(orders.c.customer_id)
        ):
            totals[int(cid)] = (int(count), Decimal(amount or 0).scaleb(-2))
        newest = (
            select(customer_scores.c.customer_id, func.max(customer_scores.c.as_of).label("day"))
            .where(customer_scores.c.customer_id.in_(ids))
            .group_by(customer_scores.c.customer_id)
            .subquery()
        )
        for row in conn.execute(
            select(
                customer_scores.c.customer_id,
                customer_scores.c.p_alive,
                customer_scores.c.clv,
                customer_scores.c.as_of,
            ).join(
                newest,
                and_(
                    newest.c.customer_id == customer_scores.c.customer_id,
                    newest.c.day == customer_scores.c.as_of,
                ),
            )
        ):
            scores[int(row.customer_id)] = (float(row.p_alive), row.clv, row.as_of)
    return [
        CustomerRow(
            id=int(row.id),
            customer_key=row.customer_key,
            name=row.name,
            phone=row.phone,
            email=row.email,
            region=row.region,
            first_seen_at=row.first_seen_at,
            orders=totals.get(int(row.id), (0, Decimal(0)))[0],
            paid_amount=totals.get(int(row.id), (0, Decimal(0)))[1],
            p_alive=scores[int(row.id)][0] if int(row.id) in scores else None,
            clv=scores[int(row.id)][1] if int(row.id) in scores else None,
            scored_on=scores[int(row.id)][2] if int(row.id) in scores else None,
        )
        for row in rows
    ]


def outcomes_between(
    conn: Connection, store_id: int, start: datetime, end: datetime
) -> dict[str, int]:
    """How many task outcomes of each kind agents recorded in ``[start, end)``."""
    query = (
        select(task_outcomes.c.outcome, func.count())
        .where(
            task_outcomes.c.store_id == store_id,
            task_outcomes.c.recorded_at >= start,
            task_outcomes.c.recorded_at < end,
        )
        .group_by(task_outcomes.c.outcome)
    )
    return {outcome: int(count) for outcome, count in conn.execute(query)}


def _order(row: Any) -> OrderRow:
    return OrderRow(
        id=int(row.id),
        order_id=row.order_id,
        status=row.status,
        created_at=row.created_at,
        paid_at=row.paid_at,
        shipped_at=row.shipped_at,
        closed_at=row.closed_at,
        total_amount=row.total_amount,
        paid_amount=row.paid_amount,
        refund_amount=row.refund_amount,
        currency=row.currency,
        customer_key=row.customer_key,
        raw_status=row.raw_status,
    )
