"""Round trips: records → Shopify export bytes (the demo's writer) → parser → same records."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from western_strategies import orders, shopify_customers

from winback.demo.exports import shopify as writer
from winback.ingest import shopify
from winback.ingest.records import CustomerRecord, OrderLineRecord, OrderRecord
from winback.model import OrderStatus, Platform

TZ = ZoneInfo("Europe/Berlin")


def as_exported(order: OrderRecord) -> OrderRecord:
    """What a Shopify export can say about ``order``: no delivered/settled state, no refund
    time."""
    status = order.status
    if status in (OrderStatus.DELIVERED, OrderStatus.SETTLED):
        status = OrderStatus.SHIPPED
    return replace(order, status=status, refunded_at=None, raw_status=None, source=None)


def read_back(path: Path) -> list[object]:
    parsed = shopify.parse(path, tz=TZ)
    assert parsed.rejections == []
    return [replace(record, raw_status=None, source=None) for record in parsed.records]


@settings(max_examples=50, deadline=None)
@given(st.lists(orders(Platform.SHOPIFY), max_size=4, unique_by=lambda order: order.order_id))
def test_orders_survive_a_round_trip_through_the_shopify_export(
    records: list[OrderRecord],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders_export.csv"
        writer.write_orders_csv(records, path)
        if records:
            assert read_back(path) == [as_exported(order) for order in records]


@settings(max_examples=50, deadline=None)
@given(st.lists(shopify_customers(), min_size=1, max_size=4, unique_by=lambda c: c.customer_id))
def test_customers_survive_a_round_trip_through_the_shopify_export(
    records: list[CustomerRecord],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers_export.csv"
        writer.write_customers_csv(records, path)
        parsed = shopify.parse(path, tz=TZ)
        assert parsed.rejections == []
        assert [replace(c, source=None) for c in parsed.records] == records


def test_the_writer_puts_order_fields_on_the_first_line_row_only(tmp_path: Path) -> None:
    path = tmp_path / "orders_export.csv"
    order = example_order()
    writer.write_orders_csv([order], path)
    header, first, second = path.read_text(encoding="utf-8").splitlines()[:3]
    columns = header.split(",")
    assert first.split(",")[columns.index("Financial Status")] == "paid"
    assert second.split(",")[columns.index("Financial Status")] == ""
    assert first.split(",")[columns.index("Created at")] == "2024-01-31 13:45:07 +0800"


def example_order() -> OrderRecord:
    created = datetime(2024, 1, 31, 13, 45, 7, tzinfo=timezone(timedelta(hours=8)))
    line = OrderLineRecord("1", "Mug", 1, Decimal("5.00"))
    return OrderRecord(
        platform=Platform.SHOPIFY,
        order_id="1001",
        status=OrderStatus.PAID,
        created_at=created,
        total_amount=Decimal("10.00"),
        lines=(line, replace(line, line_id="2")),
    )
