"""D1: the daily decomposition of the order amount (seed 002)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from diagnostic_frames import SHANGHAI, T0, order, orders

from winback.analyse.decomposition import (
    PARTS,
    SEED_PARTS,
    decompose,
    parts_shown,
    reported_events,
)

H = timedelta(hours=1)
D = timedelta(days=1)
LATER = T0 + 30 * D


def one_day(table: pa.Table) -> dict[str, Any]:
    rows = table.to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_each_status_lands_in_its_part_and_the_parts_sum_to_the_total() -> None:
    table = orders(
        order("pending", "pending", amount="10.00"),
        order("paid", "paid", amount="20.00", paid=H),
        order("shipped", "shipped", amount="30.00", paid=H, shipped=D),
        order("delivered", "delivered", amount="40.00", paid=H, shipped=D, delivered=2 * D),
        order(
            "settled", "settled", amount="50.00", paid=H, shipped=D, delivered=2 * D, settled=3 * D
        ),
        order("closed", "closed", amount="60.00", closed=3 * D),
        order("cancelled", "cancelled", amount="70.00", paid=H, refunded=2 * H),
        order("refunded", "refunded", amount="80.00", paid=H, shipped=D, refunded=5 * D),
    )
    day = one_day(decompose(table, timezone=SHANGHAI, as_of=LATER))
    assert day["day"] == date(2024, 7, 30)
    assert (day["orders"], day["amount"]) == (8, Decimal("360.00"))
    assert day["unpaid_amount"] == Decimal("10.00")
    assert day["paid_not_shipped_amount"] == Decimal("20.00")
    assert (day["shipped_orders"], day["shipped_amount"]) == (2, Decimal("70.00"))
    assert day["settled_amount"] == Decimal("50.00")
    assert day["closed_before_payment_amount"] == Decimal("60.00")
    assert (day["refunded_orders"], day["refunded_amount"]) == (2, Decimal("150.00"))


def test_an_order_paid_after_as_of_is_still_unpaid_as_of_then() -> None:
    table = orders(order("a", "settled", paid=2 * H, shipped=D, delivered=2 * D, settled=3 * D))
    early = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 11 * H))
    assert (early["unpaid_orders"], early["unpaid_amount"]) == (1, Decimal("100.00"))
    shipping = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 2 * D))
    assert shipping["shipped_orders"] == 1


def test_an_order_closed_after_as_of_is_unpaid_until_it_closes() -> None:
    table = orders(order("a", "closed", closed=3 * D))
    before = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + D))
    after = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 5 * D))
    assert (before["unpaid_orders"], after["closed_before_payment_orders"]) == (1, 1)


def test_a_refund_after_as_of_leaves_the_order_in_its_earlier_part() -> None:
    table = orders(order("a", "refunded", paid=H, shipped=D, refunded=4 * D))
    as_of = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 2 * D))
    assert (as_of["shipped_orders"], as_of["refunded_orders"]) == (1, 0)


def test_a_partial_refund_splits_the_amount_but_not_the_count() -> None:
    row = order("a", "settled", amount="99.90", refund="19.95", paid=H, settled=3 * D)
    row["refunded_at"] = row["settled_at"]
    day = one_day(decompose(orders(row), timezone=SHANGHAI, as_of=LATER))
    assert (day["settled_orders"], day["settled_amount"]) == (1, Decimal("79.95"))
    assert (day["refunded_orders"], day["refunded_amount"]) == (0, Decimal("19.95"))


def test_a_refund_larger_than_the_order_is_capped_at_the_order_amount() -> None:
    table = orders(order("a", "paid", amount="10.00", refund="15.00", paid=H))
    day = one_day(decompose(table, timezone=SHANGHAI, as_of=LATER))
    assert (day["paid_not_shipped_amount"], day["refunded_amount"]) == (Decimal(0), Decimal(10))


def test_an_event_the_status_implies_but_without_a_time_counts_as_done() -> None:
    table = orders(order("a", "settled"))
    day = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + D))
    assert day["settled_orders"] == 1


def test_days_are_the_store_calendar_days_and_empty_days_are_zero_rows() -> None:
    table = orders(
        order("late-utc", "pending", at=-timedelta(minutes=30)),  # 23:30 in Shanghai
        order("next", "pending", at=2 * D + H),
    )
    rows = decompose(table, timezone=SHANGHAI, as_of=LATER).to_pylist()
    assert [(row["day"], row["orders"]) for row in rows] == [
        (date(2024, 7, 29), 1),
        (date(2024, 7, 30), 0),
        (date(2024, 7, 31), 0),
        (date(2024, 8, 1), 1),
    ]
    in_utc = decompose(table, timezone="UTC", as_of=LATER).to_pylist()
    assert in_utc[0]["day"] == date(2024, 7, 29)


def test_start_and_end_bound_the_days_inclusively() -> None:
    table = orders(*(order(f"o{i}", "pending", at=i * D) for i in range(5)))
    rows = decompose(
        table, timezone=SHANGHAI, as_of=LATER, start=date(2024, 7, 31), end=date(2024, 8, 2)
    ).to_pylist()
    assert [row["day"] for row in rows] == [date(2024, 7, 31), date(2024, 8, 1), date(2024, 8, 2)]


def test_orders_placed_after_as_of_are_left_out() -> None:
    table = orders(order("a", "pending"), order("b", "pending", at=2 * D))
    rows = decompose(table, timezone=SHANGHAI, as_of=T0 + D).to_pylist()
    assert sum(row["orders"] for row in rows) == 1


def test_the_columns_are_days_counts_and_exact_money() -> None:
    result = decompose(orders(order("a", "pending")), timezone=SHANGHAI, as_of=LATER)
    assert result.schema.field("day").type == pa.date32()
    for part in PARTS:
        assert result.schema.field(f"{part}_orders").type == pa.int64()
        assert result.schema.field(f"{part}_amount").type == pa.decimal128(18, 2)


def test_no_orders_and_no_period_gives_an_empty_table() -> None:
    assert decompose(orders(), timezone=SHANGHAI, as_of=LATER).num_rows == 0


def test_a_missing_column_is_named_in_the_error() -> None:
    table = orders(order("a", "pending")).drop_columns(["paid_at", "refund_amount"])
    with pytest.raises(ValueError, match="orders frame lacks the column\\(s\\): paid_at, refund"):
        decompose(table, timezone=SHANGHAI, as_of=LATER)


def test_naive_timestamps_are_refused() -> None:
    table = orders(order("a", "pending"))
    naive = table.set_column(
        table.schema.get_field_index("created_at"),
        "created_at",
        pa.array([datetime(2024, 7, 30)], pa.timestamp("us")),
    )
    with pytest.raises(ValueError, match=r"created_at.*time-zone aware"):
        decompose(naive, timezone=SHANGHAI, as_of=LATER)


def test_a_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="as_of must be time-zone aware"):
        decompose(orders(order("a", "pending")), timezone=SHANGHAI, as_of=datetime(2024, 8, 1))


def test_an_unknown_status_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="unknown status WAIT_BUYER_PAY"):
        decompose(orders(order("a", "WAIT_BUYER_PAY")), timezone=SHANGHAI, as_of=LATER)


def test_the_worked_example_of_the_docs_adds_up() -> None:
    """docs/diagnostics.md, D1 worked example (placed 7/30 Shanghai, as of 8/1 00:00)."""
    c = order("C", "shipped", amount="150.00", refund="30.00", paid=H, shipped=D, refunded=D)
    table = orders(
        order("A", "pending", amount="100.00"),
        order("B", "paid", amount="200.00", paid=H),
        c,
        order("D", "closed", amount="80.00", closed=D),
        order("E", "cancelled", amount="120.00", paid=H, refunded=2 * H),
        order("F", "settled", amount="90.00", paid=D, shipped=48 * H, settled=6 * D),
    )
    day = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 2 * D))
    amounts = [day[f"{part}_amount"] for part in SEED_PARTS]
    assert day["amount"] == Decimal("740.00")
    assert amounts == [Decimal(v) for v in ("100", "290", "120", "0", "80", "150")]
    assert [day[f"{part}_orders"] for part in SEED_PARTS] == [1, 2, 1, 0, 1, 1]
    later = one_day(decompose(table, timezone=SHANGHAI, as_of=T0 + 7 * D))
    assert later["settled_amount"] == Decimal("90.00")


def six_years_of_paid_orders(platform: str = "generic") -> pa.Table:
    """An export with order, date and paid amount only: every order paid, none shipped."""
    return orders(
        *(
            {**order(f"g{n}", "paid", at=-6 * 365 * D + n * D, paid=H), "platform": platform}
            for n in range(3)
        )
    )


def totals(table: pa.Table) -> dict[str, Any]:
    return {
        name: sum(table[name].to_pylist())
        for name in table.column_names
        if name.endswith(("_amount", "_orders"))
    }


def test_paid_orders_of_a_source_without_shipping_data_are_not_called_paid_not_shipped() -> None:
    """Issue 10, point 2: six-year-old paid orders of a file with no shipping or settlement
    columns are one "paid (shipping not in the data)" part, not ¥ "waiting to ship"."""
    table = six_years_of_paid_orders()
    reported = reported_events(table)
    assert reported.to_pylist() == [{"platform": "generic", "shipping": False, "settlement": False}]
    result = decompose(table, timezone=SHANGHAI, as_of=LATER, reported=reported)
    sums = totals(result)
    assert sums["paid_not_shipped_amount"] == sums["shipped_amount"] == Decimal(0)
    assert (sums["paid_shipping_unknown_orders"], sums["paid_shipping_unknown_amount"]) == (
        3,
        Decimal("300.00"),
    )
    assert parts_shown(reported) == (
        "unpaid",
        "paid_shipping_unknown",
        "closed_before_payment",
        "refunded",
    )


def test_a_source_that_ships_but_never_says_settled_merges_shipped_and_settled() -> None:
    table = orders(
        {**order("s", "shipped", paid=H, shipped=D), "platform": "generic"},
        {**order("p", "paid", paid=H), "platform": "generic"},
    )
    reported = reported_events(table)
    assert reported.to_pylist() == [{"platform": "generic", "shipping": True, "settlement": False}]
    sums = totals(decompose(table, timezone=SHANGHAI, as_of=LATER, reported=reported))
    assert sums["shipped_settlement_unknown_amount"] == Decimal("100.00")
    assert sums["paid_not_shipped_amount"] == Decimal("100.00")  # shipping is in the data
    assert parts_shown(reported) == (
        "unpaid",
        "paid_not_shipped",
        "shipped_settlement_unknown",
        "closed_before_payment",
        "refunded",
    )


def test_each_source_of_a_mixed_store_is_read_with_what_its_own_data_tells() -> None:
    full = orders(
        {**order("t1", "paid", paid=H), "platform": "taobao"},
        {**order("t2", "settled", paid=H, shipped=D, settled=3 * D), "platform": "taobao"},
    )
    table = pa.concat_tables([six_years_of_paid_orders(), full])
    reported = reported_events(table)
    sums = totals(decompose(table, timezone=SHANGHAI, as_of=LATER, reported=reported))
    assert sums["paid_shipping_unknown_amount"] == Decimal("300.00")
    assert sums["paid_not_shipped_amount"] == sums["settled_amount"] == Decimal("100.00")
    assert parts_shown(reported) == PARTS[:5] + PARTS[6:]


def test_without_reported_events_every_source_is_taken_to_report_everything() -> None:
    sums = totals(decompose(six_years_of_paid_orders(), timezone=SHANGHAI, as_of=LATER))
    assert sums["paid_not_shipped_amount"] == Decimal("300.00")
    assert parts_shown(None) == SEED_PARTS


def test_a_refunded_order_that_kept_its_shipping_fee_refunds_only_the_stored_refund() -> None:
    """Issue 10, point 3: D1 counted the whole amount of every refunded order as refunded,
    above the data's refund sum; only the stored refund went back."""
    row = order(
        "r", "refunded", amount="110.00", refund="100.00", paid=H, shipped=D, refunded=4 * D
    )
    day = one_day(decompose(orders(row), timezone=SHANGHAI, as_of=LATER))
    assert day["refunded_amount"] == Decimal("100.00")
    assert (day["shipped_orders"], day["shipped_amount"]) == (1, Decimal("10.00"))
    assert day["refunded_orders"] == 0


