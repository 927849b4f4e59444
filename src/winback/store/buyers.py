"""Buyers as the API, the unsubscribe links and the erasure see them: one customer row,
found by its row id or its key, always within one store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from winback.store.schema import customers

__all__ = ["BuyerRow", "buyer_by_key", "customer_store"]


@dataclass(frozen=True, slots=True)
class BuyerRow:
    id: int
    store_id: int
    customer_key: str
    name: str | None
    phone: str | None
    email: str | None
    address: str | None
    region: str | None
    first_seen_at: datetime | None


def customer_store(conn: Connection, customer_id: int) -> int | None:
    """The store a customer row belongs to, or None when there is no such row."""
    value = conn.scalar(select(customers.c.store_id).where(customers.c.id == customer_id))
    return None if value is None else int(value)


def buyer_by_key(conn: Connection, store_id: int, customer_key: str) -> BuyerRow | None:
    row = conn.execute(
        select(customers).where(
            customers.c.store_id == store_id, customers.c.customer_key == customer_key
        )
    ).first()
    if row is None:
        return None
    return BuyerRow(
        id=int(row.id),
        store_id=int(row.store_id),
        customer_key=row.customer_key,
        name=row.name,
        phone=row.phone,
        email=row.email,
        address=row.address,
        region=row.region,
        first_seen_at=row.first_seen_at,
    )
