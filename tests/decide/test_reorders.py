"""The re-order rule (issue 11.2): an unpaid or closed order whose buyer placed it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.decide.reorders import reorders

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
TS = pa.timestamp("us", "UTC")


def known(*rows: dict[str, Any]) -> pa.Table:
    """Orders as of a moment: the columns the rule reads."""
    return pa.table(
        {
            "order_id": [r["order_id"] for r in rows],
            "customer_key": [r.get("buyer", "tb_a") for r in rows],
            "status": [r.get("status", "pending") for r in rows],
            "created_at": pa.array([r.get("at", T0) for r in rows], TS),
            "paid_at": pa.array([r.get("paid_at") for r in rows], TS),
            "total_amount": pa.array(
                [Decimal(r.get("amount", "99.00")) for r in rows], pa.decimal128(18, 2)
            ),
            "paid_amount": pa.array(
                [Decimal(r["paid"]) if "paid" in r else None for r in rows], pa.decimal128(18, 2)
            ),
        }
    )


def items(**by_order: tuple[str, ...]) -> pa.Table:
    pairs = [(order, item) for order, titles in by_order.items() for item in titles]
    return pa.table(
        {"order_id": [o for o, _ in pairs], "item": [i for _, i in pairs]},
        schema=pa.schema([("order_id", pa.string()), ("item", pa.string())]),
    )


def found(table: pa.Table) -> dict[str, tuple[str, bool]]:
    return {
        row["order_id"]: (row["reordered_by"], row["reorder_paid"]) for row in table.to_pylist()
    }


def test_a_closed_order_whose_buyer_paid_a_new_order_25_minutes_later_was_reordered() -> None:
    # The buyer: closed X with "信息填写错误，重新拍" and paid the re-order 25 min later.
    later = T0 + timedelta(minutes=25)
    orders = known(
        {"order_id": "X", "status": "closed"},
        {"order_id": "Y", "status": "paid", "at": later, "paid_at": later, "paid": "99.00"},
    )
    result = reorders(orders, items(X=("连衣裙",), Y=("连衣裙",)), window=DAY, close_after=DAY)
    assert found(result) == {"X": ("Y", True)}
    (row,) = result.to_pylist()
    assert (row["reorder_paid_at"], row["reorder_amount"]) == (later, Decimal("99.00"))


def test_any_paid_order_of_the_buyer_within_the_window_counts_whatever_its_items() -> None:
    orders = known(
        {"order_id": "X", "status": "closed"},
        {"order_id": "Y", "status": "settled", "at": T0 + 20 * timedelta(hours=1)},
    )
    assert found(reorders(orders, items(X=("连衣裙",), Y=("袜子",)), window=DAY, close_after=DAY))
    later = known(
        {"order_id": "X", "status": "closed"},
        {"order_id": "Y", "status": "settled", "at": T0 + 25 * timedelta(hours=1)},
    )
    basket = items(X=("连衣裙",), Y=("袜子",))
    assert not found(reorders(later, basket, window=DAY, close_after=DAY))


def test_a_later_order_with_the_same_items_replaces_an_unpaid_one_even_unpaid() -> None:
    orders = known(
        {"order_id": "X"},
        {"order_id": "Y", "at": T0 + timedelta(hours=2)},
        {"order_id": "Z", "at": T0 + timedelta(hours=3)},
    )
    result = reorders(
        orders,
        items(X=("连衣裙",), Y=("连衣裙", "腰带"), Z=("袜子",)),
        window=DAY,
        close_after=DAY,
    )
    assert found(result) == {"X": ("Y", False)}
    off = reorders(
        orders, items(X=("连衣裙",), Y=("连衣裙",)), window=DAY, close_after=DAY, same_items=False
    )
    assert not found(off)


def test_a_paid_reorder_is_preferred_to_an_earlier_unpaid_one() -> None:
    orders = known(
        {"order_id": "X", "status": "closed"},
        {"order_id": "Y", "status": "closed", "at": T0 + timedelta(minutes=5)},
        {"order_id": "Z", "status": "paid", "at": T0 + timedelta(minutes=30)},
    )
    result = reorders(orders, items(X=("裙",), Y=("裙",), Z=("裙",)), window=DAY, close_after=DAY)
    assert found(result) == {"X": ("Z", True), "Y": ("Z", True)}


def test_other_buyers_earlier_orders_and_orders_without_a_buyer_are_never_reorders() -> None:
    orders = known(
        {"order_id": "early", "status": "paid", "at": T0 - timedelta(hours=1)},
        {"order_id": "X", "status": "closed"},
        {"order_id": "theirs", "buyer": "tb_b", "status": "paid", "at": T0 + timedelta(hours=1)},
        {"order_id": "anon", "buyer": None, "status": "closed"},
        {"order_id": "anon2", "buyer": None, "status": "paid", "at": T0 + timedelta(hours=1)},
    )
    result = reorders(orders, items(), window=DAY, close_after=DAY)
    assert found(result) == {}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["pending", "closed", "paid", "settled", "refunded"]),
            st.integers(0, 72 * 60),
            st.sets(st.sampled_from(["裙", "袜", "帽"]), max_size=2),
        ),
        max_size=12,
    ),
    st.sampled_from([timedelta(0), DAY, 3 * DAY]),
)
def test_every_reorder_is_the_same_buyers_later_order_by_one_of_the_two_rules(
    specs: list[tuple[str | None, str, int, set[str]]], window: timedelta
) -> None:
    rows = [
        {"order_id": f"o{i}", "buyer": b, "status": s, "at": T0 + timedelta(minutes=m)}
        for i, (b, s, m, _) in enumerate(specs)
    ]
    lines = {f"o{i}": tuple(sorted(titles)) for i, (*_, titles) in enumerate(specs)}
    result = reorders(known(*rows), items(**lines), window=window, close_after=DAY)
    by_id = {r["order_id"]: r for r in rows}
    for order_id, (by, paid) in found(result).items():
        x, y = by_id[order_id], by_id[by]
        assert x["status"] in ("pending", "closed") and x["buyer"] is not None
        assert y["buyer"] == x["buyer"] and (y["at"], by) > (x["at"], order_id)
        assert paid == (y["status"] not in ("pending", "closed"))
        same = bool(lines[order_id]) and set(lines[order_id]) <= set(lines[by])
        assert (paid and y["at"] <= x["at"] + window) or (
            same and y["at"] <= x["at"] + max(window, DAY)
        )
