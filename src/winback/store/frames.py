"""Named reads that hand one store's data to the diagnostics as Arrow frames.

Each function returns exactly one contract of :mod:`winback.contracts` (``ORDERS``,
``ORDER_LINES``, ``CHATS``, ``FEEDBACK``, ``STOCK``): instants as UTC timestamps, money as
``decimal128(18, 2)``, platform ids as strings. Values leave the database in their canonical
form (integer microseconds, integer minor units) and are converted once, column by column.
A buyer is named by the customer's ``customer_key`` (``buyer_key`` in chats and feedback).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

import pyarrow as pa
from sqlalchemy import Connection

from winback.contracts import CHATS, FEEDBACK, ORDER_LINES, ORDERS, REPORTED_EVENTS, STOCK
from winback.store._arrow import iter_arrow, read_arrow
from winback.store._bulk import Bulk
from winback.store.repo import _table

__all__ = [
    "chats_frame",
    "feedback_frame",
    "order_lines_frame",
    "orders_frame",
    "orders_frame_chunks",
    "reported_events_frame",
    "stock_frame",
]

_ORDER_TIMES: Final = (
    "created_at", "paid_at", "shipped_at", "delivered_at", "settled_at", "closed_at",
    "refunded_at",
)  # fmt: skip


def orders_frame(
    conn: Connection, store_id: int, order_ids: Sequence[str] | None = None
) -> pa.Table:
    """The store's orders (or just ``order_ids``) in the ``ORDERS`` contract, with the texts
    that may say why an order was lost (``close_reason``, ``cancel_reason``,
    ``buyer_message``); oldest first."""
    bulk = Bulk(conn)
    sql, _ = _orders_sql(conn, store_id)
    if order_ids is None:  # a whole store: in chunks, never a million Python rows at once
        return read_arrow(conn, sql + " ORDER BY o.created_at, o.id", {"store": store_id}, ORDERS)
    rows = bulk.rows_by_keys(f"{sql} AND {bulk.in_keys('o.order_id')}", order_ids, store=store_id)
    return _table(ORDERS, sorted(rows, key=lambda row: (row[3], row[0])))


def _orders_sql(conn: Connection, store_id: int) -> tuple[str, dict[str, int]]:
    """The query of a store's orders in the ``ORDERS`` contract (no order)."""
    instants = ", ".join(Bulk(conn).instant(f"o.{name}") for name in _ORDER_TIMES)
    sql = (
        f"SELECT o.order_id, c.customer_key, o.status, {instants}, "
        "o.total_amount, o.paid_amount, o.refund_amount, o.payment_method, o.platform, "
        "CASE WHEN coalesce(o.buyer_message, '') <> '' OR coalesce(o.seller_remark, '') <> '' "
        "THEN 1 ELSE 0 END, o.close_reason, o.cancel_reason, o.buyer_message "
        "FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
        "WHERE o.store_id = :store"
    )
    return sql, {"store": store_id}


def orders_frame_chunks(
    conn: Connection, store_id: int, *, rows: int = 50_000
) -> Iterator[pa.Table]:
    """The store's orders in the ``ORDERS`` contract, ``rows`` at a time, in storage order:
    for a reader that judges or reduces each chunk (a plan over a million orders) and so
    never holds the whole store in memory at once."""
    sql, params = _orders_sql(conn, store_id)
    for batch in iter_arrow(conn, sql, params, ORDERS, rows=rows):
        yield pa.Table.from_batches([batch])


def order_lines_frame(conn: Connection, store_id: int) -> pa.Table:
    """The store's order lines in the ``ORDER_LINES`` contract, in order and line order."""
    sql = (
        "SELECT o.order_id, l.line_id, l.title, l.sku, l.product_id, l.quantity, "
        "l.unit_price, l.colour, l.size "
        "FROM order_lines l JOIN orders o ON o.id = l.order_row_id "
        "WHERE o.store_id = :store ORDER BY o.created_at, o.id, l.id"
    )
    return _table(ORDER_LINES, Bulk(conn).rows(sql, store=store_id))


def chats_frame(conn: Connection, store_id: int) -> pa.Table:
    """The store's customer-service chat lines in the ``CHATS`` contract, in time order."""
    bulk = Bulk(conn)
    sql = (
        f"SELECT c.customer_key, {bulk.instant('m.sent_at')}, m.sender, m.text, m.staff, "
        "m.order_id FROM chat_messages m JOIN customers c ON c.id = m.customer_id "
        "WHERE m.store_id = :store ORDER BY m.sent_at, m.id"
    )
    return _table(CHATS, bulk.rows(sql, store=store_id))


def feedback_frame(conn: Connection, store_id: int) -> pa.Table:
    """The store's reviews, survey answers and cancel forms in the ``FEEDBACK`` contract."""
    bulk = Bulk(conn)
    sql = (
        f"SELECT f.feedback_id, f.order_id, c.customer_key, {bulk.instant('f.at')}, f.kind, "
        "f.text, f.rating FROM feedback f LEFT JOIN customers c ON c.id = f.customer_id "
        "WHERE f.store_id = :store ORDER BY f.at, f.id"
    )
    return _table(FEEDBACK, bulk.rows(sql, store=store_id))


def stock_frame(conn: Connection, store_id: int) -> pa.Table:
    """Every stock level the store reported, per SKU and time, in the ``STOCK`` contract."""
    bulk = Bulk(conn)
    sql = (
        f"SELECT s.sku, s.product_id, s.title, s.colour, s.size, s.quantity, "
        f"{bulk.instant('s.at')} FROM stock_levels s "
        "WHERE s.store_id = :store ORDER BY s.at, s.id"
    )
    return _table(STOCK, bulk.rows(sql, store=store_id))


def reported_events_frame(conn: Connection, store_id: int) -> pa.Table:
    """Per source (order ``platform``), whether the store's data of it tells shipping and
    settlement, in the ``REPORTED_EVENTS`` contract: the rule of
    :func:`winback.analyse.decomposition.reported_events`, as one aggregate over every stored
    order (not an as-of reading: what a source can tell does not depend on the moment)."""
    sql = (
        "SELECT coalesce(platform, ''), "
        "max(CASE WHEN shipped_at IS NOT NULL OR delivered_at IS NOT NULL "
        "OR status IN ('shipped', 'delivered') THEN 1 ELSE 0 END), "
        "max(CASE WHEN settled_at IS NOT NULL OR status = 'settled' THEN 1 ELSE 0 END) "
        "FROM orders WHERE store_id = :store GROUP BY coalesce(platform, '') "
        "ORDER BY coalesce(platform, '')"
    )
    return _table(REPORTED_EVENTS, Bulk(conn).rows(sql, store=store_id))
