"""Stores, the import log, the summary and the Arrow tables for the analytics layer."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from sqlalchemy import Engine
from store_factories import NOW, T0, apply, line, new_store, order

from winback.model import OrderStatus
from winback.store import repo
from winback.store.types import StatusTotals

S = OrderStatus


def test_ensure_store_creates_once_and_updates_changed_settings(engine: Engine) -> None:
    with engine.begin() as conn:
        first = new_store(conn, "shop")
        again = new_store(conn, "shop")
        other = new_store(conn, "outlet")
        repo.ensure_store(
            conn, name="shop", platform="tmall", timezone="Asia/Shanghai", currency="CNY"
        )
        stores = repo.list_stores(conn)
    assert first == again != other
    assert [(s.name, s.platform) for s in stores] == [("shop", "tmall"), ("outlet", "taobao")]
    assert stores[0].created_at == NOW


def test_an_unknown_time_zone_is_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="Mars/Olympus"):
        repo.ensure_store(
            conn, name="x", platform="taobao", timezone="Mars/Olympus", currency="CNY"
        )


def test_the_import_log_lists_imports_newest_first(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
        for hours, name in ((1, "a.csv"), (2, "b.csv")):
            repo.record_import(
                conn, store, file_name=name, source="taobao", kind="orders", sha256="ab" * 32,
                started_at=NOW + timedelta(hours=hours), finished_at=NOW + timedelta(hours=hours),
                rows_read=10, created=7, updated=2, unchanged=1, rejected=0,
            )  # fmt: skip
        log = repo.import_log(conn, store)
    assert [entry.file_name for entry in log] == ["b.csv", "a.csv"]
    assert (log[0].rows_read, log[0].created, log[0].updated, log[0].unchanged) == (10, 7, 2, 1)
    assert log[0].started_at.tzinfo is not None


def test_the_summary_counts_orders_by_status_with_exact_amounts(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(
        engine,
        store,
        [
            order("1", S.PENDING, total="0.01"),
            order("2", S.SETTLED, total="100.10", lines=(line("1"), line("2"))),
            order("3", S.SETTLED, total="0.20", created_at=T0 + timedelta(days=2)),
            order("4", S.REFUNDED, total="5.00", buyer="buyer-b"),
        ],
    )
    with engine.connect() as conn:
        summary = repo.store_summary(
            conn, store, as_of=T0 + timedelta(days=2), close_after=timedelta(hours=72)
        )
    assert summary.orders == 4
    assert summary.orders_by_status == (
        StatusTotals("pending", 1, Decimal("0.01"), Decimal("0.00"), Decimal("0.00")),
        StatusTotals("refunded", 1, Decimal("5.00"), Decimal("5.00"), Decimal("5.00")),
        StatusTotals("settled", 2, Decimal("100.30"), Decimal("100.30"), Decimal("0.00")),
    )
    assert summary.customers == 2
    assert summary.order_lines == 2
    assert summary.first_order_at == T0.astimezone(UTC)
    assert summary.last_order_at == (T0 + timedelta(days=2)).astimezone(UTC)


def test_the_orders_table_has_the_analytics_schema_and_exact_values(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(engine, store, [order("2", S.PAID, total="12345678901.99", buyer_message="尽快发货")])
    with engine.connect() as conn:
        table = repo.orders_table(conn, store)
        empty = repo.orders_table(conn, store + 1)
    assert table.schema == repo.ORDERS_SCHEMA
    assert empty.schema == repo.ORDERS_SCHEMA and empty.num_rows == 0
    (row,) = table.to_pylist()
    assert row["total_amount"] == Decimal("12345678901.99")
    assert row["paid_amount"] == Decimal("12345678901.99")
    assert row["refund_amount"] == Decimal("0.00")
    assert row["paid_at"] == (T0 + timedelta(minutes=5)).astimezone(UTC)
    assert row["has_remark"] is True
    assert table.column("created_at").type == pa.timestamp("us", tz="UTC")


def test_the_order_lines_table_keeps_variant_attributes(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    material = line("1", attributes={"colour": "黑色", "size": "XL", "材质": "棉"})
    apply(engine, store, [order("1", lines=(material,))])
    with engine.connect() as conn:
        (row,) = repo.order_lines_table(conn, store).to_pylist()
    assert (row["colour"], row["size"], row["attributes"]) == ("黑色", "XL", '{"材质": "棉"}')
    assert row["unit_price"] == Decimal("99.00")


def test_the_summary_judges_orders_as_of_a_moment_closing_the_unpaid_past_their_deadline(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(
        engine,
        store,
        [
            order("1", S.PENDING, total="1.00"),
            order("2", S.PENDING, total="2.00", created_at=T0 + timedelta(hours=30)),
            order("3", S.SETTLED, total="3.00", created_at=T0 + timedelta(days=5)),
        ],
    )
    with engine.connect() as conn:
        summary = repo.store_summary(
            conn, store, as_of=T0 + timedelta(hours=36), close_after=timedelta(hours=24)
        )
    assert summary.orders_by_status == (
        StatusTotals("closed", 1, Decimal("1.00"), Decimal("0.00"), Decimal("0.00")),
        StatusTotals("pending", 1, Decimal("2.00"), Decimal("0.00"), Decimal("0.00")),
    )


def test_the_summary_counts_a_refund_the_data_gives_no_amount_for_as_d1_does(
    engine: Engine,
) -> None:
    """Taobao's 订单列表 carries no refund amount: a paid order closed by a refund (交易关闭
    after payment) gave all of it back, as D1 counts it; a stated partial refund stays
    partial (the demo's status showed 631 refunded orders refunding ¥0.00)."""
    with engine.begin() as conn:
        store = new_store(conn)
    apply(
        engine,
        store,
        [
            order("1", S.REFUNDED, total="80.00", refund_amount=Decimal("0.00")),
            order("2", S.CANCELLED, total="20.00", refund_amount=Decimal("0.00")),
            order("3", S.REFUNDED, total="50.00", refund_amount=Decimal("10.00")),
        ],
    )
    with engine.connect() as conn:
        summary = repo.store_summary(
            conn, store, as_of=T0 + timedelta(days=2), close_after=timedelta(hours=72)
        )
    assert summary.orders_by_status == (
        StatusTotals("cancelled", 1, Decimal("20.00"), Decimal("20.00"), Decimal("20.00")),
        StatusTotals("refunded", 2, Decimal("130.00"), Decimal("130.00"), Decimal("90.00")),
    )
