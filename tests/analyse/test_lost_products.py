"""The products behind the lost orders, and product ids filled in from the stock report."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from diagnostic_frames import SHANGHAI, T0, lines, order, orders, stock

from winback.analyse.lost_products import fill_product_ids, top_lost_products

D = timedelta(days=1)


def test_lost_orders_count_for_every_product_on_their_lines_with_exact_amounts() -> None:
    placed = orders(
        order("A", "closed", close_reason="超时"),
        order("B", "refunded", at=timedelta(hours=30)),
        order("C", "settled"),  # kept: not lost
        order("D", "closed", at=timedelta(days=5)),  # outside the period
    )
    items = lines(
        {
            "order_id": "A",
            "line_id": "1",
            "title": "连衣裙",
            "product_id": "P1",
            "quantity": 2,
            "unit_price": Decimal("59.95"),
        },
        {
            "order_id": "A",
            "line_id": "2",
            "title": "衬衫",
            "product_id": "P2",
            "quantity": 1,
            "unit_price": Decimal("10.10"),
        },
        {
            "order_id": "B",
            "line_id": "1",
            "title": "连衣裙",
            "product_id": "P1",
            "quantity": 1,
            "unit_price": Decimal("59.95"),
        },
        {
            "order_id": "C",
            "line_id": "1",
            "title": "连衣裙",
            "product_id": "P1",
            "quantity": 9,
            "unit_price": Decimal("59.95"),
        },
        {
            "order_id": "D",
            "line_id": "1",
            "title": "衬衫",
            "product_id": "P2",
            "quantity": 9,
            "unit_price": Decimal("10.10"),
        },
    )
    found = top_lost_products(
        placed, items, timezone=SHANGHAI, start=date(2024, 7, 30), end=date(2024, 7, 31)
    )
    columns = ["product_id", "orders", "quantity", "amount", "closed_orders"]
    assert [[row[name] for name in columns] for row in found.to_pylist()] == [
        ["P1", 2, 3, Decimal("179.85"), 1],
        ["P2", 1, 1, Decimal("10.10"), 1],
    ]
    assert found["cancelled_or_refunded_orders"].to_pylist() == [1, 0]
    assert found["title"].to_pylist() == ["连衣裙", "衬衫"]
    assert top_lost_products(placed, items, timezone=SHANGHAI, limit=1).num_rows == 1
    with pytest.raises(ValueError, match="limit"):
        top_lost_products(placed, items, timezone=SHANGHAI, limit=0)


def test_a_line_without_a_product_id_takes_the_stock_reports_id_for_its_sku_else_its_title() -> (
    None
):
    items = lines(
        {
            "order_id": "A",
            "line_id": "1",
            "title": "连衣裙",
            "sku": "MK1-白-M",
            "quantity": 1,
            "unit_price": Decimal(1),
        },
        {
            "order_id": "A",
            "line_id": "2",
            "title": "无库存衬衫",
            "sku": "X-9",
            "quantity": 1,
            "unit_price": Decimal(1),
        },
        {
            "order_id": "B",
            "line_id": "1",
            "title": "连衣裙",
            "sku": "MK1-白-M",
            "product_id": "OWN",
            "quantity": 1,
            "unit_price": Decimal(1),
        },
    )
    levels = stock(
        {"sku": "MK1-白-M", "product_id": "612007", "title": "连衣裙", "quantity": 3, "at": T0},
        {"sku": "MK1-白-M", "product_id": None, "title": "连衣裙", "quantity": 2, "at": T0 + D},
        {"sku": "Y-1", "product_id": None, "title": "裤子", "quantity": 2, "at": T0},
    )
    filled_lines, filled_stock = fill_product_ids(items, levels)
    assert filled_lines["product_id"].to_pylist() == ["612007", "无库存衬衫", "OWN"]
    assert filled_stock["product_id"].to_pylist() == ["612007", "连衣裙", "裤子"]
