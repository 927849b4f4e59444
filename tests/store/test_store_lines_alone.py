"""Lines from an item report imported on its own join the orders already stored."""

from __future__ import annotations

from sqlalchemy import Engine, select
from store_factories import apply, line, new_store, order

from winback.ingest.records import OrderLinesRecord, SourceRef
from winback.model import OrderStatus, Platform
from winback.store.schema import order_lines, orders

S = OrderStatus


def lines_of(order_id: str, *ids: str, row: int = 2, **fields: object) -> OrderLinesRecord:
    return OrderLinesRecord(
        platform=Platform.TAOBAO,
        order_id=order_id,
        lines=tuple(line(i, **fields) for i in ids),  # type: ignore[arg-type]
        source=SourceRef("ExportOrderDetailList.csv", row),
        order_column="订单编号",
    )


def stored_lines(engine: Engine) -> list[tuple[str, str, int]]:
    query = (
        select(orders.c.order_id, order_lines.c.line_id, order_lines.c.quantity)
        .join(orders, orders.c.id == order_lines.c.order_row_id)
        .order_by(orders.c.order_id, order_lines.c.line_id)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def test_lines_alone_attach_to_stored_orders_and_unknown_orders_are_rejected(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(engine, store, [order("1", S.PAID), order("2", S.SETTLED)])
    result = apply(
        engine, store, [lines_of("1", "a", "b"), lines_of("9", "z", row=7), lines_of("2", "c")]
    )
    assert stored_lines(engine) == [("1", "a", 1), ("1", "b", 1), ("2", "c", 1)]
    assert result.kinds["order_lines"].created == 2
    [refused] = result.rejections
    assert (refused.file, refused.row, refused.column) == (
        "ExportOrderDetailList.csv",
        7,
        "订单编号",
    )
    assert "order 9 is not in the store" in refused.reason


def test_reimporting_the_same_lines_changes_nothing_and_changed_lines_replace_them(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(engine, store, [order("1", S.PAID, lines=(line("a"),))])
    same = apply(engine, store, [lines_of("1", "a")])
    counts = same.kinds["order_lines"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 1)
    changed = apply(engine, store, [lines_of("1", "a", "b", quantity=3)])
    assert changed.kinds["order_lines"].updated == 1
    assert stored_lines(engine) == [("1", "a", 3), ("1", "b", 3)]
    again = apply(engine, store, [order("1", S.PAID, lines=(line("a"),))])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert stored_lines(engine) == [("1", "a", 3), ("1", "b", 3)]


def test_lines_of_another_store_do_not_attach(engine: Engine) -> None:
    with engine.begin() as conn:
        first, second = new_store(conn, "one"), new_store(conn, "two")
    apply(engine, first, [order("1", S.PAID)])
    result = apply(engine, second, [lines_of("1", "a")])
    assert stored_lines(engine) == []
    assert len(result.rejections) == 1
