"""The diagnostics' frames read from the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine
from store_factories import T0, apply, line, new_store, order

from winback.analyse import frames as contracts
from winback.ingest.records import ChatMessageRecord, FeedbackRecord, StockRecord
from winback.model import ChatSender, OrderStatus, Platform
from winback.store import frames


def test_every_frame_has_its_contract_and_the_store_values(engine: Engine) -> None:
    with engine.begin() as conn:
        store_id = new_store(conn)
        other = new_store(conn, "outlet")
    closed = order(
        "1001",
        OrderStatus.CLOSED,
        total="128.50",
        close_reason="买家不想买了",
        cancel_reason=None,
        buyer_message="尽快发货",
        lines=(line("1", quantity=2, unit_price=Decimal("64.25")),),
    )
    records = [
        closed,
        ChatMessageRecord(
            Platform.TAOBAO, "buyer-a", T0 - timedelta(minutes=5), ChatSender.BUYER, "在吗"
        ),
        ChatMessageRecord(
            Platform.TAOBAO,
            "buyer-a",
            T0 - timedelta(minutes=4),
            ChatSender.STAFF,
            "在的亲",
            staff="安安",
        ),
        FeedbackRecord(
            Platform.TAOBAO, "f1", T0 + timedelta(days=1), "review", "太贵了", "buyer-a", "1001", 2
        ),
        StockRecord(
            Platform.TAOBAO, "SKU-1", 0, T0, "P1", "连衣裙", {"colour": "白色", "size": "M"}
        ),
    ]
    apply(engine, store_id, records)
    apply(engine, other, [order("2001")])
    with engine.connect() as conn:
        orders = frames.orders_frame(conn, store_id)
        lines = frames.order_lines_frame(conn, store_id)
        chats = frames.chats_frame(conn, store_id)
        feedback = frames.feedback_frame(conn, store_id)
        stock = frames.stock_frame(conn, store_id)
    assert orders.schema == contracts.ORDERS and lines.schema == contracts.ORDER_LINES
    assert chats.schema == contracts.CHATS and feedback.schema == contracts.FEEDBACK
    assert stock.schema == contracts.STOCK
    (row,) = orders.to_pylist()
    assert (row["order_id"], row["status"], row["total_amount"]) == (
        "1001",
        "closed",
        Decimal("128.50"),
    )
    assert (row["close_reason"], row["buyer_message"], row["customer_key"]) == (
        "买家不想买了",
        "尽快发货",
        "buyer-a",
    )
    assert row["created_at"] == T0 and row["closed_at"] == T0 + timedelta(days=1)
    assert lines.to_pylist()[0]["unit_price"] == Decimal("64.25")
    assert [(c["sender"], c["staff"], c["buyer_key"]) for c in chats.to_pylist()] == [
        ("buyer", None, "buyer-a"),
        ("staff", "安安", "buyer-a"),
    ]
    assert feedback.to_pylist()[0]["order_id"] == "1001" and feedback.to_pylist()[0]["rating"] == 2
    assert stock.to_pylist()[0]["colour"] == "白色" and stock.to_pylist()[0]["quantity"] == 0
