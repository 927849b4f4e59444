"""The products behind the lost orders: which items the shop loses most money on.

A lost order (closed before payment, cancelled or refunded; :data:`~winback.analyse.
lost_orders.LOST_STATUSES`) placed in the period counts for every product on its lines. The
amount is the lines' ``unit_price × quantity`` (exact decimals), so an order with two products
counts for both, each with its own lines. Products are keyed by ``product_id``, else the SKU,
else the title.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from winback.analyse.frames import ORDER_LINES, STOCK, check, columns, run_query
from winback.analyse.lost_orders import LOST_COLUMNS, lost_order_list

__all__ = ["fill_product_ids", "top_lost_products"]

LINE_COLUMNS = columns(
    ORDER_LINES, ("order_id", "title", "sku", "product_id", "quantity", "unit_price")
)


def top_lost_products(
    orders: pa.Table,
    lines: pa.Table,
    *,
    timezone: str,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
) -> pa.Table:
    """Per product of the lost orders placed in ``[start, end]``: ``product_id``, ``title``,
    ``orders``, ``quantity``, ``amount``, ``closed_orders`` and
    ``cancelled_or_refunded_orders``; largest amount first, at most ``limit`` rows."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    lost = lost_order_list(
        check(orders, LOST_COLUMNS, "orders"), timezone=timezone, start=start, end=end
    )
    return run_query(
        "lost_products.sql",
        {"limit": limit},
        lost=lost.select(["order_id", "status"]),
        lines=check(lines, LINE_COLUMNS, "order_lines"),
    )


def fill_product_ids(lines: pa.Table, stock: pa.Table) -> tuple[pa.Table, pa.Table]:
    """``lines`` and ``stock`` with every ``product_id`` filled in, so products group right.

    Some exports name the variant (SKU, 商家编码) but not the product: a Taobao item report
    has no 商品ID, while the stock report has it per SKU. A line without a product id takes
    the one the stock rows give its SKU; failing that, the line or stock row's title names the
    product (same title, same product). Rows that already have a product id are unchanged.
    """
    line_frame, stock_frame = check(lines, ORDER_LINES, "order_lines"), check(stock, STOCK, "stock")
    return (
        run_query("fill_line_products.sql", {}, lines=line_frame, stock=stock_frame),
        run_query("fill_stock_products.sql", {}, stock=stock_frame),
    )
