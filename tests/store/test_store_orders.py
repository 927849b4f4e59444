"""Orders through apply_records: upserts, the status rule, the timeline, lines, customers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from store_factories import (
    NOW,
    T0,
    apply,
    line,
    new_store,
    order,
    stored_order,
    timeline,
)

from winback.ingest.records import MASKED, Buyer, Contact, SourceRef
from winback.model import OrderStatus
from winback.store import repo
from winback.store.schema import customers, order_events, order_lines, orders

S = OrderStatus


@pytest.fixture
def store(engine: Engine) -> int:
    with engine.begin() as conn:
        return new_store(conn)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def test_orders_round_trip_through_the_store(engine: Engine, store: int) -> None:
    records = [
        order("1001", S.PENDING, lines=(line("1"), line("2", sku="SKU-2", attributes={}))),
        order("1002", S.SETTLED, total="0.01", seller_remark="加急", payment_method="支付宝"),
        order("1003", S.CLOSED, buyer=None, close_reason="买家不想买了"),
    ]
    result = apply(engine, store, records)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.rejections == []

    settled = stored_order(engine, store, "1002")
    assert settled.status == "settled"
    assert settled.total_amount == Decimal("0.01")
    assert settled.paid_at == utc(T0 + timedelta(minutes=5))
    assert settled.settled_at == utc(T0 + timedelta(days=10))
    assert settled.seller_remark == "加急"
    closed = stored_order(engine, store, "1003")
    assert closed.customer_id is None
    assert closed.close_reason == "买家不想买了"

    with engine.connect() as conn:
        table = repo.orders_table(conn, store)
        lines = repo.order_lines_table(conn, store).to_pylist()
    rows = {row["order_id"]: row for row in table.to_pylist()}
    assert rows["1002"]["total_amount"] == Decimal("0.01")
    assert rows["1002"]["has_remark"] is True
    assert rows["1001"]["customer_key"] == "buyer-a"
    assert rows["1003"]["customer_key"] is None
    assert [(x["order_id"], x["line_id"], x["colour"], x["size"]) for x in lines] == [
        ("1001", "1", "白色", "M"),
        ("1001", "2", None, None),
    ]


def test_reapplying_the_same_records_changes_nothing(engine: Engine, store: int) -> None:
    records = [order(str(i), status) for i, status in enumerate(S)]
    apply(engine, store, records)
    before = _snapshot(engine)
    again = apply(engine, store, records, now=NOW + timedelta(days=1))
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(records))
    assert _snapshot(engine) == before


def test_a_newer_status_advances_and_extends_the_timeline(engine: Engine, store: int) -> None:
    apply(engine, store, [order("1", S.PENDING)])
    result = apply(engine, store, [order("1", S.SHIPPED)], source_file="later.csv")
    assert (result.created, result.updated) == (0, 1)
    row = stored_order(engine, store, "1")
    assert row.status == "shipped"
    assert row.paid_at == utc(T0 + timedelta(minutes=5))
    assert timeline(engine, store, "1") == [
        ("pending", utc(T0)),
        ("paid", utc(T0 + timedelta(minutes=5))),
        ("shipped", utc(T0 + timedelta(hours=20))),
    ]


def test_an_older_row_arriving_later_is_ignored(engine: Engine, store: int) -> None:
    apply(engine, store, [order("1", S.SETTLED)])
    before = _snapshot(engine)
    # An older export: still paid then, and with a different payment time.
    stale = order("1", S.PAID, paid_at=T0 + timedelta(minutes=1), total="98.00")
    result = apply(engine, store, [stale], source_file="older.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    row = stored_order(engine, store, "1")
    assert row.status == "settled"
    assert row.paid_at == utc(T0 + timedelta(minutes=5))
    assert row.total_amount == Decimal("99.00")
    assert _snapshot(engine) == before


def test_a_stale_row_fills_what_was_unknown_but_overwrites_nothing(
    engine: Engine, store: int
) -> None:
    jumped = order("1", S.SETTLED, paid_at=None, shipped_at=None, delivered_at=None)
    apply(engine, store, [jumped])
    assert [s for s, _ in timeline(engine, store, "1")] == ["pending", "settled"]
    result = apply(engine, store, [order("1", S.PAID, total="55.00", seller_remark="催过")])
    assert result.updated == 1
    row = stored_order(engine, store, "1")
    assert row.status == "settled"
    assert row.seller_remark == "催过"
    assert row.paid_at == utc(T0 + timedelta(minutes=5))
    assert row.total_amount == Decimal("99.00")
    assert [s for s, _ in timeline(engine, store, "1")] == ["pending", "paid", "settled"]


def test_terminal_statuses_stay_terminal(engine: Engine, store: int) -> None:
    apply(engine, store, [order("c", S.CLOSED), order("r", S.REFUNDED), order("x", S.CANCELLED)])
    apply(engine, store, [order("c", S.PAID), order("r", S.SETTLED), order("x", S.SHIPPED)])
    assert stored_order(engine, store, "c").status == "closed"
    assert stored_order(engine, store, "r").status == "refunded"
    assert stored_order(engine, store, "x").status == "cancelled"


def test_a_jump_records_the_intermediate_statuses_whose_times_are_known(
    engine: Engine, store: int
) -> None:
    apply(engine, store, [order("1", S.PENDING)])
    apply(engine, store, [order("1", S.SETTLED, delivered_at=None)])
    assert timeline(engine, store, "1") == [
        ("pending", utc(T0)),
        ("paid", utc(T0 + timedelta(minutes=5))),
        ("shipped", utc(T0 + timedelta(hours=20))),
        ("settled", utc(T0 + timedelta(days=10))),
    ]


def test_an_unknown_time_of_the_new_status_is_an_event_without_a_time(
    engine: Engine, store: int
) -> None:
    apply(engine, store, [order("1", S.REFUNDED, refunded_at=None)])
    assert timeline(engine, store, "1")[-1] == ("refunded", None)
    apply(engine, store, [order("1", S.REFUNDED, refunded_at=T0 + timedelta(days=12))])
    assert timeline(engine, store, "1")[-1] == ("refunded", utc(T0 + timedelta(days=12)))


def test_lines_are_replaced_when_they_differ_and_kept_when_absent(
    engine: Engine, store: int
) -> None:
    apply(engine, store, [order("1", S.PAID, lines=(line("1"), line("2")))])
    apply(engine, store, [order("1", S.SHIPPED)])
    assert _line_ids(engine) == ["1", "2"]
    result = apply(engine, store, [order("1", S.SHIPPED, lines=(line("1", quantity=2),))])
    assert result.updated == 1
    assert _line_ids(engine) == ["1"]
    with engine.connect() as conn:
        assert conn.execute(select(order_lines.c.quantity)).scalar_one() == 2


def test_several_records_of_one_order_in_one_call_apply_in_sequence(
    engine: Engine, store: int
) -> None:
    records = [order("1", S.PENDING), order("1", S.PAID), order("2", S.PAID), order("1", S.PENDING)]
    result = apply(engine, store, records)
    assert result.created == 2
    assert stored_order(engine, store, "1").status == "paid"
    assert [s for s, _ in timeline(engine, store, "1")] == ["pending", "paid"]


def test_customers_come_from_buyers_with_masked_contacts_flagged(
    engine: Engine, store: int
) -> None:
    masked = Buyer(buyer_id="tb-1", name="李**", phone=MASKED, address=MASKED, region="浙江省")
    apply(engine, store, [order("1", buyer=None), replace(order("2"), buyer=masked)])
    with engine.connect() as conn:
        row = conn.execute(select(customers).where(customers.c.customer_key == "tb-1")).one()
        assert conn.execute(select(func.count()).select_from(customers)).scalar() == 1
    assert (row.phone, row.phone_masked, row.address_masked) == (None, True, True)
    assert (row.email, row.email_masked) == (None, False)
    assert row.region == "浙江省"
    assert row.first_seen_at == utc(T0)
    # A usable phone from a later source replaces the masked sighting, and a masked one
    # arriving after that does not erase it.
    known = replace(masked, phone=Contact("13800000000"))
    apply(engine, store, [replace(order("3"), buyer=known), replace(order("4"), buyer=masked)])
    with engine.connect() as conn:
        row = conn.execute(select(customers).where(customers.c.customer_key == "tb-1")).one()
    assert (row.phone, row.phone_masked) == ("13800000000", False)


def test_records_the_store_cannot_represent_are_rejected_with_row_and_field(
    engine: Engine, store: int
) -> None:
    naive = order("1", S.PAID, paid_at=datetime(2024, 3, 1, 10, 5), row=7)
    fractional = order("2", total="9.999", row=8)
    bad_line = order("3", lines=(line("1", unit_price=Decimal("1.234")),), row=9)
    result = apply(engine, store, [naive, fractional, bad_line, order("4", row=10)])
    assert result.created == 1
    found = {(r.row, r.column) for r in result.rejections}
    assert found == {(7, "paid_at"), (8, "total_amount"), (9, "lines[0].unit_price")}
    assert all(r.file == "orders.csv" for r in result.rejections)
    assert "naive" in next(r.reason for r in result.rejections if r.row == 7)
    assert "decimal places" in next(r.reason for r in result.rejections if r.row == 8)


def test_an_unknown_record_type_is_a_type_error_before_anything_is_written(
    engine: Engine, store: int
) -> None:
    with pytest.raises(TypeError, match="cannot store a SourceRef"):
        apply(engine, store, [order("1"), SourceRef("x", 1)])
    assert _snapshot(engine)["orders"] == []


def test_progress_reports_every_record(engine: Engine, store: int) -> None:
    seen: list[int] = []
    apply(engine, store, [order(str(i)) for i in range(5)], progress=seen.append)
    assert sum(seen) == 5


def test_a_failure_midway_leaves_the_store_exactly_as_before(
    engine: Engine, store: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(engine, store, [order("1", S.PENDING), order("2", S.PAID)])
    before = _snapshot(engine)
    monkeypatch.setattr(repo, "CHUNK", 2)

    def explode_after_first_chunk(count: int) -> None:
        raise RuntimeError("disk full")

    records = [order("1", S.SETTLED), order("3", S.PAID), order("4"), order("5")]
    with pytest.raises(RuntimeError, match="disk full"):
        apply(engine, store, records, progress=explode_after_first_chunk)
    assert _snapshot(engine) == before


def test_a_failure_inside_apply_records_leaves_the_callers_transaction_usable(
    engine: Engine, store: int
) -> None:
    with engine.begin() as conn:
        with pytest.raises(RuntimeError):
            repo.apply_records(
                conn, store, [order("9")], source_file="x.csv", progress=_explode, now=NOW
            )
        repo.apply_records(conn, store, [order("10")], source_file="x.csv", now=NOW)
    with engine.connect() as conn:
        assert list(conn.execute(select(orders.c.order_id)).scalars()) == ["10"]


def _explode(count: int) -> None:
    raise RuntimeError("stop")


def _line_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(order_lines.c.line_id).order_by(order_lines.c.id)).scalars()
        )


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            "orders": [
                tuple(r)
                for r in conn.execute(
                    select(*(c for c in orders.c if c.name != "updated_at")).order_by(
                        orders.c.order_id
                    )
                )
            ],
            "events": [
                tuple(r)
                for r in conn.execute(
                    select(order_events).order_by(
                        order_events.c.order_row_id, order_events.c.status
                    )
                )
            ],
            "lines": [
                tuple(r) for r in conn.execute(select(order_lines).order_by(order_lines.c.id))
            ],
            "customers": [
                tuple(r) for r in conn.execute(select(customers).order_by(customers.c.id))
            ],
        }


def test_row_ids_that_are_not_contiguous_still_get_their_timelines(
    engine: Engine, store: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL, concurrent sessions can interleave sequence values.
    from winback.store._bulk import Bulk

    allocate = Bulk.allocate_ids

    def gappy(self: Bulk, table: Any, count: int) -> list[int]:
        ids = list(allocate(self, table, count * 2))
        return ids[::2][:count]

    monkeypatch.setattr(Bulk, "allocate_ids", gappy)
    apply(engine, store, [order("1", S.PAID), order("2", S.CLOSED)])
    assert [s for s, _ in timeline(engine, store, "1")] == ["pending", "paid"]
    assert [s for s, _ in timeline(engine, store, "2")] == ["pending", "closed"]
