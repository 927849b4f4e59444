"""Round trips: records → WooCommerce REST JSON / order-export CSV → parser → same records."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from western_strategies import orders

from winback.demo.exports import woocommerce as writer
from winback.ingest import woocommerce
from winback.ingest.records import OrderLineRecord, OrderRecord
from winback.model import OrderStatus, Platform

SITE = ZoneInfo("Asia/Shanghai")  # no daylight saving: naive local times stay unambiguous
unique_orders = st.lists(
    orders(Platform.WOOCOMMERCE), max_size=4, unique_by=lambda order: order.order_id
)


def as_exported(order: OrderRecord, *, csv: bool) -> OrderRecord:
    """What the export can say: no delivered/settled state; the CSV has no modified time and
    no line attributes."""
    status = order.status
    if status in (OrderStatus.DELIVERED, OrderStatus.SETTLED):
        status = OrderStatus.SHIPPED
    exported = replace(order, status=status, raw_status=None, source=None)
    if csv:
        lines = tuple(replace(line, attributes={}) for line in order.lines)
        exported = replace(exported, closed_at=None, refunded_at=None, lines=lines)
    return exported


def read_back(path: Path) -> list[object]:
    parsed = woocommerce.parse(path, tz=SITE)
    assert parsed.rejections == []
    return [replace(record, raw_status=None, source=None) for record in parsed.records]


@settings(max_examples=50, deadline=None)
@given(unique_orders.filter(bool))
def test_orders_survive_a_round_trip_through_the_rest_json(records: list[OrderRecord]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.json"
        writer.write_orders_json(records, path, tz=SITE)
        assert read_back(path) == [as_exported(order, csv=False) for order in records]


@settings(max_examples=50, deadline=None)
@given(unique_orders.filter(bool))
def test_orders_survive_a_round_trip_through_the_order_export_csv(
    records: list[OrderRecord],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        writer.write_orders_csv(records, path, tz=SITE)
        assert read_back(path) == [as_exported(order, csv=True) for order in records]


def test_the_json_writer_keeps_line_prices_as_exact_json_numbers(tmp_path: Path) -> None:
    line = OrderLineRecord("7", "Mug", 3, Decimal("0.10"))
    order = OrderRecord(
        platform=Platform.WOOCOMMERCE,
        order_id="5",
        status=OrderStatus.PAID,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        total_amount=Decimal("0.30"),
        paid_at=datetime(2024, 1, 1, 0, 5, tzinfo=UTC),
        lines=(line,),
    )
    path = tmp_path / "orders.json"
    writer.write_orders_json([order], path)
    text = path.read_text(encoding="utf-8")
    assert '"price": 0.10' in text
    body = json.loads(text)
    assert body[0]["status"] == "processing" and body[0]["line_items"][0]["subtotal"] == "0.30"
    assert body[0]["date_created_gmt"] == "2024-01-01T00:00:00"
