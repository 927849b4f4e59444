from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import median

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from winback.demo.simulator import simulate
from winback.demo.table import SCHEMA, simulate_orders_table, write_orders_parquet

START = date(2024, 6, 6)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return simulate_orders_table(seed=2, n_orders=30_000, start=START)


def test_the_table_has_the_benchmark_columns(table: pa.Table) -> None:
    assert table.schema == SCHEMA
    assert 27_000 < table.num_rows < 33_000
    assert table.column("order_id").null_count == 0
    assert set(table.column("status").to_pylist()) >= {"settled", "closed", "pending", "refunded"}


def test_the_table_and_the_records_hold_the_same_orders() -> None:
    shop = simulate(seed=5, start=START, orders=3_000)
    rows = simulate_orders_table(seed=5, n_orders=3_000, start=START).to_pylist()
    assert len(rows) == len(shop.orders)
    for order, row in zip(shop.orders, rows, strict=True):
        assert row["order_id"] == order.order_id
        assert row["customer_key"] == order.buyer.buyer_id
        assert row["status"] == order.status.value
        assert row["created_at"] == order.created_at
        assert row["paid_at"] == order.paid_at
        assert row["settled_at"] == order.settled_at
        assert row["closed_at"] == order.closed_at
        assert row["refunded_at"] == order.refunded_at
        assert row["total_amount"] == order.total_amount
        assert row["paid_amount"] == order.paid_amount
        assert row["refund_amount"] == order.refund_amount
        assert row["payment_method"] == order.payment_method


def test_the_table_has_the_simulators_distributions(table: pa.Table) -> None:
    shop = simulate(seed=3, start=START)
    closed_records = sum(o.status.value == "closed" for o in shop.orders) / len(shop.orders)
    closed_rows = pc.mean(pc.equal(table.column("status"), "closed")).as_py()
    assert closed_rows == pytest.approx(closed_records, abs=0.03)
    record_delay = median(
        (o.paid_at - o.created_at).total_seconds() for o in shop.orders if o.paid_at
    )
    paid = table.filter(pc.is_valid(table.column("paid_at")))
    row_delay = median(
        (row["paid_at"] - row["created_at"]).total_seconds()
        for row in paid.select(["created_at", "paid_at"]).to_pylist()
    )
    assert row_delay == pytest.approx(record_delay, rel=0.3)
    consulted = pc.mean(table.column("consulted").cast(pa.float64())).as_py()
    assert 0.4 < consulted < 0.55


def test_money_columns_are_exact_decimals(table: pa.Table) -> None:
    totals = table.column("total_amount").to_pylist()[:100]
    assert all(isinstance(t, Decimal) and t.as_tuple().exponent == -2 for t in totals)
    unpaid = table.filter(pc.is_null(table.column("paid_at")))
    assert unpaid.column("paid_amount").null_count == unpaid.num_rows
    assert unpaid.column("payment_method").null_count == unpaid.num_rows


def test_the_table_round_trips_through_parquet(table: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    write_orders_parquet(table, path)
    assert pq.read_table(path).equals(table)
