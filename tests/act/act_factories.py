"""Builders for the act tests: a shop with buyers (phones, e-mails) and unpaid orders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from winback.ingest.records import Buyer, Contact, OrderRecord, SourceRef
from winback.model import OrderStatus, Platform
from winback.store import repo
from winback.store.schema import customers

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PG_URL = os.environ.get(
    "WINBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Shop:
    """A Shanghai shop with buyers ``b0…`` (phones and e-mails) and one unpaid order each."""

    store_id: int
    customer_ids: dict[str, int]


def unpaid_order(
    order_id: str,
    buyer: str,
    *,
    status: OrderStatus = OrderStatus.PENDING,
    platform: Platform = Platform.TAOBAO,
    currency: str = "CNY",
) -> OrderRecord:
    created = NOW - timedelta(hours=2)
    return OrderRecord(
        platform=platform,
        currency=currency,
        order_id=order_id,
        status=status,
        created_at=created,
        total_amount=Decimal("99.00"),
        paid_at=created + timedelta(hours=1) if status.was_paid else None,
        paid_amount=Decimal("99.00") if status.was_paid else None,
        closed_at=created + timedelta(hours=1) if status is OrderStatus.CLOSED else None,
        buyer=Buyer(
            buyer_id=buyer,
            name="张三",
            phone=Contact(value=f"1380013{int(buyer[1:]):04d}"),
            email=Contact(value=f"{buyer}@example.com"),
        ),
        source=SourceRef("orders.csv", 2),
    )


def make_shop(
    engine: Engine,
    buyers: int = 3,
    *,
    name: str = "shop",
    platform: Platform = Platform.TAOBAO,
    currency: str = "CNY",
    timezone: str = "Asia/Shanghai",
) -> Shop:
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name=name, platform=str(platform), timezone=timezone, currency=currency, now=NOW
        )
        records = [
            unpaid_order(f"{1000 + n}", f"b{n}", platform=platform, currency=currency)
            for n in range(buyers)
        ]
        repo.apply_records(conn, store_id, records, source_file="orders.csv", now=NOW)
        ids = {
            key: int(i) for i, key in conn.execute(select(customers.c.id, customers.c.customer_key))
        }
    return Shop(store_id, ids)
