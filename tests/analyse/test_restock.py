"""D5: orders lost to stockouts and the restock proposal split by colour and size shares."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pytest
from diagnostic_frames import SHANGHAI, T0, lines, order, orders, stock
from hypothesis import given
from hypothesis import strategies as st

from winback.analyse.restock import largest_remainder, restock_proposal, stockout_losses

H = timedelta(hours=1)
D = timedelta(days=1)
AS_OF = T0 + 30 * D
COLOURS = {"白色": 50, "黑色": 30, "卡其": 20}
SIZES = {"S": 10, "M": 35, "L": 35, "XL": 20}


def line(order_id: str, colour: str, size: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "line_id": f"{order_id}-{colour}-{size}",
        "title": "MK103410 连衣裙",
        "product_id": "MK103410",
        "sku": f"MK103410-{colour}-{size}",
        "colour": colour,
        "size": size,
        "quantity": quantity,
        "unit_price": Decimal("129.00"),
        **extra,
    }


def mk103410_sales() -> tuple[pa.Table, pa.Table]:
    """100 paid units in the lookback: colours 50/30/20 %, sizes 10/35/35/20 %, sold as
    independent draws so both marginals hold exactly."""
    colour_list = [c for c, n in COLOURS.items() for _ in range(n)]
    size_list = [s for s, n in SIZES.items() for _ in range(n)]
    placed, bought = [], []
    for number, (colour, size) in enumerate(zip(colour_list, size_list, strict=True)):
        placed.append(order(f"o{number}", "settled", at=10 * D + number * H, paid=H))
        bought.append(line(f"o{number}", colour, size))
    return orders(*placed), lines(*bought)


def by_variant(table: pa.Table) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["colour"], row["size"]): row for row in table.to_pylist()}


def test_the_restock_quantity_is_demand_over_the_horizon_minus_stock() -> None:
    placed, bought = mk103410_sales()
    on_hand = stock({"sku": "MK103410-白色-M", "product_id": "MK103410", "quantity": 40, "at": T0})
    table = restock_proposal(bought, placed, on_hand, as_of=AS_OF, horizon_days=15)
    row = table.to_pylist()[0]
    assert (row["sold"], row["expected_demand"], row["on_hand"], row["to_order"]) == (
        100,
        50,
        40,
        10,
    )
    assert sum(table["quantity"].to_pylist()) == 10


def test_the_split_follows_the_colour_shares_times_the_size_shares() -> None:
    placed, bought = mk103410_sales()
    table = restock_proposal(bought, placed, stock(), as_of=AS_OF)
    cells = by_variant(table)
    assert len(cells) == 12
    assert cells[("白色", "M")]["colour_share"] == pytest.approx(0.5)
    assert cells[("白色", "M")]["size_share"] == pytest.approx(0.35)
    # 白色 gets 50; its M and L are 17.5 each: the tie goes to L (name order), M keeps 17.
    assert (cells[("白色", "L")]["quantity"], cells[("白色", "M")]["quantity"]) == (18, 17)
    assert cells[("卡其", "S")]["quantity"] == 2
    assert sum(row["quantity"] for row in cells.values()) == 100
    colour_totals = {c: sum(r["quantity"] for k, r in cells.items() if k[0] == c) for c in COLOURS}
    assert colour_totals == {"白色": 50, "黑色": 30, "卡其": 20}


def test_units_lost_to_stockouts_add_to_demand() -> None:
    placed, bought = mk103410_sales()
    lost = order("lost", "closed", at=20 * D, close_reason="亲，黑色L码缺货了")
    with_lost = pa.concat_tables([placed, orders(lost)])
    all_lines = pa.concat_tables([bought, lines(line("lost", "黑色", "L", quantity=5))])
    table = restock_proposal(all_lines, with_lost, stock(), as_of=AS_OF)
    row = table.to_pylist()[0]
    assert (row["sold"], row["lost_to_stockout"], row["to_order"]) == (100, 5, 105)


def test_nothing_is_ordered_when_stock_covers_the_demand() -> None:
    placed, bought = mk103410_sales()
    plenty = stock({"sku": "x", "product_id": "MK103410", "quantity": 500, "at": T0})
    table = restock_proposal(bought, placed, plenty, as_of=AS_OF)
    assert set(table["to_order"].to_pylist()) == {0}
    assert set(table["quantity"].to_pylist()) == {0}


def test_sales_outside_the_lookback_or_lost_do_not_count() -> None:
    placed = orders(
        order("old", "settled", at=-5 * D, paid=H),
        order("closed", "closed"),
        order("refunded", "refunded", paid=H, refunded=D),
        order("new", "paid", at=25 * D, paid=H),
    )
    bought = lines(*(line(name, "白色", "M") for name in ("old", "closed", "refunded", "new")))
    table = restock_proposal(bought, placed, stock(), as_of=AS_OF, lookback_days=30)
    assert table.to_pylist()[0]["sold"] == 1


def test_one_product_can_be_asked_for() -> None:
    placed, bought = mk103410_sales()
    other = lines({**line("o1", "红色", "M"), "product_id": "OTHER", "line_id": "x"})
    table = restock_proposal(
        pa.concat_tables([bought, other]), placed, stock(), as_of=AS_OF, product_id="OTHER"
    )
    assert set(table["product_id"].to_pylist()) == {"OTHER"}


def test_a_variant_at_zero_stock_when_ordered_is_a_stockout_loss() -> None:
    placed = orders(
        order("gone", "closed", at=5 * D, close_reason="超时未付款，交易自动关闭"),
        order("restocked", "closed", at=9 * D),
        order("kept", "paid", at=5 * D, paid=H),
    )
    bought = lines(
        line("gone", "白色", "M"), line("restocked", "白色", "M"), line("kept", "白色", "M")
    )
    levels = stock(
        {"sku": "MK103410-白色-M", "quantity": 0, "at": T0 + 2 * D},
        {"sku": "MK103410-白色-M", "quantity": 10, "at": T0 + 8 * D},
    )
    (row,) = stockout_losses(placed, bought, levels, timezone=SHANGHAI).to_pylist()
    assert (row["colour"], row["size"], row["orders"], row["orders_stock_zero"]) == (
        "白色",
        "M",
        1,
        1,
    )
    assert row["amount"] == Decimal("129.00")


def test_a_reason_saying_out_of_stock_counts_every_line_of_the_order() -> None:
    placed = orders(
        order("said", "cancelled", paid=H, cancel_reason="没有我要的尺码"),
        order("en", "closed", close_reason="Sold out"),
        order("other", "closed", close_reason="我不想买了"),
    )
    bought = lines(
        line("said", "白色", "M", quantity=2),
        line("said", "黑色", "L"),
        line("en", "卡其", "S"),
        line("other", "白色", "M"),
    )
    table = stockout_losses(placed, bought, stock(), timezone=SHANGHAI)
    cells = by_variant(table)
    assert set(cells) == {("白色", "M"), ("黑色", "L"), ("卡其", "S")}
    assert (cells[("白色", "M")]["quantity"], cells[("白色", "M")]["amount"]) == (
        2,
        Decimal("258.00"),
    )
    assert cells[("卡其", "S")]["orders_reason_said"] == 1
    assert table["product_id"].to_pylist()[0] == "MK103410"


def test_stock_rows_name_the_out_of_stock_line_when_the_reason_is_vague() -> None:
    placed = orders(order("o1", "closed", at=5 * D, close_reason="缺货"))
    bought = lines(line("o1", "白色", "M"), line("o1", "黑色", "L"))
    levels = stock({"sku": "MK103410-黑色-L", "quantity": 0, "at": T0})
    table = stockout_losses(placed, bought, levels, timezone=SHANGHAI)
    assert list(by_variant(table)) == [("黑色", "L")]


def test_stockout_losses_keep_to_the_period() -> None:
    placed = orders(
        order("o1", "closed", close_reason="缺货"),
        order("o2", "closed", at=3 * D, close_reason="缺货"),
    )
    bought = lines(line("o1", "白色", "M"), line("o2", "白色", "M"))
    table = stockout_losses(placed, bought, stock(), timezone=SHANGHAI, start=date(2024, 8, 1))
    assert table["orders"].to_pylist() == [1]


@given(
    total=st.integers(0, 10_000),
    weights=st.lists(st.fractions(min_value=0, max_value=1), min_size=1, max_size=30),
)
def test_largest_remainder_sums_exactly_and_stays_within_one_of_the_exact_share(
    total: int, weights: list[Fraction]
) -> None:
    split = largest_remainder(total, weights)
    if sum(weights) == 0:
        assert split == [0] * len(weights)
        return
    assert sum(split) == total
    for part, weight in zip(split, weights, strict=True):
        assert abs(part - total * weight / sum(weights)) < 1


def test_a_sold_out_colour_and_size_is_restocked_on_its_own() -> None:
    """Issue 10, point 9 (seed 002's MK103410): D5 said "nothing to restock" right above a
    sold-out 白色 XL with 103 lost orders, because the product's other sizes had stock."""
    placed, bought = mk103410_sales()
    lost = [
        order(f"lost{n}", "closed", at=20 * D + n * H, close_reason="白色XL断码了")
        for n in range(103)
    ]
    all_orders = pa.concat_tables([placed, orders(*lost)])
    all_lines = pa.concat_tables(
        [bought, lines(*(line(f"lost{n}", "白色", "XL") for n in range(103)))]
    )
    levels = stock(
        {"sku": "MK103410-白色-XL", "product_id": "MK103410", "colour": "白色", "size": "XL",
         "quantity": 0, "at": T0 + 15 * D},
        {"sku": "MK103410-黑色-M", "product_id": "MK103410", "colour": "黑色", "size": "M",
         "quantity": 500, "at": T0 + 15 * D},
    )  # fmt: skip
    table = restock_proposal(all_lines, all_orders, levels, as_of=AS_OF)
    cells = by_variant(table)
    white_xl = cells[("白色", "XL")]
    sold_white_xl = sum(
        1 for row in bought.to_pylist() if (row["colour"], row["size"]) == ("白色", "XL")
    )
    assert white_xl["sold_out"] is True
    assert white_xl["variant_on_hand"] == 0
    assert white_xl["quantity"] == sold_white_xl + 103  # its own 30 days of demand
    assert white_xl["to_order"] == sum(row["quantity"] for row in cells.values())
    assert not cells[("黑色", "M")]["sold_out"]
    assert cells[("黑色", "M")]["quantity"] == 0  # the product as a whole is stocked


def test_a_variant_with_stock_left_is_not_sold_out() -> None:
    placed, bought = mk103410_sales()
    levels = stock(
        {"sku": "MK103410-白色-XL", "product_id": "MK103410", "colour": "白色", "size": "XL",
         "quantity": 3, "at": T0},
        {"sku": "x", "product_id": "MK103410", "quantity": 500, "at": T0},
    )  # fmt: skip
    table = restock_proposal(bought, placed, levels, as_of=AS_OF)
    assert not any(table["sold_out"].to_pylist())
    assert set(table["quantity"].to_pylist()) == {0}
    assert by_variant(table)[("白色", "XL")]["variant_on_hand"] == 3
    assert by_variant(table)[("白色", "M")]["variant_on_hand"] is None
