"""D5: orders lost to stockouts, and a restock proposal split by colour and size.

Stockout losses
    A lost order (closed, cancelled or refunded) is lost to a stockout on a line when that
    line's variant had no stock when the order was placed (the latest stock row of the variant
    at or before the order says 0 or less) — or, when no line of the order was out of stock by
    the stock rows, on all its lines when its cancel or close reason says so (缺货, 没货, 断码,
    没有这个颜色, "out of stock", ... :data:`OUT_OF_STOCK`). A variant is the SKU, or product id
    + colour + size when the SKU is missing.

Restock proposal (seed 002: 按照所售商品的颜色比例和尺码比例来进行补货)
    Per product: demand in the lookback = units sold (lines of orders paid in the lookback and
    not closed, cancelled or refunded) + units lost to stockouts (lines of lost orders placed in
    the lookback); expected demand over the horizon = that × horizon ÷ lookback, rounded up;
    to order = expected demand − units on hand as of ``as_of``, not below 0. The quantity is
    split over colour × size by the product of the colour share and the size share of the
    lookback demand, in whole units: first over colours, then each colour's units over sizes,
    each time by largest remainder (ties go to the larger share, then the more popular
    value). So the variants sum exactly to the product's quantity and each colour gets
    exactly its rounded share; a size's total may be off its rounded share by at most one
    unit per colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import product
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.frames import ORDER_LINES, ORDERS, STOCK, check, columns, run_query
from winback.analyse.lost_orders import LOST_STATUSES, lost_order_list

__all__ = ["OUT_OF_STOCK", "largest_remainder", "restock_proposal", "stockout_losses"]

OUT_OF_STOCK: Final = (
    r"缺货|没货|断货|断码|断色|无货|没有货|没库存|库存不足|售罄|卖完|卖光"
    r"|(没有|没)[^，,。]{0,4}(码|尺码|尺寸|颜色)"
    r"|out of stock|sold out|no stock|not in stock|stockout|unavailable"
)
"""What a cancel or close reason says when the variant was out of stock."""

ORDER_COLUMNS: Final = columns(
    ORDERS, ("order_id", "status", "created_at", "paid_at", "cancel_reason", "close_reason")
)
VARIANT: Final = ["product_id", "colour", "size"]


def stockout_losses(
    orders: pa.Table,
    lines: pa.Table,
    stock: pa.Table,
    *,
    timezone: str,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """Per product and variant, the lost orders placed in ``[start, end]`` lost to a stockout:
    ``product_id``, ``title``, ``colour``, ``size``, ``orders``, ``quantity``, ``amount``
    (line amounts, exact), ``orders_stock_zero`` and ``orders_reason_said`` (how each was
    found); largest amount first."""
    lost = lost_order_list(orders, timezone=timezone, start=start, end=end)
    found = _stockout_lines(lost, lines, stock)
    return _by_variant(found)


def restock_proposal(
    lines: pa.Table,
    orders: pa.Table,
    stock: pa.Table,
    *,
    as_of: datetime,
    product_id: str | None = None,
    horizon_days: int = 30,
    lookback_days: int = 30,
) -> pa.Table:
    """One row per product × colour × size with demand in the lookback: the product's
    ``sold``, ``lost_to_stockout``, ``expected_demand``, ``on_hand`` and ``to_order``, and the
    variant's ``colour_share``, ``size_share`` and ``quantity`` (summing to ``to_order``).
    ``product_id`` limits it to one product."""
    if horizon_days <= 0 or lookback_days <= 0:
        raise ValueError("horizon_days and lookback_days must be positive")
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, not {as_of!r}")
    since = as_of - timedelta(days=lookback_days)
    order_frame = check(orders, ORDER_COLUMNS, "orders")
    line_frame, stock_frame = check(lines, ORDER_LINES, "order_lines"), check(stock, STOCK, "stock")
    sold = run_query(
        "restock_sales.sql", {"since": since, "as_of": as_of}, lines=line_frame, orders=order_frame
    )
    lost = _lost_between(order_frame, since, as_of)
    lost_lines = _stockout_lines(lost, line_frame, stock_frame)
    on_hand = run_query("stock_on_hand.sql", {"as_of": as_of}, stock=stock_frame)
    by_variant = run_query(
        "stock_on_hand_variants.sql", {"as_of": as_of}, stock=stock_frame, lines=line_frame
    )
    demand = _demand(sold, lost_lines, product_id)
    stocked = dict(
        zip(on_hand["product_id"].to_pylist(), on_hand["on_hand"].to_pylist(), strict=True)
    )
    variant_stock = {
        (row["product_id"], row["colour"], row["size"]): int(row["on_hand"])
        for row in by_variant.to_pylist()
    }
    rows = [
        row
        for product_id_, variants in sorted(demand.items())
        for row in _product_rows(
            product_id_,
            variants,
            _Stock(int(stocked.get(product_id_) or 0), variant_stock),
            Fraction(horizon_days, lookback_days),
        )
    ]
    return pa.Table.from_pylist(rows, schema=PROPOSAL)


@dataclass(frozen=True, slots=True)
class _Stock:
    """Units on hand: the product's total, and per (product, colour, size) where the stock
    rows name the variant."""

    product: int
    variants: dict[tuple[str, str, str], int]

    def variant(self, product_id: str, colour: str, size: str) -> int | None:
        return self.variants.get((product_id, colour, size))


PROPOSAL: Final = pa.schema(
    [
        ("product_id", pa.string()),
        ("title", pa.string()),
        ("colour", pa.string()),
        ("size", pa.string()),
        ("sold", pa.int64()),
        ("lost_to_stockout", pa.int64()),
        ("expected_demand", pa.int64()),
        ("on_hand", pa.int64()),
        ("to_order", pa.int64()),
        ("colour_share", pa.float64()),
        ("size_share", pa.float64()),
        ("quantity", pa.int64()),
        ("variant_on_hand", pa.int64()),
        ("sold_out", pa.bool_()),
    ]
)


def largest_remainder(total: int, weights: list[Fraction]) -> list[int]:
    """Whole numbers proportional to ``weights`` that sum exactly to ``total`` (Hamilton's
    method); ties go to the larger weight, then the earlier position."""
    weight_sum = sum(weights, Fraction(0))
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    exact = [total * weight / weight_sum for weight in weights]
    whole = [math.floor(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - whole[i]), -weights[i], i))
    for index in order[: total - sum(whole)]:
        whole[index] += 1
    return whole


def _lost_between(orders: pa.Table, since: datetime, until: datetime) -> pa.Table:
    created = orders["created_at"]
    mask = pc.and_(
        pc.is_in(orders["status"], pa.array(LOST_STATUSES)),
        pc.and_(pc.greater(created, pa.scalar(since)), pc.less_equal(created, pa.scalar(until))),
    )
    return orders.filter(mask)


def _stockout_lines(lost: pa.Table, lines: pa.Table, stock: pa.Table) -> pa.Table:
    keys = lost.select(["order_id", "created_at", "cancel_reason", "close_reason"])
    return run_query(
        "stockout_lines.sql",
        {"pattern": OUT_OF_STOCK},
        lost=keys,
        lines=check(lines, ORDER_LINES, "order_lines"),
        stock=check(stock, STOCK, "stock"),
    )


def _by_variant(found: pa.Table) -> pa.Table:
    with_flags = found.append_column(
        "zero_order", pc.if_else(found["stock_zero"], found["order_id"], None)
    ).append_column("said_order", pc.if_else(found["said_out_of_stock"], found["order_id"], None))
    grouped = with_flags.group_by(VARIANT, use_threads=False).aggregate(
        [
            ("title", "first"),
            ("order_id", "count_distinct"),
            ("quantity", "sum"),
            ("amount", "sum"),
            ("zero_order", "count_distinct", pc.CountOptions(mode="only_valid")),
            ("said_order", "count_distinct", pc.CountOptions(mode="only_valid")),
        ]
    )
    renamed = grouped.rename_columns(
        [
            *VARIANT,
            "title",
            "orders",
            "quantity",
            "amount",
            "orders_stock_zero",
            "orders_reason_said",
        ]
    )
    table = renamed.select(
        [
            "product_id",
            "title",
            "colour",
            "size",
            "orders",
            "quantity",
            "amount",
            "orders_stock_zero",
            "orders_reason_said",
        ]
    )
    return table.sort_by([("amount", "descending"), ("product_id", "ascending")]).cast(LOSSES)


LOSSES: Final = pa.schema(
    [
        ("product_id", pa.string()),
        ("title", pa.string()),
        ("colour", pa.string()),
        ("size", pa.string()),
        ("orders", pa.int64()),
        ("quantity", pa.int64()),
        ("amount", pa.decimal128(18, 2)),
        ("orders_stock_zero", pa.int64()),
        ("orders_reason_said", pa.int64()),
    ]
)

Demand = dict[str, dict[tuple[str, str], dict[str, Any]]]


def _demand(sold: pa.Table, lost_lines: pa.Table, only: str | None) -> Demand:
    """product → (colour, size) → {"title", "sold", "lost"}."""
    demand: Demand = {}
    for kind, table in (("sold", sold), ("lost", lost_lines)):
        for row in table.to_pylist():
            if only is not None and row["product_id"] != only:
                continue
            variant = (row["colour"] or "", row["size"] or "")
            cell = demand.setdefault(row["product_id"], {}).setdefault(
                variant, {"title": row["title"], "sold": 0, "lost": 0}
            )
            cell[kind] += int(row["quantity"])
    return demand


def _product_rows(
    product_id: str,
    variants: dict[tuple[str, str], dict[str, Any]],
    on_hand: _Stock,
    scale: Fraction,
) -> list[dict[str, Any]]:
    sold = sum(cell["sold"] for cell in variants.values())
    lost = sum(cell["lost"] for cell in variants.values())
    expected = math.ceil((sold + lost) * scale)
    colours, sizes = _shares(variants, 0), _shares(variants, 1)
    colour_order, size_order = _ranked(colours), _ranked(sizes)
    per_colour = largest_remainder(
        max(0, expected - on_hand.product), [colours[c] for c in colour_order]
    )
    size_weights = [sizes[s] for s in size_order]
    grid = list(product(colour_order, size_order))
    split = [q for total in per_colour for q in largest_remainder(total, size_weights)]
    counts = [on_hand.variant(product_id, colour, size) for colour, size in grid]
    sold_out = [
        count is not None and count <= 0 and (colour or size) != "" and (colour, size) in variants
        for (colour, size), count in zip(grid, counts, strict=True)
    ]
    quantities = [
        max(quantity, _own_demand(variants[variant], scale)) if out else quantity
        for variant, quantity, out in zip(grid, split, sold_out, strict=True)
    ]
    title = next(cell["title"] for cell in variants.values())
    return [
        {
            "product_id": product_id,
            "title": title,
            "colour": colour,
            "size": size,
            "sold": sold,
            "lost_to_stockout": lost,
            "expected_demand": expected,
            "on_hand": on_hand.product,
            "to_order": sum(quantities),
            "colour_share": float(colours[colour]),
            "size_share": float(sizes[size]),
            "quantity": quantity,
            "variant_on_hand": count,
            "sold_out": out,
        }
        for (colour, size), quantity, count, out in zip(
            grid, quantities, counts, sold_out, strict=True
        )
    ]


def _own_demand(cell: dict[str, Any], scale: Fraction) -> int:
    """A variant's own demand over the horizon: its lookback units × horizon ÷ lookback."""
    return math.ceil(Fraction(int(cell["sold"]) + int(cell["lost"])) * scale)


def _shares(variants: dict[tuple[str, str], dict[str, Any]], axis: int) -> dict[str, Fraction]:
    """Share of the lookback demand per colour (axis 0) or size (axis 1); values with none are
    left out."""
    units: dict[str, int] = {}
    for variant, cell in variants.items():
        units[variant[axis]] = units.get(variant[axis], 0) + cell["sold"] + cell["lost"]
    total = sum(units.values())
    return {key: Fraction(count, total) for key, count in units.items() if count > 0}


def _ranked(shares: dict[str, Fraction]) -> list[str]:
    return sorted(shares, key=lambda key: (-shares[key], key))
