"""Named queries of the customer lifecycle (docs/lifecycle.md): who the store knows, and the
stored customer scores of ``winback customers score``.

Writes take a connection and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

import pyarrow as pa
from sqlalchemy import Connection, delete, select

from winback.store._bulk import Bulk
from winback.store.schema import customer_scores, customers, to_epoch_us, to_minor_units

__all__ = [
    "SCORES_SCHEMA",
    "Contact",
    "CustomerScore",
    "contacts",
    "known_customers",
    "replace_scores",
    "scored_days",
    "scores_table",
]

MONEY: Final = pa.decimal128(18, 2)

_SCORE_COLUMNS: Final = (
    "store_id", "customer_id", "as_of", "model", "horizon_days", "p_alive",
    "expected_purchases", "average_spend", "expected_spend", "clv", "computed_at",
)  # fmt: skip

SCORES_SCHEMA: Final = pa.schema(
    [
        ("customer_key", pa.string()),
        ("as_of", pa.date32()),
        ("model", pa.string()),
        ("horizon_days", pa.int64()),
        ("p_alive", pa.float64()),
        ("expected_purchases", pa.float64()),
        ("average_spend", MONEY),
        ("expected_spend", MONEY),
        ("clv", MONEY),
    ]
)


@dataclass(frozen=True)
class CustomerScore:
    """One customer's scores at one as-of day; money in Decimal cents."""

    customer_key: str
    p_alive: float
    expected_purchases: float
    average_spend: Decimal
    expected_spend: Decimal
    clv: Decimal


@dataclass(frozen=True)
class Contact:
    """What the store knows to reach a customer; contacts as stored (mask before showing)."""

    customer_key: str
    name: str | None
    phone: str | None
    email: str | None
    phone_masked: bool
    email_masked: bool


def known_customers(conn: Connection, store_id: int) -> pa.Table:
    """Every customer of the store (from orders, customer lists, carts, wishlists, chats):
    ``customer_key`` and ``first_seen_at`` (UTC, may be null)."""
    query = (
        select(customers.c.customer_key, customers.c.first_seen_at)
        .where(customers.c.store_id == store_id)
        .order_by(customers.c.id)
    )
    rows = conn.execute(query).all()
    return pa.table(
        {
            "customer_key": pa.array([row.customer_key for row in rows], pa.string()),
            "first_seen_at": pa.array(
                [row.first_seen_at for row in rows], pa.timestamp("us", tz="UTC")
            ),
        }
    )


def replace_scores(
    conn: Connection,
    store_id: int,
    *,
    as_of: date,
    model: str,
    horizon_days: int,
    scores: Sequence[CustomerScore],
    computed_at: datetime,
) -> int:
    """Store ``scores`` as the store's scores at ``as_of``, replacing earlier ones of that
    day. Customers the store does not know are skipped; returns the number stored."""
    query = select(customers.c.customer_key, customers.c.id).where(customers.c.store_id == store_id)
    ids = {row.customer_key: row.id for row in conn.execute(query)}
    conn.execute(
        delete(customer_scores).where(
            customer_scores.c.store_id == store_id, customer_scores.c.as_of == as_of
        )
    )
    bulk = Bulk(conn)
    day = as_of if bulk.postgres else as_of.isoformat()  # SQLite keeps DATE as ISO text
    stamp = to_epoch_us(computed_at)
    rows = [
        (
            store_id,
            ids[score.customer_key],
            day,
            model,
            horizon_days,
            float(score.p_alive),
            float(score.expected_purchases),
            to_minor_units(score.average_spend),
            to_minor_units(score.expected_spend),
            to_minor_units(score.clv),
            stamp,
        )
        for score in scores
        if score.customer_key in ids
    ]
    bulk.insert(customer_scores, _SCORE_COLUMNS, rows)
    return len(rows)


def scored_days(conn: Connection, store_id: int) -> list[date]:
    """The as-of days the store has scores for, newest first."""
    query = (
        select(customer_scores.c.as_of)
        .where(customer_scores.c.store_id == store_id)
        .group_by(customer_scores.c.as_of)
        .order_by(customer_scores.c.as_of.desc())
    )
    return [row.as_of for row in conn.execute(query)]


def scores_table(conn: Connection, store_id: int, as_of: date) -> pa.Table:
    """The store's scores at ``as_of`` (schema :data:`SCORES_SCHEMA`), by customer key."""
    query = (
        select(
            customers.c.customer_key,
            customer_scores.c.as_of,
            customer_scores.c.model,
            customer_scores.c.horizon_days,
            customer_scores.c.p_alive,
            customer_scores.c.expected_purchases,
            customer_scores.c.average_spend,
            customer_scores.c.expected_spend,
            customer_scores.c.clv,
        )
        .join(customers, customers.c.id == customer_scores.c.customer_id)
        .where(customer_scores.c.store_id == store_id, customer_scores.c.as_of == as_of)
        .order_by(customers.c.customer_key)
    )
    rows = conn.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in SCORES_SCHEMA]
    return pa.Table.from_arrays(
        [
            pa.array(list(values), field.type)
            for field, values in zip(SCORES_SCHEMA, columns, strict=True)
        ],
        schema=SCORES_SCHEMA,
    )


def contacts(conn: Connection, store_id: int, keys: Sequence[str]) -> dict[str, Contact]:
    """Name and contacts of the customers with ``keys`` (unknown keys are left out)."""
    if not keys:
        return {}
    query = select(
        customers.c.customer_key,
        customers.c.name,
        customers.c.phone,
        customers.c.email,
        customers.c.phone_masked,
        customers.c.email_masked,
    ).where(customers.c.store_id == store_id, customers.c.customer_key.in_(list(keys)))
    return {row.customer_key: Contact(*row) for row in conn.execute(query)}