def test_the_refunded_part_equals_the_stored_refund_sum_for_full_partial_and_no_refunds() -> None:
    table = orders(
        order("full", "refunded", amount="80.00", refund="80.00", paid=H, refunded=D),
        order("cancel", "cancelled", amount="50.00", refund="50.00", paid=H, refunded=2 * H),
        order("part-of-refunded", "refunded", amount="99.90", refund="59.90", paid=H, refunded=D),
        order("partial", "settled", amount="200.00", refund="25.50", paid=H, settled=3 * D),
        order("none", "settled", amount="70.00", paid=H, settled=3 * D),
        order("unpaid", "pending", amount="30.00"),
    )
    table = table.set_column(
        table.schema.get_field_index("refunded_at"),
        "refunded_at",
        pa.array([T0 + D] * table.num_rows, pa.timestamp("us", tz="UTC")),
    )
    day = one_day(decompose(table, timezone=SHANGHAI, as_of=LATER))
    stored = sum(table["refund_amount"].to_pylist(), Decimal(0))
    assert day["refunded_amount"] == stored == Decimal("215.40")
    assert sum(day[f"{part}_amount"] for part in PARTS) == day["amount"]
    assert day["refunded_orders"] == 2  # the ones that went back in full


def test_days_whose_orders_may_still_close_are_provisional() -> None:
    table = orders(*(order(f"o{i}", "pending", at=i * D) for i in range(4)))
    as_of = T0 + 3 * D + 12 * H  # 8/2 12:00 Shanghai; orders close 24 h after they are placed
    rows = decompose(table, timezone=SHANGHAI, as_of=as_of, close_after=24 * H).to_pylist()
    assert [(row["day"], row["provisional"]) for row in rows] == [
        (date(2024, 7, 30), False),
        (date(2024, 7, 31), False),
        (date(2024, 8, 1), True),  # an order at 23:59 stays open until 8/2 23:59
        (date(2024, 8, 2), True),
    ]
    unmarked = decompose(table, timezone=SHANGHAI, as_of=as_of).to_pylist()
    assert not any(row["provisional"] for row in unmarked)
