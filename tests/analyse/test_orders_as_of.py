"""The store as of a moment: the deadline rule and the one definition of "open and unpaid"
that the diagnosis (D1) and the plan share."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from diagnostic_frames import T0, orders
from hypothesis import given, settings
from hypothesis import strategies as st
from test_decomposition_properties import AS_OF, ZONES, order_mixes

from winback.analyse.decomposition import decompose
from winback.analyse.orders_as_of import open_unpaid, orders_as_of

DAY = timedelta(hours=24)


def known(*rows: dict[str, Any], as_of: datetime, close_after: timedelta = DAY) -> list[Any]:
    table = orders_as_of(orders(*rows), as_of=as_of, close_after=close_after)
    return table.select(["order_id", "status", "closed_at", "close_inferred"]).to_pylist()


def test_an_unpaid_order_past_its_deadline_is_closed_at_the_deadline_marked_inferred() -> None:
    rows = known(
        {"order_id": "old", "status": "pending", "created_at": T0},
        {"order_id": "young", "status": "pending", "created_at": T0 + 20 * DAY},
        as_of=T0 + 20 * DAY + timedelta(hours=1),
    )
    assert rows == [
        {"order_id": "old", "status": "closed", "closed_at": T0 + DAY, "close_inferred": True},
        {"order_id": "young", "status": "pending", "closed_at": None, "close_inferred": False},
    ]


def test_the_deadline_is_the_platforms_so_a_longer_one_keeps_the_order_open() -> None:
    (row,) = known(
        {"order_id": "1", "status": "pending", "created_at": T0},
        as_of=T0 + 2 * DAY,
        close_after=3 * DAY,
    )
    assert row["status"] == "pending"


def test_a_payment_after_the_moment_is_not_known_yet() -> None:
    paid = {"order_id": "1", "status": "paid", "created_at": T0, "paid_at": T0 + timedelta(hours=5)}
    (before,) = known(paid, as_of=T0 + timedelta(hours=4))
    (after,) = known(paid, as_of=T0 + timedelta(hours=6))
    assert before["status"] == "pending" and after["status"] == "paid"
    table = orders_as_of(orders(paid), as_of=T0 + timedelta(hours=4), close_after=DAY)
    assert table["paid_at"].to_pylist() == [None]


def test_an_order_placed_after_the_moment_did_not_exist() -> None:
    assert known({"order_id": "1", "status": "pending", "created_at": T0}, as_of=T0 - DAY) == []


def test_a_closed_row_without_a_close_time_gets_the_deadline_or_the_moment_if_earlier() -> None:
    closed = {"order_id": "1", "status": "closed", "created_at": T0}
    (early,) = known(closed, as_of=T0 + timedelta(hours=2))
    (late,) = known(closed, as_of=T0 + 3 * DAY)
    assert early == {
        "order_id": "1",
        "status": "closed",
        "closed_at": T0 + timedelta(hours=2),
        "close_inferred": True,
    }
    assert late["closed_at"] == T0 + DAY and late["close_inferred"]


def test_a_close_time_from_the_file_is_a_fact_not_an_inference() -> None:
    (row,) = known(
        {
            "order_id": "1",
            "status": "closed",
            "created_at": T0,
            "closed_at": T0 + timedelta(1 / 24),
        },
        as_of=T0 + 3 * DAY,
    )
    assert row["closed_at"] == T0 + timedelta(hours=1) and not row["close_inferred"]


def test_a_refund_made_after_the_moment_is_not_counted_yet() -> None:
    row = {
        "order_id": "1",
        "status": "settled",
        "created_at": T0,
        "paid_at": T0,
        "settled_at": T0 + DAY,
        "total_amount": Decimal("50.00"),
        "refund_amount": Decimal("20.00"),
        "refunded_at": T0 + 3 * DAY,
    }
    early = orders_as_of(orders(row), as_of=T0 + 2 * DAY, close_after=DAY)
    late = orders_as_of(orders(row), as_of=T0 + 4 * DAY, close_after=DAY)
    assert early["refund_amount"].to_pylist() == [Decimal("0.00")]
    assert late["refund_amount"].to_pylist() == [Decimal("20.00")]


CLOSE_AFTER = st.sampled_from([timedelta(minutes=30), DAY, 3 * DAY, 7 * DAY])


@settings(max_examples=80, deadline=None)
@given(mix=order_mixes(), zone=ZONES, as_of=AS_OF, close_after=CLOSE_AFTER)
def test_the_open_unpaid_orders_are_exactly_d1s_unpaid_part_day_by_day(
    mix: list[dict[str, Any]], zone: str, as_of: datetime, close_after: timedelta
) -> None:
    table = orders_as_of(orders(*mix), as_of=as_of, close_after=close_after)
    open_orders = open_unpaid(table).to_pylist()
    days = decompose(table, timezone=zone, as_of=as_of).to_pylist()
    by_day = Counter(order["created_at"].astimezone(ZoneInfo(zone)).date() for order in open_orders)
    amount_by_day: dict[Any, Decimal] = {}
    for order in open_orders:
        day = order["created_at"].astimezone(ZoneInfo(zone)).date()
        amount_by_day[day] = amount_by_day.get(day, Decimal(0)) + order["total_amount"]
    for row in days:
        assert row["unpaid_orders"] == by_day.get(row["day"], 0)
        assert row["unpaid_amount"] == amount_by_day.get(row["day"], Decimal("0.00"))
    # and none of them is past its deadline: the plan never reminds about a closed order
    assert all(order["created_at"] + close_after > as_of for order in open_orders)


@settings(max_examples=40, deadline=None)
@given(mix=order_mixes(), as_of=AS_OF, close_after=CLOSE_AFTER)
def test_judging_twice_at_the_same_moment_changes_no_status(
    mix: list[dict[str, Any]], as_of: datetime, close_after: timedelta
) -> None:
    once = orders_as_of(orders(*mix), as_of=as_of, close_after=close_after)
    twice = orders_as_of(once, as_of=as_of, close_after=close_after)
    assert once["status"].to_pylist() == twice["status"].to_pylist()
    assert once["closed_at"].to_pylist() == twice["closed_at"].to_pylist()
