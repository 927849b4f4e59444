"""Small builders of canonical records for the store tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from winback.ingest.records import MASKED, Buyer, Contact, OrderLineRecord, OrderRecord, SourceRef
from winback.model import OrderStatus, Platform, progress
from winback.store import repo
from winback.store.schema import order_events, orders
from winback.store.types import ApplyResult

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=SHANGHAI)
NOW = datetime(2024, 4, 1, tzinfo=UTC)

# When each status was reached, for a "true history" of one order.
STEP = {
    OrderStatus.PAID: ("paid_at", timedelta(minutes=5)),
    OrderStatus.SHIPPED: ("shipped_at", timedelta(hours=20)),
    OrderStatus.DELIVERED: ("delivered_at", timedelta(days=3)),
    OrderStatus.SETTLED: ("settled_at", timedelta(days=10)),
    OrderStatus.CLOSED: ("closed_at", timedelta(days=1)),
    OrderStatus.CANCELLED: ("closed_at", timedelta(hours=2)),
    OrderStatus.REFUNDED: ("refunded_at", timedelta(days=12)),
}
PATH = {
    OrderStatus.PENDING: (),
    OrderStatus.PAID: (OrderStatus.PAID,),
    OrderStatus.SHIPPED: (OrderStatus.PAID, OrderStatus.SHIPPED),
    OrderStatus.DELIVERED: (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
    OrderStatus.SETTLED: (
        OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED,
    ),
    OrderStatus.CLOSED: (OrderStatus.CLOSED,),
    OrderStatus.CANCELLED: (OrderStatus.PAID, OrderStatus.CANCELLED),
    OrderStatus.REFUNDED: (
        OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED,
        OrderStatus.REFUNDED,
    ),
}  # fmt: skip


def order(
    order_id: str = "1001",
    status: OrderStatus = OrderStatus.PENDING,
    *,
    created_at: datetime = T0,
    total: str = "99.00",
    buyer: str | None = "buyer-a",
    row: int = 2,
    **fields: Any,
) -> OrderRecord:
    """An order as an export taken when it was in ``status``: the timestamps of every status
    it has passed through are filled, the later ones are not."""
    times: dict[str, Any] = {}
    for step in PATH[status]:
        name, delta = STEP[step]
        times[name] = created_at + delta
    if status.was_paid:
        times["paid_amount"] = Decimal(total)
    if status is OrderStatus.REFUNDED:
        times["refund_amount"] = Decimal(total)
    record = OrderRecord(
        platform=Platform.TAOBAO,
        order_id=order_id,
        status=status,
        created_at=created_at,
        total_amount=Decimal(total),
        buyer=Buyer(buyer_id=buyer, name="张三", phone=MASKED) if buyer else Buyer(),
        source=SourceRef("orders.csv", row),
        **times,
    )
    return replace(record, **fields) if fields else record


def line(line_id: str = "1", **fields: Any) -> OrderLineRecord:
    base = OrderLineRecord(
        line_id=line_id,
        title="连衣裙",
        quantity=1,
        unit_price=Decimal("99.00"),
        sku="SKU-1",
        product_id="P1",
        attributes={"colour": "白色", "size": "M"},
    )
    return replace(base, **fields) if fields else base


def new_store(conn: Connection, name: str = "shop") -> int:
    return repo.ensure_store(
        conn, name=name, platform="taobao", timezone="Asia/Shanghai", currency="CNY", now=NOW
    )


def apply(engine: Engine, store_id: int, records: list[Any], **kwargs: Any) -> ApplyResult:
    kwargs.setdefault("source_file", "orders.csv")
    kwargs.setdefault("now", NOW)
    with engine.begin() as conn:
        return repo.apply_records(conn, store_id, records, **kwargs)


def stored_order(engine: Engine, store_id: int, order_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(orders).where(orders.c.store_id == store_id, orders.c.order_id == order_id)
        ).one()


def timeline(engine: Engine, store_id: int, order_id: str) -> list[tuple[str, datetime | None]]:
    """The order's status events, in the order they happened (unknown times last)."""
    query = (
        select(order_events.c.status, order_events.c.at)
        .join(orders)
        .where(orders.c.store_id == store_id, orders.c.order_id == order_id)
    )
    with engine.connect() as conn:
        events = [(status, at) for status, at in conn.execute(query)]
    return sorted(events, key=lambda e: (e[1] is None, e[1] or NOW, progress(OrderStatus(e[0]))))


def contact(value: str) -> Contact:
    return Contact(value=value)
