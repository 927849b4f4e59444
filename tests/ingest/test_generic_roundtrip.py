"""Round trip: order records → a CSV or Parquet file described by a mapping → the generic
parser → the same records (multi-row orders, with order-level cells repeated or blank)."""

from __future__ import annotations

import csv
import tempfile
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from western_strategies import orders

from winback.ingest import generic
from winback.ingest.records import OrderLineRecord, OrderRecord
from winback.model import Platform

_ORDER_NAMES = (
    "order_id created_at status total_amount buyer_id buyer_name phone email region currency "
    "shipping_fee discount paid_amount refund_amount paid_at shipped_at closed_at refunded_at "
    "payment_method buyer_message"
)
_LINE_NAMES = "line_id line_title line_quantity line_unit_price line_sku line_product_id"
ORDER_FIELDS = _ORDER_NAMES.split()
LINE_FIELDS = _LINE_NAMES.split()
HEADERS = [f"Col {name}" for name in (*ORDER_FIELDS, *LINE_FIELDS, "line_colour", "line_size")]
MAPPING = 'kind = "orders"\n[columns]\n' + "".join(
    f'{header.removeprefix("Col ")} = "{header}"\n' for header in HEADERS
)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def order_cells(order: OrderRecord) -> list[str]:
    buyer = order.buyer
    values = {
        "buyer_id": buyer.buyer_id,
        "buyer_name": buyer.name,
        "phone": buyer.phone.value,
        "email": buyer.email.value,
        "region": buyer.region,
    }
    return [cell(values[name] if name in values else getattr(order, name)) for name in ORDER_FIELDS]


def line_cells(line: OrderLineRecord | None) -> list[str]:
    if line is None:
        return [""] * (len(LINE_FIELDS) + 2)
    values = [line.line_id, line.title, line.quantity, line.unit_price, line.sku, line.product_id]
    attributes = [line.attributes.get("colour"), line.attributes.get("size")]
    return [cell(value) for value in (*values, *attributes)]


def rows(order: OrderRecord, repeat: bool) -> list[list[str]]:
    head = order_cells(order)
    later = head if repeat else [order.order_id] + [""] * (len(head) - 1)
    lines: list[OrderLineRecord | None] = list(order.lines) or [None]
    return [(head if n == 0 else later) + line_cells(line) for n, line in enumerate(lines)]


def write(records: list[OrderRecord], repeat: bool, path: Path) -> None:
    table = [row for order in records for row in rows(order, repeat)]
    if path.suffix == ".parquet":
        columns = {header: [row[n] for row in table] for n, header in enumerate(HEADERS)}
        pq.write_table(
            pa.table(columns, schema=pa.schema([(h, pa.string()) for h in HEADERS])), path
        )
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(table)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(orders(Platform.GENERIC), min_size=1, max_size=4, unique_by=lambda o: o.order_id),
    st.booleans(),
    st.sampled_from([".csv", ".parquet"]),
)
def test_orders_survive_a_round_trip_through_a_mapped_file(
    records: list[OrderRecord], repeat: bool, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, mapping = Path(folder) / f"orders{suffix}", Path(folder) / "mapping.toml"
        write(records, repeat, data)
        mapping.write_text(MAPPING, encoding="utf-8")
        parsed = generic.parse(data, mapping=generic.load_mapping(mapping), tz=ZoneInfo("UTC"))
        assert parsed.rejections == []
        back = [replace(record, raw_status=None, source=None) for record in parsed.records]
        assert back == records
