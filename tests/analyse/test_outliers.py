"""Outlier orders: flagged beside the figures they dominate (issue 10, point 9)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from diagnostic_frames import SHANGHAI, order, orders

from winback.analyse.outliers import amount_outliers

H = timedelta(hours=1)
D = timedelta(days=1)


def hundred_yuan_shop(days: int = 10, per_day: int = 20) -> list[dict[str, object]]:
    prices = ("79.00", "99.00", "109.00", "129.00", "89.00")
    return [
        order(f"d{day}-{n}", "settled", at=day * D + H, amount=prices[n % 5], paid=H)
        for day in range(days)
        for n in range(per_day)
    ]


def test_one_huge_unpaid_order_in_a_shop_of_hundred_yuan_orders_is_flagged() -> None:
    """The issue's day: one order of ¥188,320 among ¥100 orders."""
    huge = order("huge", "pending", at=9 * D + 2 * H, amount="188320.00")
    (row,) = amount_outliers(orders(*hundred_yuan_shop(), huge), timezone=SHANGHAI).to_pylist()
    assert (row["order_id"], row["status"], row["amount"]) == (
        "huge",
        "pending",
        Decimal("188320.00"),
    )
    assert row["day"] == date(2024, 8, 8)
    assert row["median_amount"] == Decimal("99.00")
    assert row["times_median"] == pytest.approx(188320 / 99)
    assert row["share_of_day"] == pytest.approx(188320 / (188320 + 4 * (79 + 99 + 109 + 129 + 89)))


def test_a_large_but_ordinary_order_is_not_an_outlier() -> None:
    coat = order("coat", "settled", at=9 * D + 2 * H, amount="899.00", paid=H)
    assert amount_outliers(orders(*hundred_yuan_shop(), coat), timezone=SHANGHAI).num_rows == 0


def test_a_wholesaler_with_widely_spread_orders_needs_a_larger_gap() -> None:
    spread = [
        order(f"w{n}", "settled", at=n * H, amount=str(amount), paid=H)
        for n, amount in enumerate([20, 50, 100, 300, 800, 2000, 5000] * 5)
    ]
    big = order("big", "settled", at=40 * H, amount="9000.00", paid=H)  # 30x the median
    assert amount_outliers(orders(*spread, big), timezone=SHANGHAI).num_rows == 0


def test_too_few_orders_flag_nothing_and_the_period_bounds_the_flagged_days() -> None:
    few = [order(f"f{n}", "settled", amount="100.00") for n in range(5)]
    huge = order("huge", "pending", amount="100000.00")
    assert amount_outliers(orders(*few, huge), timezone=SHANGHAI).num_rows == 0
    shop = [*hundred_yuan_shop(), order("huge", "pending", at=9 * D, amount="100000.00")]
    later = amount_outliers(orders(*shop), timezone=SHANGHAI, start=date(2024, 8, 9))
    assert later.num_rows == 0
